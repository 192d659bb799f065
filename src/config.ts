import path from 'node:path';
import { ConfigError } from './config-error';
import { parseTrustProxy, type TrustProxy } from './guard/client-address';
import { limitsFromEnv, type GuardLimits } from './guard/limits';
import { deadlinesFromEnv, type Deadlines } from './ops/deadlines';
import { metricsAccessFromEnv, type MetricsAccess } from './ops/metrics-access';
import { corsFromEnv, type CorsPolicy } from './cors';
import { LOG_FORMATS } from './ops/logging';
import { subscriptionsFromEnv, type SubscriptionSettings } from './live/config';
import { PROJECT_ROOT } from './paths';

/** Everything the registry reads from its environment, read and checked once. */
export interface RegistryConfig {
  port: number;
  /** Address to listen on; 0.0.0.0 to serve other machines. */
  host: string;
  /** `postgres://…` selects PostgreSQL; undefined means the embedded SQLite file. */
  databaseUrl?: string;
  /** Folder of the embedded SQLite file. */
  dataDir: string;
  /** When true every response carries `extensions.explain.sql`. */
  explain: boolean;
  production: boolean;
  introspection: boolean;
  /** When false, queries need an API key too. */
  publicRead: boolean;
  /** Refuse hostile queries (depth, cost, aliases, batches, rates): on in production, or with REGISTRY_GUARD=1. */
  guard: boolean;
  limits: GuardLimits;
  /** Redis shared by replicas for persisted queries and cached responses; in-process memory without it. */
  redisUrl?: string;
  /** Prefix of every Redis key, so registries can share one Redis. */
  cachePrefix: string;
  /** Serve repeated queries from the response cache (never with explain on, which must show real statements). */
  responseCache: boolean;
  /** Answer the read operations it knows through the fast path (src/graphql/fast.ts); off runs everything through graphql-js. */
  fastPath: boolean;
  /** Let the fast path have the database render whole objects with lists below them as JSON (src/graphql/render.ts). */
  renderInDatabase: boolean;
  /** On SIGTERM, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs: number;
  /** How long the registry waits on PostgreSQL, Redis, readiness checks and clients (src/ops/deadlines.ts). */
  deadlines: Deadlines;
  /** Which gateways may say who the client is, for the rate limit (REGISTRY_TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** Who may read /metrics (REGISTRY_METRICS_KEY, REGISTRY_METRICS_ROLE). */
  metricsAccess: MetricsAccess;
  /** Web pages on other origins that may call /graphql from a browser (REGISTRY_CORS_ORIGINS); none when undefined. */
  cors?: CorsPolicy;
  /** GraphQL subscriptions over graphql-ws: limits and how events reach every replica (src/live). */
  subscriptions: SubscriptionSettings;
}

export { ConfigError } from './config-error';

function fail(message: string): never {
  throw new ConfigError(message);
}

function flagOf(env: NodeJS.ProcessEnv) {
  return (name: string, fallback: boolean): boolean => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    throw new ConfigError(`${name} must be a boolean (1/0, true/false), got "${value}"`);
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const portText = env.PORT ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new ConfigError(`PORT must be a number from 0 to 65535, got "${portText}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL (unset it for the embedded SQLite file)');
  }
  const graceText = env.REGISTRY_SHUTDOWN_GRACE_MS ?? '10000';
  if (!/^\d+$/.test(graceText)) throw new ConfigError(`REGISTRY_SHUTDOWN_GRACE_MS must be a number of milliseconds, got "${graceText}"`);
  const flag = flagOf(env);
  if (env.REGISTRY_LOG_FORMAT && !(LOG_FORMATS as readonly string[]).includes(env.REGISTRY_LOG_FORMAT)) {
    throw new ConfigError(`REGISTRY_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${env.REGISTRY_LOG_FORMAT}"`);
  }
  const production = env.NODE_ENV === 'production';
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// URL');
  try {
    return {
      port,
      host: env.HOST || '127.0.0.1',
      databaseUrl,
      dataDir: path.resolve(env.REGISTRY_DATA_DIR || path.join(PROJECT_ROOT, 'data')),
      explain: flag('REGISTRY_EXPLAIN', false),
      production,
      introspection: flag('REGISTRY_INTROSPECTION', true),
      publicRead: flag('REGISTRY_PUBLIC_READ', true),
      cors: corsFromEnv(env.REGISTRY_CORS_ORIGINS, flag('REGISTRY_PUBLIC_READ', true), (message) => {
        throw new ConfigError(message);
      }),
      guard: flag('REGISTRY_GUARD', production),
      redisUrl,
      cachePrefix: env.REGISTRY_CACHE_PREFIX || 'registry:',
      shutdownGraceMs: Number(graceText),
      fastPath: flag('REGISTRY_FAST_PATH', true),
      renderInDatabase: flag('REGISTRY_RENDER', true),
      responseCache: flag('REGISTRY_RESPONSE_CACHE', true) && !flag('REGISTRY_EXPLAIN', false),
      limits: limitsFromEnv(env, (message) => {
        throw new ConfigError(message);
      }),
      deadlines: deadlinesFromEnv(env, fail),
      trustProxy: parseTrustProxy(env.REGISTRY_TRUST_PROXY, fail),
      metricsAccess: metricsAccessFromEnv(env, flag('REGISTRY_PUBLIC_READ', true), fail),
      subscriptions: subscriptionsFromEnv(env, flag, fail),
    };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }
}
