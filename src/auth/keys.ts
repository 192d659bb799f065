import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/database';

export type Role = 'viewer' | 'editor' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** Who is calling, once the Authorization header has been checked. */
export interface Caller {
  keyId: number;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedKey {
  id: number;
  key: string;
  role: Role;
}

/** Makes a key; the key itself is returned once and only its hash is stored. */
export async function createKey(db: Database, role: Role, label: string | null = null): Promise<CreatedKey> {
  const key = `reg_${randomBytes(24).toString('base64url')}`;
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO api_keys (key_hash, prefix, role, label, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [hashKey(key), key.slice(0, 12), role, label, new Date().toISOString()],
  );
  return { id: Number(row.id), key, role };
}

export interface KeyInfo {
  id: number;
  prefix: string;
  role: Role;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export async function listKeys(db: Database): Promise<KeyInfo[]> {
  return db.query<KeyInfo>('SELECT id, prefix, role, label, created_at AS "createdAt", revoked_at AS "revokedAt" FROM api_keys ORDER BY id');
}

/** Revokes a key by id or by its printed prefix; answers whether one was revoked. */
export async function revokeKey(db: Database, idOrPrefix: string): Promise<boolean> {
  const byId = /^\d+$/.test(idOrPrefix);
  const rows = await db.query<{ id: number }>(
    `UPDATE api_keys SET revoked_at = $1 WHERE ${byId ? 'id = $2' : 'prefix = $2'} AND revoked_at IS NULL RETURNING id`,
    [new Date().toISOString(), byId ? Number(idOrPrefix) : idOrPrefix],
  );
  return rows.length > 0;
}

/**
 * The caller behind an `Authorization: Bearer <key>` header: undefined when no
 * key is given, null when the key is unknown or revoked.
 */
export async function callerFor(db: Database, authorization: string | undefined | null): Promise<Caller | null | undefined> {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return null;
  const [row] = await db.query<{ id: number; role: Role }>('SELECT id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashKey(match[1])]);
  return row ? { keyId: Number(row.id), role: row.role } : null;
}
