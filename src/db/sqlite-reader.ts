import { Worker } from 'node:worker_threads';

/**
 * The worker's code, kept as a string so that it runs the same from the
 * TypeScript sources and from the compiled build. It opens the file read-only
 * (WAL lets it read while the main connection writes), keeps each statement
 * prepared, and answers each read with its rows.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
// Global ids and cursors are base64url, which SQLite lacks: objects rendered in the database need it.
db.function('b64url', { deterministic: true }, (text) => (text == null ? null : Buffer.from(String(text)).toString('base64url')));
const statements = new Map();
parentPort.on('message', ({ id, sql, values }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 1000) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    if (!statement.reader) return parentPort.postMessage({ id, error: { message: 'not a read', code: 'NOT_A_READ' } });
    parentPort.postMessage({ id, rows: statement.all(...values) });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Pending {
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

/**
 * Runs SQLite reads on a worker thread with its own read-only connection, so
 * that on the embedded database the second core executes SQL while the main
 * thread resolves fields and writes answers, as a database server's process
 * does for PostgreSQL. Writes and transactions stay on the main connection.
 */
export class SqliteReader {
  private worker?: Worker;
  private next = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly file: string) {}

  private start(): Worker {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { file: this.file, driver: require.resolve('better-sqlite3') },
    });
    // A reader must not keep a finished process alive.
    worker.unref();
    worker.on('message', ({ id, rows, error }: { id: number; rows?: unknown[]; error?: { message: string; code?: string } }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (error) waiting.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiting.resolve(rows!);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', () => {
      this.worker = undefined;
      this.fail(new Error('the SQLite reader stopped'));
    });
    return worker;
  }

  private fail(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  read(sql: string, values: readonly unknown[]): Promise<unknown[]> {
    this.worker ??= this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, sql, values });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
