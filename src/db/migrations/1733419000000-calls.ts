import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

function fk(column: string, table: string, onDelete?: 'CASCADE' | 'RESTRICT'): TableForeignKey {
  return new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], ...(onDelete ? { onDelete } : {}) });
}

const audited: TableColumnOptions[] = [
  { name: 'created_at', type: 'varchar', length: '30', isNullable: true },
  { name: 'updated_at', type: 'varchar', length: '30', isNullable: true },
  { name: 'created_by_key_id', type: 'integer', isNullable: true },
  { name: 'updated_by_key_id', type: 'integer', isNullable: true },
];

/**
 * Calls for applications (issue 19): at most one per programme, deleted with
 * it, and the regions each is open to. Instants are ISO 8601 text in UTC, as
 * sessions keep theirs, so text order is time order on both databases; a fee
 * is kept in hundredths of its currency, so no float rounds it.
 */
export class Calls1733419000000 implements MigrationInterface {
  name = 'Calls1733419000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'calls',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'program_id', type: 'integer', isUnique: true },
          { name: 'opens_on', type: 'varchar', length: '10' },
          { name: 'closes_at', type: 'varchar', length: '30' },
          { name: 'time_zone', type: 'varchar', length: '64' },
          { name: 'apply_url', type: 'varchar', length: '500' },
          { name: 'places', type: 'integer', isNullable: true },
          { name: 'working_languages', type: 'text' },
          { name: 'fee_minor', type: 'integer', isNullable: true },
          { name: 'fee_currency', type: 'varchar', length: '3', isNullable: true },
          { name: 'travel_covered', type: 'boolean', isNullable: true },
          { name: 'accommodation_covered', type: 'boolean', isNullable: true },
          { name: 'cost_notes', type: 'text', isNullable: true },
          { name: 'synthetic', type: 'boolean', default: false },
          ...audited,
        ],
        foreignKeys: [fk('program_id', 'programs', 'CASCADE'), fk('created_by_key_id', 'api_keys'), fk('updated_by_key_id', 'api_keys')],
        indices: [new TableIndex({ name: 'idx_calls_closes_at', columnNames: ['closes_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'call_regions',
        columns: [
          { name: 'call_id', type: 'integer', isPrimary: true },
          { name: 'region_id', type: 'integer', isPrimary: true },
          { name: 'position', type: 'integer', default: 0 },
        ],
        foreignKeys: [fk('call_id', 'calls', 'CASCADE'), fk('region_id', 'regions', 'RESTRICT')],
        indices: [new TableIndex({ name: 'idx_call_regions_region_id', columnNames: ['region_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('call_regions');
    await q.dropTable('calls');
  }
}
