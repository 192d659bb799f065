import { createHash, timingSafeEqual } from 'node:crypto';
import { callerFor, ROLES, roleAllows, type Role } from '../auth/keys';
import type { Database } from '../db/database';

/**
 * Who may read /metrics: anyone, or a caller with the metrics key
 * (REGISTRY_METRICS_KEY, for a scraper that holds no API key) or an API key
 * of at least a role (REGISTRY_METRICS_ROLE). With private reads the default
 * is any valid API key: the metrics name operations and their traffic.
 */
export interface MetricsAccess {
  /** SHA-256 of the metrics key, when one is set. */
  keyHash?: Buffer;
  /** Least role of an API key that may read; undefined when only the metrics key may (or, without one, anyone). */
  role?: Role;
  open: boolean;
}

export function metricsAccessFromEnv(env: NodeJS.ProcessEnv, publicRead: boolean, fail: (message: string) => never): MetricsAccess {
  const key = env.REGISTRY_METRICS_KEY || undefined;
  if (key !== undefined && key.length < 16) fail('REGISTRY_METRICS_KEY must be at least 16 characters');
  const roleText = env.REGISTRY_METRICS_ROLE || undefined;
  if (roleText !== undefined && roleText !== 'public' && !ROLES.includes(roleText as Role)) {
    fail(`REGISTRY_METRICS_ROLE must be public, ${ROLES.join(', ')}, got "${roleText}"`);
  }
  const keyHash = key === undefined ? undefined : createHash('sha256').update(key).digest();
  if (roleText === 'public') return { open: true };
  if (roleText) return { open: false, keyHash, role: roleText as Role };
  if (keyHash) return { open: false, keyHash };
  return publicRead ? { open: true } : { open: false, role: 'viewer' };
}

export type MetricsVerdict = { allowed: true } | { allowed: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

/** Whether the request's `Authorization` may read /metrics. */
export async function mayReadMetrics(access: MetricsAccess, db: Database, authorization: string | undefined): Promise<MetricsVerdict> {
  if (access.open) return { allowed: true };
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (bearer && access.keyHash && timingSafeEqual(createHash('sha256').update(bearer).digest(), access.keyHash)) return { allowed: true };
  if (bearer && access.role) {
    const caller = await callerFor(db, authorization);
    if (caller && roleAllows(caller.role, access.role)) return { allowed: true };
    if (caller) return { allowed: false, status: 403, code: 'FORBIDDEN', message: `Metrics need the ${access.role} role; the key has the ${caller.role} role` };
  }
  return { allowed: false, status: 401, code: 'UNAUTHENTICATED', message: 'Metrics need a key: send `Authorization: Bearer <key>`' };
}
