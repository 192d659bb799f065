import fs from 'node:fs';
import readline from 'node:readline';
import type { Database } from './db/database';
import { recountTallies } from './db/migrations/1733500000000-program-tallies';
import { insertRow, updateRow } from './db/rows';
import type { OnProgress } from './ops/progress';

/** Every table, parents before children; self-references are filled in a second pass. */
const TABLES: Array<{ name: string; key: string; later?: string[] }> = [
  { name: 'api_keys', key: 'id' },
  { name: 'languages', key: 'code' },
  { name: 'regions', key: 'id', later: ['parent_id'] },
  { name: 'organizations', key: 'id' },
  { name: 'programs', key: 'id', later: ['forum_id'] },
  { name: 'program_organizers', key: 'program_id, organization_id' },
  { name: 'participant_origins', key: 'program_id, region_id' },
  { name: 'sessions', key: 'id' },
  { name: 'calls', key: 'id' },
  { name: 'call_regions', key: 'call_id, region_id' },
];

/** SQLite stores booleans as 0/1; the export says true/false, whichever database it came from. */
const BOOLEAN_COLUMNS = new Set(['synthetic', 'travel_covered', 'accommodation_covered']);

const FORMAT = 'program-registry-export';

function normalize(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) out[column] = BOOLEAN_COLUMNS.has(column) && value !== null ? Boolean(value) : value;
  return out;
}

/**
 * Writes the whole registry as JSON lines: a header, then one line per row,
 * tables in dependency order. `write` may return a promise (a stream's
 * backpressure); `onProgress` hears rows written of all tables' rows.
 */
export async function exportRegistry(db: Database, write: (line: string) => void | Promise<void>, onProgress?: OnProgress): Promise<Record<string, number>> {
  const migrations = await db.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
  const [sizes] = await db.query<Record<string, number | string>>(`SELECT ${TABLES.map((t) => `(SELECT COUNT(*) FROM ${t.name}) AS "${t.name}"`).join(', ')}`);
  const total = TABLES.reduce((n, t) => n + Number(sizes[t.name]), 0);
  let done = 0;
  onProgress?.(0, total, TABLES[0].name);
  await write(JSON.stringify({ format: FORMAT, version: 1, migrations: migrations.map((m) => m.name) }));
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${table.name} ORDER BY ${table.key}`);
    for (const row of rows) {
      await write(JSON.stringify({ table: table.name, row: normalize(row) }));
      if (++done % 1000 === 0) onProgress?.(done, total, table.name);
    }
    onProgress?.(done, total, table.name);
    counts[table.name] = rows.length;
  }
  return counts;
}

/**
 * Loads an export into an empty registry in one transaction, keeping every
 * id, so global ids and cursors stay valid across databases.
 */
export async function importRegistry(db: Database, file: string, onProgress?: OnProgress): Promise<Record<string, number>> {
  const total = fs.statSync(file).size;
  let read = 0;
  let table = '';
  onProgress?.(0, total, 'reading the export');
  const [{ n }] = await db.query<{ n: number | string }>('SELECT (SELECT COUNT(*) FROM regions) + (SELECT COUNT(*) FROM programs) + (SELECT COUNT(*) FROM api_keys) AS "n"');
  if (Number(n) > 0) throw new Error('import needs an empty registry: this database already holds records');
  const counts: Record<string, number> = {};
  const deferred: Array<{ table: string; id: unknown; values: Record<string, unknown> }> = [];
  await db.transaction(async (tx) => {
    // Opened only once iteration starts: readline emits lines while the transaction is still being opened, which lost the header on PostgreSQL.
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let header = true;
    for await (const line of lines) {
      read += Buffer.byteLength(line) + 1;
      if (!line.trim()) continue;
      const record = JSON.parse(line);
      if (header) {
        if (record.format !== FORMAT || record.version !== 1) throw new Error(`${file} is not a registry export (version 1)`);
        header = false;
        continue;
      }
      const spec = TABLES.find((t) => t.name === record.table);
      if (!spec) throw new Error(`unknown table "${record.table}" in ${file}`);
      const row = { ...record.row };
      const later: Record<string, unknown> = {};
      for (const column of spec.later ?? []) {
        if (row[column] != null) later[column] = row[column];
        row[column] = null;
      }
      await insertRow(tx, spec.name, row);
      if (Object.keys(later).length) deferred.push({ table: spec.name, id: row.id, values: later });
      counts[spec.name] = (counts[spec.name] ?? 0) + 1;
      if (spec.name !== table || counts[spec.name] % 1000 === 0) onProgress?.(Math.min(read, total), total, (table = spec.name));
    }
    onProgress?.(total, total, 'linking rows, updating the planner statistics');
    for (const { table, id, values } of deferred) {
      await updateRow(tx, table, Number(id), values);
    }
    // The triggers counted row by row, leaving a dead version of a tally per row imported: counted again, compactly.
    for (const statement of recountTallies(tx.dialect)) await tx.query(statement);
    if (tx.dialect === 'postgres') {
      // Explicit ids do not move PostgreSQL's sequences; new records must continue after the imported ones.
      for (const table of TABLES.filter((t) => t.key === 'id')) {
        await tx.query(`SELECT setval(pg_get_serial_sequence('${table.name}', 'id'), COALESCE((SELECT MAX(id) FROM ${table.name}), 0) + 1, false)`);
      }
    }
  });
  await db.query('ANALYZE');
  return counts;
}
