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

/** One worker thread with its own read-only connection, and the reads it has not answered yet. */
class ReaderThread {
  private worker?: Worker;
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  /** Reads sent to it so far. */
  sent = 0;

  constructor(private readonly file: string) {}

  /** Reads sent and not yet answered. */
  get load(): number {
    return this.pending.size;
  }

  /** Starts the thread unless it runs (again, after it stopped); its connection opens as it boots. */
  start(): void {
    if (this.worker) return;
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
    this.worker = worker;
  }

  private fail(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  read(sql: string, values: readonly unknown[]): Promise<unknown[]> {
    this.start();
    this.sent++;
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

/** Reader threads: two, so that a long read (a search scoring every match) does not queue the short ones behind it. */
export const SQLITE_READERS = 2;
/**
 * Reads waiting on the first thread before another takes some: short reads
 * cost less queued there than waking a second thread (spilling at 2, the
 * internship table on SQLite lost 4%; at 4, search gained 32% and nothing
 * measured lost beyond the rounds' spread).
 */
const SPILL_AT = 4;

/**
 * Runs SQLite reads on worker threads, each with its own read-only
 * connection, so that on the embedded database other cores execute SQL while
 * the main thread resolves fields and writes answers, as a database server's
 * processes do for PostgreSQL. A read goes to the first thread while few
 * wait there, else to the one with the fewest. All threads start with the
 * first read: one started later, when the first is busy, would hold its first
 * read for the tens of milliseconds a thread takes to boot. Each statement
 * reads the latest commit when it starts, whichever thread runs it (a
 * request's statements are not one snapshot, with one thread or two). Writes
 * and transactions stay on the main connection.
 */
export class SqliteReader {
  private readonly threads: ReaderThread[];

  constructor(file: string, threads = SQLITE_READERS) {
    this.threads = Array.from({ length: Math.max(1, threads) }, () => new ReaderThread(file));
  }

  read(sql: string, values: readonly unknown[]): Promise<unknown[]> {
    for (const thread of this.threads) thread.start();
    // The first thread while it has little waiting; then the least loaded.
    let chosen = this.threads[0];
    if (chosen.load >= SPILL_AT) for (const thread of this.threads) if (thread.load < chosen.load) chosen = thread;
    return chosen.read(sql, values);
  }

  /** Reads sent to each thread so far, in thread order. */
  spread(): number[] {
    return this.threads.map((thread) => thread.sent);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
