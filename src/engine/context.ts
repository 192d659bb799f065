import type { Caller } from '../auth/keys';
import type { ChangeSink } from '../db/changes';
import type { Database } from '../db/database';
import type { StatementLog } from '../db/explain';
import { parseAcceptLanguage } from './rules/language';
import { LoaderRegistry } from './loaders';

/** What the HTTP layer knows of a request, and learns of it for its log line. */
export interface RequestInfo {
  id: string;
  operationName?: string;
}

/** What every resolver of one request sees. */
export interface RegistryContext {
  db: Database;
  /** This request's loaders. */
  loaders: LoaderRegistry;
  /** Languages from `Accept-Language`, best first. */
  languages: string[];
  /** Today's date (UTC) as YYYY-MM-DD, fixed for the whole request so `status` is consistent. */
  today: string;
  /** This instant (ISO 8601, UTC), fixed for the whole request so time-based rules (a call's status) are consistent; `today` is its date. */
  now: string;
  /** Statements run so far, when explain is on. */
  statements?: StatementLog;
  /** The API key's holder; undefined without a key, null for an unknown or revoked key. */
  caller?: Caller | null;
  /** The operation's variables, coerced once before it runs (src/guard/plugin.ts). */
  variables?: Record<string, unknown>;
  /** Set when a mutation operation's every root field was authorized, before any ran (see mutationAuthorizationPlugin). */
  writer?: { keyId: number };
  /** Called after a write commits, with the write generation it committed (src/db/generation.ts). */
  afterWrite?: (generation: string) => Promise<void>;
  /** Told of every write's records, in its transaction and after its commit (subscriptions, src/live). */
  changes?: ChangeSink;
  request?: RequestInfo;
  /** The write generation as this request sees it (bumped in every write's transaction, read from the database): what responses and reference data held between requests are keyed by. */
  generation?: () => Promise<string>;
  /** Set by the fast path when it answered the operation (src/graphql/fast.ts); the plain path otherwise. */
  executor?: 'fast';
  /** How many objects of the answer the database rendered whole (src/graphql/render.ts). */
  rendered?: number;
}

export function createContext(
  db: Database,
  options: {
    acceptLanguage?: string | null;
    statements?: StatementLog;
    today?: string;
    now?: string;
    caller?: Caller | null;
    afterWrite?: (generation: string) => Promise<void>;
    changes?: ChangeSink;
    generation?: () => Promise<string>;
    request?: RequestInfo;
  } = {},
): RegistryContext {
  const now = options.now ?? new Date().toISOString();
  return {
    db,
    loaders: new LoaderRegistry(db),
    languages: parseAcceptLanguage(options.acceptLanguage),
    today: options.today ?? now.slice(0, 10),
    now,
    statements: options.statements,
    caller: options.caller,
    afterWrite: options.afterWrite,
    changes: options.changes,
    generation: options.generation,
    request: options.request,
  };
}
