import { childrenByParent, keyedQuery, nodeTable, recordsByKey, type RegistryContext, type Source } from '../engine';
import DataLoader from 'dataloader';
import { ancestryIds, RegionDirectory, subtreeIds, type RegionIndex } from './directory';
import type { Database } from '../db/database';
import { Region } from './region';

export function regionSource(db: Database): Source<Region> {
  return { table: nodeTable<Region>(db, Region, 'Region'), alias: 'r' };
}

const directories = new WeakMap<object, RegionDirectory>();

/** The held copy of the regions of the request's database (see RegionDirectory); none outside a server, where each request reads them. */
function directoryOf(ctx: RegistryContext): RegionDirectory | undefined {
  if (!ctx.generation) return undefined;
  let directory = directories.get(ctx.db.dataSource);
  if (!directory) directories.set(ctx.db.dataSource, (directory = new RegionDirectory()));
  return directory;
}

/**
 * The held regions as one request sees them: at the write generation the
 * request read once, not once per batch, and again after its own write
 * clears the request's loaders.
 */
function requestIndex(ctx: RegistryContext, directory: RegionDirectory): Promise<RegionIndex> {
  return ctx.loaders.use('region.index', () => new DataLoader<'all', RegionIndex>(async (keys) => {
    const index = await directory.index(ctx.db, await ctx.generation!());
    return keys.map(() => index);
  })).load('all');
}

/** A loader answered from the held regions: no statement once they are read. */
function fromDirectory<K, V>(ctx: RegistryContext, directory: RegionDirectory, name: string, pick: (index: RegionIndex, key: K) => V) {
  return ctx.loaders.use(name, (db) =>
    keyedQuery<K, V>(
      db,
      'regions',
      async (_, keys) => {
        const index = await requestIndex(ctx, directory);
        return new Map(keys.map((key) => [key, pick(index, key)]));
      },
      undefined as V,
    ),
  );
}

export const regionById = (ctx: RegistryContext): DataLoader<number, Region | null> => {
  const directory = directoryOf(ctx);
  if (directory) return fromDirectory(ctx, directory, 'region.byId', (index, pk: number) => index.byId.get(pk) ?? null);
  return ctx.loaders.use('region.byId', (db) => recordsByKey<number, Region>(db, regionSource(db), 'r.id'));
};

export const regionByCode = (ctx: RegistryContext): DataLoader<string, Region | null> => {
  const directory = directoryOf(ctx);
  if (directory) return fromDirectory(ctx, directory, 'region.byCode', (index, code: string) => index.byCode.get(code) ?? null);
  return ctx.loaders.use('region.byCode', (db) => recordsByKey<string, Region>(db, regionSource(db), 'r.code'));
};

export const regionChildren = (ctx: RegistryContext): DataLoader<number, Region[]> => {
  const directory = directoryOf(ctx);
  if (directory) return fromDirectory(ctx, directory, 'region.children', (index, pk: number) => index.children.get(pk) ?? []);
  return ctx.loaders.use('region.children', (db) => childrenByParent(db, { ...regionSource(db), parent: 'r.parent_id' }, 'r.code'));
};

/** Rows of (code, id), in the order read, as each code's list of ids. */
function idsByCode(rows: Array<{ code: string; id: number | string }>): Map<string, number[]> {
  const byCode = new Map<string, number[]>();
  for (const row of rows) {
    let ids = byCode.get(row.code);
    if (!ids) byCode.set(row.code, (ids = []));
    ids.push(Number(row.id));
  }
  return byCode;
}

/**
 * Region ids reached from each code by a walk of the hierarchy: from the held
 * copy on a server, else one recursive statement per batch (`walk` is given
 * the condition on the starting codes and answers rows of code and id).
 */
function regionWalk(ctx: RegistryContext, name: string, fromIndex: (index: RegionIndex, code: string) => number[] | null, walk: (codes: string) => string): DataLoader<string, number[] | null> {
  const directory = directoryOf(ctx);
  if (directory) return fromDirectory(ctx, directory, name, fromIndex);
  return ctx.loaders.use(name, (db) =>
    keyedQuery<string, number[] | null>(
      db,
      'regions',
      async (runner, codes) => idsByCode(await runner.run<{ code: string; id: number | string }>((p) => walk(p.in('code', codes)))),
      null,
    ),
  );
}

/**
 * The ids of a region and of every region below it, by the region's code;
 * null when no region has the code. "In this region" filters bind these ids
 * as values, so the database plans with the real list (an index lookup for a
 * small region) instead of guessing the size of a recursive subquery.
 */
export const regionSubtree = (ctx: RegistryContext): DataLoader<string, number[] | null> =>
  regionWalk(ctx, 'region.subtree', subtreeIds, (codes) =>
    `WITH RECURSIVE below(code, id) AS (SELECT code, id FROM regions WHERE ${codes} UNION ALL SELECT below.code, c.id FROM regions c JOIN below ON c.parent_id = below.id) SELECT code AS "code", id AS "id" FROM below ORDER BY id`,
  );

/**
 * The ids of a region and of every region above it, by the region's code;
 * null when no region has the code. A resident of Omsk is eligible for a call
 * open to any of these (RU-OMS, RU, CIS).
 */
export const regionAncestry = (ctx: RegistryContext): DataLoader<string, number[] | null> =>
  regionWalk(ctx, 'region.ancestry', ancestryIds, (codes) =>
    `WITH RECURSIVE above(code, id, parent_id, depth) AS (SELECT code, id, parent_id, 0 FROM regions WHERE ${codes} UNION ALL SELECT above.code, r.id, r.parent_id, above.depth + 1 FROM regions r JOIN above ON r.id = above.parent_id WHERE above.depth < 32) SELECT code AS "code", id AS "id" FROM above ORDER BY code, depth`,
  );

/** SQL of the ids of a region and every region below it, for "in this region" filters. */
export function regionAndBelow(codeParam: string): string {
  return `WITH RECURSIVE below(id) AS (SELECT id FROM regions WHERE code = ${codeParam} UNION ALL SELECT c.id FROM regions c JOIN below ON c.parent_id = below.id) SELECT id FROM below`;
}
