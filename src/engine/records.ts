import type { Database } from '../db/database';
import { entityTable, type Table } from '../db/table';
import { toGlobalId } from './rules/ids';

const cache = new WeakMap<object, Map<Function, Table<unknown>>>();

/** Tables are derived from metadata once per data source, not per request. */
function cached<T>(db: Database, entity: Function, make: () => Table<T>): Table<T> {
  let tables = cache.get(db.dataSource);
  if (!tables) cache.set(db.dataSource, (tables = new Map()));
  let table = tables.get(entity) as Table<T> | undefined;
  if (!table) tables.set(entity, (table = make()) as Table<unknown>);
  return table;
}

/**
 * The Table of an entity whose records are GraphQL nodes: each record read
 * gets its `__typename` (`typeName`: one for the table, or an SQL expression
 * over the row aliased `alias`) and opaque global `id`, unless the request
 * reads no `id` (`omit` has it). Both come with the row, the id as a null
 * filled in here, so that records keep the shape the driver gave them.
 */
export function nodeTable<T extends { pk: number; id: string | null; __typename: string }>(
  db: Database,
  entity: Function,
  typeName: string | ((alias: string) => string),
): Table<T> {
  const typeNameSql = typeof typeName === 'string' ? () => `'${typeName}'` : typeName;
  return cached(db, entity, () => ({
    ...entityTable<T>(
      db,
      entity,
      (record, omit) => {
        if (!omit?.has('id')) record.id = toGlobalId(record.__typename, record.pk);
        return record;
      },
      (alias, omit) => [`${typeNameSql(alias)} AS "__typename"`, ...(omit?.has('id') ? [] : ['NULL AS "id"'])],
    ),
    typeName: typeNameSql,
  }));
}

/** The Table of an entity that is not a node (join rows such as participant origins). */
export function plainTable<T>(db: Database, entity: Function): Table<T> {
  return cached(db, entity, () => entityTable<T>(db, entity));
}
