import { keyedQuery, nodeTable, recordsByKey, type RegistryContext, type Source } from '../engine';
import type { Database, SqlPart } from '../db/database';
import { Call } from './call';

export function callSource(db: Database, where: SqlPart[] = []): Source<Call> {
  return { table: nodeTable<Call>(db, Call, 'Call'), alias: 'c', where };
}

export const callById = (ctx: RegistryContext) => ctx.loaders.use('call.byId', (db) => recordsByKey<number, Call>(db, callSource(db), 'c.id'));

/** The call of each programme (at most one), by the programme's key. */
export const callOfProgram = (ctx: RegistryContext) => ctx.loaders.use('call.byProgram', (db) => recordsByKey<number, Call>(db, callSource(db), 'c.program_id'));

/** The region codes each call is open to, in the call's order (for feeds). */
export const callRegionCodes = (ctx: RegistryContext) =>
  ctx.loaders.use('call.regionCodes', (db) =>
    keyedQuery<number, string[]>(
      db,
      'call_regions',
      async (runner, calls) => {
        const rows = await runner.run<{ call: number | string; code: string }>(
          (p) => `SELECT cr.call_id AS "call", r.code AS "code" FROM call_regions cr JOIN regions r ON r.id = cr.region_id WHERE ${p.in('cr.call_id', calls)} ORDER BY cr.call_id, cr.position, r.id`,
        );
        const codes = new Map<number, string[]>();
        for (const row of rows) {
          const list = codes.get(Number(row.call)) ?? [];
          list.push(row.code);
          codes.set(Number(row.call), list);
        }
        return codes;
      },
      [],
    ),
  );
