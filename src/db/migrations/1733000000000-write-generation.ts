import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * One row holding the write generation (src/db/generation.ts), bumped in
 * every write's transaction: replicas key cached responses and held regions
 * by it, so it must live where writes commit, not in Redis.
 */
export class WriteGeneration1733000000000 implements MigrationInterface {
  name = 'WriteGeneration1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'write_generation',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'value', type: 'bigint', default: 0 },
        ],
      }),
    );
    await q.query('INSERT INTO write_generation (id, value) VALUES (1, 0)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('write_generation');
  }
}
