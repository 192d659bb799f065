import type { RegistryContext } from '../graphql/context';
import { childrenByParent, recordsByKey, type Source } from '../graphql/loaders';
import { nodeTable } from '../graphql/records';
import type { Database } from '../db/database';
import { Region } from './region';

export function regionSource(db: Database): Source<Region> {
  return { table: nodeTable<Region>(db, Region, 'Region'), alias: 'r' };
}

export const regionById = (ctx: RegistryContext) => ctx.loaders.use('region.byId', (db) => recordsByKey<number, Region>(db, regionSource(db), 'r.id'));

export const regionByCode = (ctx: RegistryContext) => ctx.loaders.use('region.byCode', (db) => recordsByKey<string, Region>(db, regionSource(db), 'r.code'));

export const regionChildren = (ctx: RegistryContext) =>
  ctx.loaders.use('region.children', (db) => childrenByParent(db, { ...regionSource(db), parent: 'r.parent_id' }, 'r.code'));

/** SQL of the ids of a region and every region below it, for "in this region" filters. */
export function regionAndBelow(codeParam: string): string {
  return `WITH RECURSIVE below(id) AS (SELECT id FROM regions WHERE code = ${codeParam} UNION ALL SELECT c.id FROM regions c JOIN below ON c.parent_id = below.id) SELECT id FROM below`;
}
