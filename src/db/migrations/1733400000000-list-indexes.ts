import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that serve every list the schema offers in its own order, so a
 * page costs the same at the start of a list as deep inside it and as the
 * registry grows (issue 18; tests/list-plans.test.ts reads the plans).
 *
 * The start-date order is `COALESCE(starts_on, '9999-12-31'), id` (programs
 * without a date last): an index on that expression places the undated
 * programs itself, on both databases, so neither sorts. Each index ends with
 * the id that breaks ties, which PostgreSQL needs to serve `ORDER BY key, id`
 * (SQLite's indexes end with the rowid anyway). Indexes an order now serves
 * whole replace the narrower ones they extend.
 */
export const STARTS_KEY = "COALESCE(starts_on, '9999-12-31')";

const CREATED: Array<[name: string, table: string, columns: string]> = [
  ['idx_programs_type_starts_key', 'programs', `type, (${STARTS_KEY}), id`],
  ['idx_programs_starts_key', 'programs', `(${STARTS_KEY}), id`],
  ['idx_programs_type_title_sort_id', 'programs', 'type, title_sort, id'],
  ['idx_programs_title_sort_id', 'programs', 'title_sort, id'],
  ['idx_programs_forum_starts_key', 'programs', `forum_id, (${STARTS_KEY}), id`],
  ['idx_sessions_program_id_position_id', 'sessions', 'program_id, position, id'],
  ['idx_sessions_program_id_id', 'sessions', 'program_id, id'],
  ['idx_sessions_host_id_id', 'sessions', 'host_id, id'],
  ['idx_program_organizers_organization_id_program_id', 'program_organizers', 'organization_id, program_id'],
];

/** Narrower indexes that one above extends: [name, table, columns] to recreate them on the way down. */
const REPLACED: Array<[name: string, table: string, columns: string]> = [
  ['idx_programs_type_title_sort', 'programs', 'type, title_sort'],
  ['idx_sessions_program_id_position', 'sessions', 'program_id, position'],
  ['idx_sessions_host_id', 'sessions', 'host_id'],
  ['idx_program_organizers_organization_id', 'program_organizers', 'organization_id'],
];

export class ListIndexes1733400000000 implements MigrationInterface {
  name = 'ListIndexes1733400000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, table, columns] of CREATED) await q.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    for (const [name] of REPLACED) await q.query(`DROP INDEX "${name}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name, table, columns] of REPLACED) await q.query(`CREATE INDEX "${name}" ON "${table}" (${columns})`);
    for (const [name] of CREATED) await q.query(`DROP INDEX "${name}"`);
  }
}
