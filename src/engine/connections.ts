import type { RegistryContext } from './context';
import { childCountsByParent, childPagesByParent, countRows, fetchPage, type ChildSource, type Source } from './loaders';
import { pageRequest, pageSignature, toConnection, type ConnectionResult, type Edge, type Ordering, type PageArgs, type PageInfo, type PageRequest, type SortedRow } from './paging';

/** A root list as served: each field reads the page when asked for. */
export interface LazyConnection<T> {
  edges: () => Promise<Edge<T>[]>;
  nodes: () => Promise<T[]>;
  pageInfo: () => Promise<PageInfo>;
  totalCount: () => Promise<number>;
  /** Reads the page now, with the count, and tells whether it holds any item. */
  hasItems: () => Promise<boolean>;
}

/**
 * A root list as a connection, in one statement. The page is read after the
 * tick in which its fields are asked for, as sibling fields are: when
 * `totalCount` is among them, the count rides in the page's statement as a
 * subquery. Asked for alone, or when the page is empty, it is one count.
 */
export function rootConnection<T>(ctx: RegistryContext, source: Source<T>, ordering: Ordering, args: Partial<PageArgs>): LazyConnection<T> {
  const page = pageRequest(args, ordering);
  // Through the request's database, which knows the columns the request reads.
  const db = ctx.loaders.db;
  let withTotal = false;
  let read: Promise<ConnectionResult<T>> | undefined;
  const connection = () =>
    (read ??= Promise.resolve().then(async () => {
      const rows = await fetchPage(db, source, ordering, page, withTotal);
      const total = (rows[0] as { __total?: number | string } | undefined)?.__total ?? (emptyFromTheStart(page, rows) ? 0 : undefined);
      return toConnection(rows, page, ordering, total != null ? async () => Number(total) : () => countRows(db, source));
    }));
  return {
    edges: () => connection().then((c) => c.edges),
    nodes: () => connection().then((c) => c.nodes),
    pageInfo: () => connection().then((c) => c.pageInfo),
    totalCount: () => {
      withTotal = true;
      return connection().then((c) => c.totalCount());
    },
    hasItems: () => {
      withTotal = true;
      return connection().then((c) => c.edges.length > 0);
    },
  };
}

/** A page asked from the start (no cursor) for at least one item that came back empty: the list itself is empty, no count needed. */
function emptyFromTheStart(page: PageRequest, rows: unknown[]): boolean {
  return rows.length === 0 && page.size > 0 && !page.after && !page.before;
}

/**
 * A parent's page of children as a connection. Every parent asking with the
 * same arguments in one request shares one windowed statement; `signature`
 * names whatever else makes the source differ (a filter).
 */
export async function childConnection<T>(
  ctx: RegistryContext,
  relation: string,
  source: ChildSource<T>,
  ordering: Ordering,
  args: Partial<PageArgs>,
  parentPk: number,
  signature = '',
): Promise<ConnectionResult<T>> {
  const page = pageRequest(args, ordering);
  const key = `${relation}:${ordering.name}:${pageSignature(page)}:${signature}`;
  const rows = await ctx.loaders.use(`${key}:page`, (db) => childPagesByParent(db, source, ordering, page)).load(parentPk);
  // Without a cursor the window statement has counted the whole list already; an empty first page is an empty list.
  const counted = !page.after && !page.before && rows.length > 0;
  const totalCount = counted
    ? async () => Number((rows[0] as SortedRow<T> & { __total: number }).__total)
    : emptyFromTheStart(page, rows)
      ? async () => 0
      : () => ctx.loaders.use(`${key}:count`, (db) => childCountsByParent(db, source)).load(parentPk);
  return toConnection(rows, page, ordering, totalCount);
}
