import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { SqliteReader, SQLITE_READERS } from '../src/db/sqlite-reader';

/** A seeded generator, so that a failure can be run again. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state / 2 ** 32;
  };
}

describe('SQLite reads on reader threads', () => {
  let dir: string;
  let file: string;
  let writer: Sqlite.Database;
  let reader: SqliteReader;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-reader-'));
    file = path.join(dir, 'reads.sqlite');
    writer = new Sqlite(file);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)');
    const insert = writer.prepare('INSERT INTO items (id, value) VALUES (?, ?)');
    writer.transaction(() => {
      for (let id = 1; id <= 2000; id++) insert.run(id, id * 7);
    })();
    reader = new SqliteReader(file);
  });

  afterAll(async () => {
    await reader.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });


  it('answers many reads at once, long and short, each with its own rows', async () => {
    const random = generator(18);
    const reads = Array.from({ length: 300 }, () => {
      const id = 1 + Math.floor(random() * 2000);
      // A long read now and then (it sums a whole scan), so that reads queue and spill to the other thread.
      return random() < 0.2
        ? { sql: 'SELECT SUM(a.value) AS n FROM items a JOIN items b ON b.id = a.id WHERE a.value > ?', values: [id], expected: [{ n: 7 * ((2000 * 2001) / 2 - (Math.floor(id / 7) * (Math.floor(id / 7) + 1)) / 2) }] }
        : { sql: 'SELECT id, value FROM items WHERE id = ?', values: [id], expected: [{ id, value: id * 7 }] };
    });
    const before = reader.spread();
    const answers = await Promise.all(reads.map((r) => reader.read(r.sql, r.values)));
    answers.forEach((rows, i) => expect(rows).toEqual(reads[i].expected));
    // Reads queued on the first thread spilled to the others.
    const sent = reader.spread().map((n, i) => n - before[i]);
    expect(sent).toHaveLength(SQLITE_READERS);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.min(...sent)).toBeGreaterThan(0);
  });

  it('sees every write committed before the read was sent, whichever thread takes it', async () => {
    const update = writer.prepare('UPDATE items SET value = ? WHERE id = 1');
    for (let round = 1; round <= 40; round++) {
      update.run(-round);
      // Enough reads at once that some go to the second thread.
      const rows = await Promise.all(Array.from({ length: 12 }, () => reader.read('SELECT value FROM items WHERE id = 1', [])));
      for (const row of rows) expect(row).toEqual([{ value: -round }]);
    }
    expect(reader.spread().every((n) => n > 0)).toBe(true);
  });

  it('refuses a statement that writes, without running it', async () => {
    await expect(reader.read('UPDATE items SET value = 0 WHERE id = 2', [])).rejects.toMatchObject({ code: 'NOT_A_READ' });
    expect(writer.prepare('SELECT value FROM items WHERE id = 2').get()).toEqual({ value: 14 });
  });
});
