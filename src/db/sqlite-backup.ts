import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code, a string so that it runs the same from the sources and
 * the build. Its own read-only connection runs `VACUUM INTO`, which reads one
 * snapshot of the WAL database while writers keep going; on a thread of its
 * own, so the main thread can watch the copy grow.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
let db;
try {
  db = new Sqlite(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const pages = db.pragma('page_count', { simple: true }) - db.pragma('freelist_count', { simple: true });
  parentPort.postMessage({ expectedBytes: pages * db.pragma('page_size', { simple: true }) });
  db.prepare('VACUUM INTO ?').run(workerData.target);
  parentPort.postMessage({ done: true });
} catch (error) {
  parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
} finally {
  if (db) db.close();
}
`;

/**
 * Writes a consistent copy of the SQLite file `file` to `target` (which must
 * not exist); `onBytes` hears how far the copy has grown, every 200 ms, of
 * the bytes the live pages take.
 */
export function backupSqlite(file: string, target: string, onBytes?: (written: number, expected: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { file, target, driver: require.resolve('better-sqlite3') } });
    let expected = 0;
    const watch = setInterval(() => {
      fs.stat(target, (error, stat) => {
        if (!error && expected) onBytes?.(Math.min(stat.size, expected), expected);
      });
    }, 200);
    const finish = (error?: Error) => {
      clearInterval(watch);
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (message: { expectedBytes?: number; done?: boolean; error?: { message: string; code?: string } }) => {
      if (message.expectedBytes !== undefined) {
        expected = message.expectedBytes;
        onBytes?.(0, expected);
      } else if (message.done) {
        onBytes?.(expected, expected);
        finish();
      } else if (message.error) {
        finish(Object.assign(new Error(message.error.message), { code: message.error.code }));
      }
    });
    worker.on('error', (error) => finish(error));
  });
}
