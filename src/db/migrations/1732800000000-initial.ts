import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

// Written with TypeORM's portable schema API so it runs unchanged on SQLite and PostgreSQL.

const pk: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const synthetic: TableColumnOptions = { name: 'synthetic', type: 'boolean', default: false };
/** Folded text of every translation, once read by search; unused since the search index (1732900000000) and no longer written. Dropping it would rebuild the SQLite tables and lose the search triggers. */
const searchText: TableColumnOptions = { name: 'search_text', type: 'text', default: "''" };

function fk(column: string, table: string, onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL' = 'RESTRICT'): TableForeignKey {
  return new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete });
}

function index(table: string, columns: string[]): TableIndex {
  return new TableIndex({ name: `idx_${table}_${columns.join('_')}`, columnNames: columns });
}

export class Initial1732800000000 implements MigrationInterface {
  name = 'Initial1732800000000';

  async up(q: QueryRunner): Promise<void> {
    // Sort keys compare byte by byte on both databases, whatever locale a PostgreSQL server was created with.
    const collation = q.connection.options.type === 'postgres' ? 'C' : undefined;
    await q.createTable(
      new Table({
        name: 'regions',
        columns: [
          pk,
          { name: 'code', type: 'varchar', length: '32', isUnique: true, collation },
          { name: 'name', type: 'text' },
          { name: 'kind', type: 'varchar', length: '20' },
          { name: 'parent_id', type: 'integer', isNullable: true },
          synthetic,
          searchText,
        ],
        foreignKeys: [fk('parent_id', 'regions')],
        indices: [index('regions', ['parent_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'organizations',
        columns: [
          pk,
          { name: 'slug', type: 'varchar', length: '100', isUnique: true, collation },
          { name: 'name', type: 'text' },
          { name: 'kind', type: 'varchar', length: '20' },
          { name: 'region_id', type: 'integer', isNullable: true },
          synthetic,
          searchText,
        ],
        foreignKeys: [fk('region_id', 'regions')],
        indices: [index('organizations', ['region_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'programs',
        columns: [
          pk,
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'slug', type: 'varchar', length: '120', isUnique: true, collation },
          { name: 'title', type: 'text' },
          { name: 'title_sort', type: 'varchar', length: '300', collation },
          { name: 'description', type: 'text', isNullable: true },
          { name: 'starts_on', type: 'varchar', length: '10', isNullable: true },
          { name: 'ends_on', type: 'varchar', length: '10', isNullable: true },
          { name: 'location_id', type: 'integer', isNullable: true },
          { name: 'series', type: 'varchar', length: '200', isNullable: true },
          { name: 'year', type: 'integer', isNullable: true },
          { name: 'training_program', type: 'text', isNullable: true },
          { name: 'forum_id', type: 'integer', isNullable: true },
          { name: 'participant_count', type: 'integer', isNullable: true },
          { name: 'audience', type: 'text', isNullable: true },
          synthetic,
          searchText,
        ],
        foreignKeys: [fk('location_id', 'regions'), fk('forum_id', 'programs')],
        indices: [
          index('programs', ['type', 'starts_on']),
          index('programs', ['type', 'title_sort']),
          index('programs', ['location_id']),
          index('programs', ['forum_id', 'starts_on']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'program_organizers',
        columns: [
          { name: 'program_id', type: 'integer', isPrimary: true },
          { name: 'organization_id', type: 'integer', isPrimary: true },
          { name: 'position', type: 'integer', default: 0 },
        ],
        foreignKeys: [fk('program_id', 'programs', 'CASCADE'), fk('organization_id', 'organizations')],
        indices: [index('program_organizers', ['organization_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'participant_origins',
        columns: [
          { name: 'program_id', type: 'integer', isPrimary: true },
          { name: 'region_id', type: 'integer', isPrimary: true },
          { name: 'count', type: 'integer', isNullable: true },
          { name: 'position', type: 'integer', default: 0 },
        ],
        foreignKeys: [fk('program_id', 'programs', 'CASCADE'), fk('region_id', 'regions')],
        indices: [index('participant_origins', ['region_id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [
          pk,
          { name: 'program_id', type: 'integer' },
          { name: 'slug', type: 'varchar', length: '120' },
          { name: 'title', type: 'text' },
          { name: 'kind', type: 'varchar', length: '20' },
          { name: 'host_id', type: 'integer', isNullable: true },
          { name: 'starts_at', type: 'varchar', length: '30', isNullable: true },
          { name: 'ends_at', type: 'varchar', length: '30', isNullable: true },
          { name: 'position', type: 'integer', default: 0 },
          synthetic,
          searchText,
        ],
        foreignKeys: [fk('program_id', 'programs', 'CASCADE'), fk('host_id', 'organizations')],
        uniques: [{ name: 'uq_sessions_program_slug', columnNames: ['program_id', 'slug'] }],
        indices: [index('sessions', ['program_id', 'position']), index('sessions', ['host_id'])],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['sessions', 'participant_origins', 'program_organizers', 'programs', 'organizations', 'regions']) {
      await q.dropTable(table);
    }
  }
}
