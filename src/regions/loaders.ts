import type { RegistryContext } from '../graphql/context';
import { childrenByParent, keyedQuery, recordsByKey, type Source } from '../graphql/loaders';
import { nodeTable } from '../graphql/records';
import type { Database, SqlPart } from '../db/database';
import { Region } from './region';

export function regionSource(db: Database): Source<Region> {
  return { table: nodeTable<Region>(db, Region, 'Region'), alias: 'r' };
}

export const regionById = (ctx: RegistryContext) => ctx.loaders.use('region.byId', (db) => recordsByKey<number, Region>(db, regionSource(db), 'r.id'));

export const regionByCode = (ctx: RegistryContext) => ctx.loaders.use('region.byCode', (db) => recordsByKey<string, Region>(db, regionSource(db), 'r.code'));

export const regionChildren = (ctx: RegistryContext) =>
  ctx.loaders.use('region.children', (db) => childrenByParent(db, { ...regionSource(db), parent: 'r.parent_id' }, 'r.code'));

/**
 * The ids of a region and of every region below it, by the region's code;
 * null when no region has the code. "In this region" filters bind these ids
 * as values, so the database plans with the real list (an index lookup for a
 * small region) instead of guessing the size of a recursive subquery.
 */
export const regionSubtree = (ctx: RegistryContext) =>
  ctx.loaders.use('region.subtree', (db) =>
    keyedQuery<string, number[] | null>(
      db,
      'regions',
      async (runner, codes) => {
        const rows = await runner.run<{ code: string; id: number | string }>(
          (p) =>
            `WITH RECURSIVE below(code, id) AS (SELECT code, id FROM regions WHERE ${p.in('code', codes)} UNION ALL SELECT below.code, c.id FROM regions c JOIN below ON c.parent_id = below.id) SELECT code AS "code", id AS "id" FROM below ORDER BY id`,
        );
        const subtrees = new Map<string, number[]>();
        for (const row of rows) {
          let ids = subtrees.get(row.code);
          if (!ids) subtrees.set(row.code, (ids = []));
          ids.push(Number(row.id));
        }
        return subtrees;
      },
      null,
    ),
  );

/** `expression` is the id of the region with `code` or of a region below it, inside the statement (SQLite). */
export function inRegionSubtree(expression: string, code: string): SqlPart {
  return (p) => `${expression} IN (${regionAndBelow(p.add(code))})`;
}

/** SQL of the ids of a region and every region below it, for "in this region" filters. */
export function regionAndBelow(codeParam: string): string {
  return `WITH RECURSIVE below(id) AS (SELECT id FROM regions WHERE code = ${codeParam} UNION ALL SELECT c.id FROM regions c JOIN below ON c.parent_id = below.id) SELECT id FROM below`;
}
