import type { SharedCache } from '../cache/shared';
import type { Database } from '../db/database';
import { withDeadline } from './deadlines';

export interface Readiness {
  status: 200 | 503;
  body: { status: 'ready' | 'degraded' | 'database unreachable' | 'migrations pending'; redis?: 'up' | 'down'; detail?: string };
}

const LATE = Symbol('late');

/**
 * Whether a gateway should send this replica traffic, answered within
 * `timeoutMs` whatever the database or Redis do. The database is required:
 * down or behind on migrations is 503. Redis only speeds things up: down is
 * 200 with `degraded`, and reads and writes go on without it.
 */
export async function readiness(db: Database, shared: SharedCache, timeoutMs: number): Promise<Readiness> {
  const started = Date.now();
  const database = withDeadline<boolean | typeof LATE>(
    db.check(async () => {
      await db.query('SELECT 1 AS "up"');
      return db.dataSource.showMigrations();
    }),
    timeoutMs,
    () => LATE,
  ).catch(() => 'error' as const);
  const redis = shared.redis ? withDeadline(shared.redis.ping(), timeoutMs, () => false) : undefined;
  const pending = await database;
  if (pending === LATE || pending === 'error') {
    const detail = pending === LATE ? `no answer within ${timeoutMs} ms` : `failed after ${Date.now() - started} ms`;
    return { status: 503, body: { status: 'database unreachable', detail } };
  }
  if (pending) return { status: 503, body: { status: 'migrations pending' } };
  if (!redis) return { status: 200, body: { status: 'ready' } };
  if (await redis) return { status: 200, body: { status: 'ready', redis: 'up' } };
  return { status: 200, body: { status: 'degraded', redis: 'down', detail: 'Redis does not answer: every cache lookup is a miss; reads and writes go on' } };
}
