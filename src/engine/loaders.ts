import DataLoader from 'dataloader';
import { Database, type SqlPart, type Params } from '../db/database';
import type { Table } from '../db/table';
import type { Ordering, PageRequest, Position, SortedRow } from './paging';

/**
 * The database as one request's loaders see it. Their batches wait until none
 * of the request's loader statements is in flight, then go out together:
 * every level of a nested query is batched whole, whichever order the
 * database answers in, so the statement count depends only on the query.
 */
export class RequestDatabase extends Database {
  /** Properties no field of this request reads, by table: their columns are not selected (set by the fast path). */
  omit?: ReadonlyMap<string, ReadonlySet<string>>;
  private inFlight = 0;
  private queue: Array<() => void> = [];
  private flushing = false;

  constructor(base: Database) {
    super(base.dataSource);
  }

  override async query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    this.inFlight++;
    try {
      return await super.query<T>(sql, values);
    } finally {
      this.inFlight--;
      this.flushWhenIdle();
    }
  }

  /** DataLoader's batchScheduleFn. */
  readonly schedule = (dispatch: () => void): void => {
    this.queue.push(dispatch);
    this.flushWhenIdle();
  };

  private flushWhenIdle(): void {
    if (this.inFlight > 0 || this.flushing || !this.queue.length) return;
    this.flushing = true;
    // After the microtasks of the answers that just arrived, so every resolver they wake has asked.
    setImmediate(() => {
      this.flushing = false;
      if (this.inFlight > 0) return;
      const ready = this.queue;
      this.queue = [];
      for (const dispatch of ready) dispatch();
    });
  }
}

/** Keeps the loaders of one request; they are created on first use and die with the request. */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();
  readonly db: RequestDatabase;

  constructor(db: Database) {
    this.db = new RequestDatabase(db);
  }

  private readonly values = new Map<string, unknown>();

  /** Forgets everything loaded, after a write changed it. */
  clear(): void {
    this.loaders.clear();
    this.values.clear();
  }

  /** A value made once per request under `key` (a root field's answer, which both the fast path and graphql-js may ask for). */
  once<T>(key: string, make: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = make();
    this.values.set(key, value);
    return value;
  }

  use<K, V>(name: string, create: (db: Database) => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(name) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = create(this.db);
      this.loaders.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}

/** Where a list of records comes from: a table under an alias, optional joins and conditions. */
export interface Source<T> {
  table: Table<T>;
  alias: string;
  /** FROM clause; defaults to the table under its alias. */
  from?: string | SqlPart;
  where?: SqlPart[];
}

/** A list of records that belong to a parent, found by `parent` (an SQL expression) in `source`. */
export interface ChildSource<T> extends Source<T> {
  parent: string;
  /**
   * Children found through a link table (an organization's programmes): few
   * per parent, in no index of their own order. A page of them rendered in
   * SQL is numbered after they are found, in an order no index gives, so the
   * planner cannot choose to walk the list's whole index and join back,
   * which it did when it misjudged how far it must walk.
   */
  linked?: boolean;
}

type BatchObserver = (loader: string, table: string, size: number) => void;
const batchObservers = new Set<BatchObserver>();
/** Tells the observers of one batch (a statement for `size` keys). */
export const observeBatch: BatchObserver = (loader, table, size) => {
  for (const observer of batchObservers) observer(loader, table, size);
};

/** Lets operations count batch sizes (one statement each) without the loaders knowing about metrics; returns the way to stop. */
export function onLoaderBatch(observer: BatchObserver): () => void {
  batchObservers.add(observer);
  return () => batchObservers.delete(observer);
}

/** REGISTRY_LOADERS=off turns batching and caching off: one statement per parent, the naive baseline benchmarks measure against. */
const NAIVE = process.env.REGISTRY_LOADERS === 'off';

/** Batches go out when the request's database is idle (see RequestDatabase); outside a request, after the microtasks. */
function batchOptions(db: Database) {
  if (NAIVE) return { maxBatchSize: 1, cache: false };
  return { maxBatchSize: 5000, batchScheduleFn: db instanceof RequestDatabase ? db.schedule : (dispatch: () => void) => setImmediate(dispatch) };
}

/** Properties of a source's records that no field of the request reads. */
function omitted(db: Database, source: Source<unknown>): ReadonlySet<string> | undefined {
  return db instanceof RequestDatabase ? db.omit?.get(source.table.name) : undefined;
}

/** A source's select list, without the columns the request's fields do not read. */
function selectList(db: Database, source: Source<unknown>): string {
  return source.table.select(source.alias, omitted(db, source));
}

function fromClause(source: Source<unknown>, params: Params): string {
  if (typeof source.from === 'function') return source.from(params);
  return source.from ?? `${source.table.name} ${source.alias}`;
}

export function whereClause(parts: Array<SqlPart | string | undefined>, params: Params): string {
  const sql = parts.filter((p): p is SqlPart | string => p !== undefined).map((p) => (typeof p === 'string' ? p : p(params)));
  return sql.length ? `WHERE ${sql.map((s) => `(${s})`).join(' AND ')}` : '';
}

/**
 * Keyset condition: the rows strictly after (or before) a position in an
 * ordering, as a row-value comparison, which PostgreSQL turns into a range
 * of the index that serves the ordering (an OR of the two cases is read as a
 * filter instead, and a deep page walks every row before it). SQLite seeks
 * with a row value only on plain columns; the key's own bound (`>=`) lets it
 * seek on an expression index too, walking only the ties of the key.
 */
function beyond(ordering: Ordering, position: Position, forwards: boolean): SqlPart {
  const ascending = (ordering.direction === 'ASC') === forwards;
  const op = ascending ? '>' : '<';
  return (p) => {
    const key = p.add(position.key);
    return ordering.unique ? `${ordering.key} ${op} ${key}` : `${ordering.key} ${op}= ${key} AND (${ordering.key}, ${ordering.pk}) ${op} (${key}, ${p.add(position.pk)})`;
  };
}

function pageConditions(page: PageRequest, ordering: Ordering): SqlPart[] {
  const parts: SqlPart[] = [];
  if (page.after) parts.push(beyond(ordering, page.after, true));
  if (page.before) parts.push(beyond(ordering, page.before, false));
  return parts;
}

/** ORDER BY of a list in its ordering (reversed for a backward page): the terms its index serves. */
export function orderClause(ordering: Ordering, backward = false, key = ordering.key, pk = ordering.pk): string {
  const flip = { ASC: 'DESC', DESC: 'ASC' } as const;
  const dir = backward ? flip[ordering.direction] : ordering.direction;
  return ordering.unique ? `${key} ${dir}` : `${key} ${dir}, ${pk} ${dir}`;
}

function byParent<T>(rows: Array<T & { __parent: unknown }>, parents: readonly number[]): T[][] {
  const grouped = new Map<number, T[]>(parents.map((p) => [p, []]));
  for (const row of rows) grouped.get(Number(row.__parent))?.push(row);
  return parents.map((p) => grouped.get(p)!);
}

/**
 * One page of a root list: size + 1 rows in query order, for `toConnection`.
 * With `withTotal`, each row also carries the whole list's count (`__total`),
 * from a subquery the database runs once.
 */
export async function fetchPage<T>(db: Database, source: Source<T>, ordering: Ordering, page: PageRequest, withTotal = false): Promise<SortedRow<T>[]> {
  const rows = await db.run((p) => {
    const where = whereClause([...(source.where ?? []), ...pageConditions(page, ordering)], p);
    const total = withTotal ? `, (SELECT COUNT(*) FROM ${fromClause(source, p)} ${whereClause(source.where ?? [], p)}) AS "__total"` : '';
    return `SELECT ${selectList(db, source)}, ${ordering.key} AS "__sort"${total} FROM ${fromClause(source, p)} ${where} ORDER BY ${orderClause(ordering, page.backward)} LIMIT ${p.int(page.size + 1)}`;
  });
  const omit = omitted(db, source);
  return rows.map((r) => source.table.decode(r, omit) as SortedRow<T>);
}

/** How many rows a source holds. */
export async function countRows(db: Database, source: Source<unknown>): Promise<number> {
  const [row] = await db.run<{ n: number | string }>((p) => `SELECT COUNT(*) AS "n" FROM ${fromClause(source, p)} ${whereClause(source.where ?? [], p)}`);
  return Number(row.n);
}

/** Records by a unique column (id, code, slug): one statement for all keys asked in a tick. */
export function recordsByKey<K extends string | number, T>(db: Database, source: Source<T>, column: string): DataLoader<K, T | null> {
  return new DataLoader<K, T | null>(
    async (keys) => {
      observeBatch('byKey', source.table.name, keys.length);
      const rows = await db.run((p) => `SELECT ${selectList(db, source)}, ${column} AS "__key" FROM ${fromClause(source, p)} ${whereClause([...(source.where ?? []), (q) => q.in(column, keys)], p)}`);
      const found = new Map<unknown, T>();
      const omit = omitted(db, source);
      for (const raw of rows) found.set(raw.__key, source.table.decode(raw, omit));
      return keys.map((k) => found.get(k) ?? null);
    },
    batchOptions(db),
  );
}

/** Every child of each parent, in `orderBy`: one statement for all parents asked in a tick. */
export function childrenByParent<T>(db: Database, source: ChildSource<T>, orderBy: string): DataLoader<number, T[]> {
  return new DataLoader<number, T[]>(
    async (parents) => {
      observeBatch('children', source.table.name, parents.length);
      const rows = await db.run((p) => `SELECT ${selectList(db, source)}, ${source.parent} AS "__parent" FROM ${fromClause(source, p)} ${whereClause([...(source.where ?? []), (q) => q.in(source.parent, parents)], p)} ORDER BY ${orderBy}`);
      const omit = omitted(db, source);
      return byParent(rows.map((r) => source.table.decode(r, omit) as T & { __parent: unknown }), parents);
    },
    batchOptions(db),
  );
}

/**
 * One page of children for each parent, in one statement for all parents,
 * with each parent's count (`__total`), which is the list's total when no
 * cursor narrows it. PostgreSQL numbers each parent's rows with a window
 * function; SQLite looks each parent's page up by index with a correlated
 * subquery that stops after the page (2.5 ms against 4.2 ms for the
 * dashboard's sessions, where SQLite sorted the whole window).
 */
export function childPagesByParent<T>(db: Database, source: ChildSource<T>, ordering: Ordering, page: PageRequest): DataLoader<number, SortedRow<T>[]> {
  return new DataLoader<number, SortedRow<T>[]>(
    async (parents) => {
      observeBatch('pages', source.table.name, parents.length);
      const rows = await db.run((p) => {
        const listed = (parent: string) => whereClause([...(source.where ?? []), () => `${source.parent} = ${parent}`], p);
        const paged = (parent: string) => whereClause([...(source.where ?? []), () => `${source.parent} = ${parent}`, ...pageConditions(page, ordering)], p);
        const order = orderClause(ordering, page.backward);
        if (db.dialect === 'postgres') {
          // PostgreSQL numbers each parent's rows with a window function; measured faster here than a LATERAL lookup with a count per parent.
          const where = whereClause([...(source.where ?? []), (q) => q.in(source.parent, parents), ...pageConditions(page, ordering)], p);
          const inner = `SELECT ${selectList(db, source)}, ${ordering.key} AS "__sort", ${source.parent} AS "__parent", ROW_NUMBER() OVER (PARTITION BY ${source.parent} ORDER BY ${order}) AS "__rn", COUNT(*) OVER (PARTITION BY ${source.parent}) AS "__total" FROM ${fromClause(source, p)} ${where}`;
          return `SELECT * FROM (${inner}) paged WHERE "__rn" <= ${p.int(page.size + 1)} ORDER BY "__parent", "__rn"`;
        }
        const pageKeys = `SELECT ${ordering.pk} FROM ${fromClause(source, p)} ${paged('j.value')} ORDER BY ${order} LIMIT ${p.int(page.size + 1)}`;
        const total = `(SELECT COUNT(*) FROM ${fromClause(source, p)} ${listed('j.value')}) AS "__total"`;
        return `SELECT ${selectList(db, source)}, ${ordering.key} AS "__sort", j.value AS "__parent", ${total} FROM json_each(${p.add(JSON.stringify(parents))}) j JOIN ${source.table.name} ${source.alias} ON ${ordering.pk} IN (${pageKeys}) ORDER BY j.key, ${order}`;
      });
      const omit = omitted(db, source);
      return byParent(rows.map((r) => source.table.decode(r, omit) as SortedRow<T> & { __parent: unknown }), parents);
    },
    batchOptions(db),
  );
}

/**
 * Values by key from one statement per batch: `read` runs it for all keys
 * asked in a tick and answers a map; keys it leaves out get `missing`.
 */
export function keyedQuery<K, V>(db: Database, table: string, read: (db: Database, keys: readonly K[]) => Promise<Map<K, V>>, missing: V): DataLoader<K, V> {
  return new DataLoader<K, V>(
    async (keys) => {
      observeBatch('keyed', table, keys.length);
      const found = await read(db, keys);
      return keys.map((k) => (found.has(k) ? found.get(k)! : missing));
    },
    batchOptions(db),
  );
}

/** How many children each parent has: one grouped statement for all parents asked in a tick. */
export function childCountsByParent(db: Database, source: ChildSource<unknown>): DataLoader<number, number> {
  return new DataLoader<number, number>(
    async (parents) => {
      observeBatch('counts', source.table.name, parents.length);
      const rows = await db.run<{ parent: number; n: number | string }>((p) => `SELECT ${source.parent} AS "parent", COUNT(*) AS "n" FROM ${fromClause(source, p)} ${whereClause([...(source.where ?? []), (q) => q.in(source.parent, parents)], p)} GROUP BY ${source.parent}`);
      const counts = new Map(rows.map((r) => [Number(r.parent), Number(r.n)]));
      return parents.map((parent) => counts.get(parent) ?? 0);
    },
    batchOptions(db),
  );
}
