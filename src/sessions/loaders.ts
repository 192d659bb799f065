import { nodeTable, recordsByKey, type ChildSource, type Ordering, type RegistryContext, type Source } from '../engine';
import type { Database, SqlPart } from '../db/database';
import { Session } from './session';

export function sessionSource(db: Database, where: SqlPart[] = []): Source<Session> {
  return { table: nodeTable<Session>(db, Session, 'Session'), alias: 's', where };
}

/** Sessions run in programme order. */
export const sessionOrdering: Ordering = { name: 'POSITION', key: 's.position', keyType: 'integer', pk: 's.id', direction: 'ASC' };

export const sessionById = (ctx: RegistryContext) => ctx.loaders.use('session.byId', (db) => recordsByKey<number, Session>(db, sessionSource(db), 's.id'));

export function sessionsOfProgramSource(db: Database): ChildSource<Session> {
  return { ...sessionSource(db), parent: 's.program_id' };
}

/** Sessions in the order they were recorded: the root list's order, and an organization's hosted sessions'. */
export const recordedOrdering: Ordering = { name: 'RECORDED', key: 's.id', keyType: 'integer', pk: 's.id', direction: 'ASC', unique: true };

export function sessionsHostedBySource(db: Database): ChildSource<Session> {
  return { ...sessionSource(db), parent: 's.host_id' };
}
