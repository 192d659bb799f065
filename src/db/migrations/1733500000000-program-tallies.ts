import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tallies of programmes for the unfiltered statistics (issue 18): how many
 * start in each year, take place in each region, are organized by each
 * organization. Triggers keep them inside the writing transaction, so a
 * committed write is counted at once; `stats` reads a few hundred tally rows
 * instead of grouping every programme (tests/stats.test.ts holds them equal
 * to a count of the tables after writes).
 *
 * A tally whose count fell to 0 stays, at 0; readers skip it. SQLite rebuilds
 * a table whose columns TypeORM alters, which drops its triggers: a later
 * migration that does so must recreate these.
 */

/** Each dimension: the table whose rows it counts, the key of a row, and the columns whose change moves a row. */
export const TALLIES = [
  { dimension: 'year', table: 'programs', key: (row: string) => `CAST(SUBSTR(${row}.starts_on, 1, 4) AS INTEGER)`, watched: 'starts_on' },
  { dimension: 'location', table: 'programs', key: (row: string) => `${row}.location_id`, watched: 'location_id' },
  { dimension: 'organizer', table: 'program_organizers', key: (row: string) => `${row}.organization_id`, watched: 'organization_id' },
] as const;

const TABLES = ['programs', 'program_organizers'] as const;

/**
 * Statements that count every tally afresh from the tables: a new table's
 * first fill, and a bulk import's last step. An import inserts every row in
 * one transaction, and each insert's trigger updates a tally, leaving its old
 * version behind: after the medium set, 2,314 tallies filled 1.9 MB that
 * `stats` read whole (1.6 ms of its 1.8 ms). Emptied with TRUNCATE (a new
 * file on PostgreSQL) and counted again, they fill a few pages.
 */
export function recountTallies(dialect: 'postgres' | 'sqlite'): string[] {
  return [
    dialect === 'postgres' ? 'TRUNCATE program_tallies' : 'DELETE FROM program_tallies',
    ...TALLIES.map((t) => `INSERT INTO program_tallies (dimension, tally_key, n) SELECT '${t.dimension}', ${t.key('t')}, COUNT(*) FROM ${t.table} t WHERE ${t.key('t')} IS NOT NULL GROUP BY ${t.key('t')}`),
  ];
}

/** Adds `delta` to the tally of row `row` (NEW or OLD); nothing when its key is null. */
function bump(t: (typeof TALLIES)[number], row: string, delta: 1 | -1): string {
  return `INSERT INTO program_tallies (dimension, tally_key, n) SELECT '${t.dimension}', ${t.key(row)}, ${delta} WHERE ${t.key(row)} IS NOT NULL ON CONFLICT (dimension, tally_key) DO UPDATE SET n = program_tallies.n + ${delta}`;
}

export class ProgramTallies1733500000000 implements MigrationInterface {
  name = 'ProgramTallies1733500000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    await q.query(`CREATE TABLE program_tallies (dimension VARCHAR(16) NOT NULL, tally_key INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (dimension, tally_key))`);
    for (const table of TABLES) {
      const tallies = TALLIES.filter((t) => t.table === table);
      const watched = tallies.map((t) => t.watched).join(', ');
      if (postgres) {
        const statements = (row: string, delta: 1 | -1) => tallies.map((t) => `${bump(t, row, delta)};`).join('\n');
        await q.query(`CREATE FUNCTION registry_tally_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
              ${statements('OLD', -1)}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
              ${statements('NEW', 1)}
            END IF;
            RETURN NULL;
          END
        $$`);
        await q.query(`CREATE TRIGGER ${table}_tally AFTER INSERT OR DELETE OR UPDATE OF ${watched} ON ${table} FOR EACH ROW EXECUTE FUNCTION registry_tally_${table}()`);
      } else {
        const statements = (row: string, delta: 1 | -1) => tallies.map((t) => `${bump(t, row, delta)};`).join(' ');
        await q.query(`CREATE TRIGGER ${table}_tally_insert AFTER INSERT ON ${table} BEGIN ${statements('new', 1)} END`);
        await q.query(`CREATE TRIGGER ${table}_tally_update AFTER UPDATE OF ${watched} ON ${table} BEGIN ${statements('old', -1)} ${statements('new', 1)} END`);
        await q.query(`CREATE TRIGGER ${table}_tally_delete AFTER DELETE ON ${table} BEGIN ${statements('old', -1)} END`);
      }
    }
    for (const statement of recountTallies(postgres ? 'postgres' : 'sqlite')) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.driver.options.type === 'postgres') {
      for (const table of TABLES) {
        await q.query(`DROP TRIGGER IF EXISTS ${table}_tally ON ${table}`);
        await q.query(`DROP FUNCTION IF EXISTS registry_tally_${table}()`);
      }
    } else {
      for (const table of TABLES) for (const when of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER IF EXISTS ${table}_tally_${when}`);
    }
    await q.query('DROP TABLE program_tallies');
  }
}
