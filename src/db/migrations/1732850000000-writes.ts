import { Table, TableColumn, TableForeignKey, type MigrationInterface, type QueryRunner } from 'typeorm';

const AUDITED = ['regions', 'organizations', 'programs', 'sessions'];

/**
 * API keys (only their hashes), and on every record when and by which key it
 * was created and last changed. Runs before the search migration: adding
 * columns on SQLite rebuilds the table, which would drop its triggers.
 */
export class Writes1732850000000 implements MigrationInterface {
  name = 'Writes1732850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'key_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'label', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '30' },
          { name: 'revoked_at', type: 'varchar', length: '30', isNullable: true },
        ],
      }),
    );
    for (const table of AUDITED) {
      await q.addColumns(table, [
        new TableColumn({ name: 'created_at', type: 'varchar', length: '30', isNullable: true }),
        new TableColumn({ name: 'updated_at', type: 'varchar', length: '30', isNullable: true }),
        new TableColumn({ name: 'created_by_key_id', type: 'integer', isNullable: true }),
        new TableColumn({ name: 'updated_by_key_id', type: 'integer', isNullable: true }),
      ]);
      await q.createForeignKeys(table, [
        new TableForeignKey({ columnNames: ['created_by_key_id'], referencedTableName: 'api_keys', referencedColumnNames: ['id'] }),
        new TableForeignKey({ columnNames: ['updated_by_key_id'], referencedTableName: 'api_keys', referencedColumnNames: ['id'] }),
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of AUDITED) {
      const t = (await q.getTable(table))!;
      await q.dropForeignKeys(table, t.foreignKeys.filter((fk) => fk.columnNames.some((c) => c.endsWith('_by_key_id'))));
      await q.dropColumns(table, ['created_at', 'updated_at', 'created_by_key_id', 'updated_by_key_id']);
    }
    await q.dropTable('api_keys');
  }
}
