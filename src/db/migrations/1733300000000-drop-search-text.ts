import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['regions', 'organizations', 'programs', 'sessions'];

/**
 * Drops `search_text`, the folded copy of every translation that search read
 * before the full-text index (1732900000000) and nothing has read or written
 * since. A plain DROP COLUMN on both databases: on SQLite, TypeORM's
 * dropColumn would rebuild the tables and lose their triggers.
 */
export class DropSearchText1733300000000 implements MigrationInterface {
  name = 'DropSearchText1733300000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} DROP COLUMN search_text`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`ALTER TABLE ${table} ADD COLUMN search_text TEXT NOT NULL DEFAULT ''`);
  }
}
