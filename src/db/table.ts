import type { Database } from './database';

/** How to read one entity's rows with plain SQL: its select list and how to turn a raw row into a record. */
export interface Table<T> {
  /** Table name in the database. */
  name: string;
  /** The select list for alias `a`, each column under its property name, leaving out `omit` (properties no field of the request reads). */
  select(alias: string, omit?: ReadonlySet<string>): string;
  /** Turns a raw row into a record (JSON text parsed, booleans as booleans); `omit` as for `select`. */
  decode(raw: Record<string, unknown>, omit?: ReadonlySet<string>): T;
  /** For rows of GraphQL nodes: the SQL of the row's GraphQL type name, for the row aliased `alias`. */
  typeName?(alias: string): string;
}

/**
 * In tests (NODE_ENV=test, as jest sets it) or with REGISTRY_STRICT_RECORDS=1,
 * a property an operation's statement left out throws when read, instead of
 * reading as undefined: a field that reads what it did not declare fails
 * loudly where it would otherwise answer wrongly.
 */
export const STRICT_RECORDS = process.env.NODE_ENV === 'test' || process.env.REGISTRY_STRICT_RECORDS === '1';

/** Makes each omitted property of a record throw when read (non-enumerable: copies and JSON never touch it). */
export function guardOmitted(record: object, table: string, omit: ReadonlySet<string>): void {
  for (const property of omit) {
    if (Object.prototype.hasOwnProperty.call(record, property)) continue;
    Object.defineProperty(record, property, {
      enumerable: false,
      configurable: true,
      get() {
        throw new Error(`${table}.${property} was left out of this operation's statement: a field reads it without declaring it in its \`reads\``);
      },
    });
  }
}

/**
 * Derives a Table from an entity's TypeORM metadata, so the column list is
 * written once, on the entity. `finish` adds what the caller needs on each
 * record; `computed` selects more under their own names (a record read with
 * all its properties in the row costs far less than one given more later).
 */
export function entityTable<T>(
  db: Database,
  entity: Function,
  finish: (record: T, omit?: ReadonlySet<string>) => T = (r) => r,
  computed: (alias: string, omit?: ReadonlySet<string>) => string[] = () => [],
): Table<T> {
  const meta = db.dataSource.getMetadata(entity);
  const columns = meta.columns.filter((c) => c.isSelect).map((c) => ({ column: c.databaseName, property: c.propertyName, type: String(c.type) }));
  const json = columns.filter((c) => c.type === 'simple-json').map((c) => c.property);
  const booleans = columns.filter((c) => c.type === 'boolean').map((c) => c.property);
  return {
    name: meta.tableName,
    select: (alias, omit) =>
      [...(omit?.size ? columns.filter((c) => !omit.has(c.property)) : columns).map((c) => `${alias}.${c.column} AS "${c.property}"`), ...computed(alias, omit)].join(', '),
    decode(raw, omit) {
      for (const p of json) {
        const v = raw[p];
        if (typeof v === 'string') raw[p] = JSON.parse(v);
      }
      // A nullable boolean keeps its null ("not known"), as the renderer writes it.
      for (const p of booleans) if (!omit?.has(p) && raw[p] != null) raw[p] = Boolean(raw[p]);
      const record = finish(raw as T, omit);
      if (STRICT_RECORDS && omit?.size) guardOmitted(record as object, meta.tableName, omit);
      return record;
    },
  };
}
