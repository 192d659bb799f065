import type { RegistryContext } from './context';
import { childCountsByParent, childPagesByParent, countRows, fetchPage, type ChildSource, type Source } from './loaders';
import { pageRequest, pageSignature, toConnection, type ConnectionResult, type Ordering, type PageArgs, type SortedRow } from './paging';

/** A root list as a connection: one statement for the page, one more only if `totalCount` is asked for. */
export async function rootConnection<T>(ctx: RegistryContext, source: Source<T>, ordering: Ordering, args: Partial<PageArgs>): Promise<ConnectionResult<T>> {
  const page = pageRequest(args, ordering);
  // Through the request's database, which knows the columns the request reads.
  const rows = await fetchPage(ctx.loaders.db, source, ordering, page);
  return toConnection(rows, page, ordering, () => countRows(ctx.db, source));
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
  // Without a cursor the window statement has counted the whole list already.
  const counted = !page.after && !page.before && rows.length > 0;
  const totalCount = counted
    ? async () => Number((rows[0] as SortedRow<T> & { __total: number }).__total)
    : () => ctx.loaders.use(`${key}:count`, (db) => childCountsByParent(db, source)).load(parentPk);
  return toConnection(rows, page, ordering, totalCount);
}
