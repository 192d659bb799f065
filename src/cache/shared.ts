import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import Redis from 'ioredis';
import type { Dependency } from '../ops/dependency';

/**
 * What replicas share through Redis, or what one process keeps in memory:
 * persisted queries and cached responses. Redis is an accelerator, never a
 * dependency of correctness: the write generation that retires cached
 * responses lives in the database (src/db/generation.ts), and any Redis
 * error or timeout is a cache miss.
 */
export interface SharedCache {
  /** Persisted queries. */
  store: KeyValueCache<string>;
  /** Cached responses, each key beginning with its write generation (src/cache/responses.ts). */
  responses: KeyValueCache<string>;
  /** Tells the in-process response cache that `generation` is current, so older answers go at once. */
  retire(generation: string): void;
  /** Whether Redis answers, for readiness; undefined without Redis. */
  redis?: { up(): boolean; ping(): Promise<boolean> };
  /** Responses held in this process; undefined when they are in Redis. */
  entries?(): number;
  close(): Promise<void>;
}

const GENERATION_IN_KEY = /(?:^|:)g(\d+):[^:]*$/;

/**
 * Cached responses in this process, all of the newest write generation seen:
 * once a newer one is seen (a write here, or a read of a write committed
 * elsewhere), every older answer is dropped at once, so memory holds no
 * answer a write has retired.
 */
export class GenerationalStore implements KeyValueCache<string> {
  private generation = -1n;
  private cache: InMemoryLRUCache<string>;

  constructor(private readonly maxSize = 64 * 1024 * 1024) {
    this.cache = new InMemoryLRUCache<string>({ maxSize });
  }

  /** Whether `key` belongs to the current generation, moving to a newer one when it names it. */
  private current(key: string): boolean {
    const match = GENERATION_IN_KEY.exec(key);
    if (!match) return true;
    const generation = BigInt(match[1]);
    if (generation > this.generation) this.advance(generation);
    return generation === this.generation;
  }

  private advance(generation: bigint): void {
    this.generation = generation;
    // A new cache rather than clear(): nothing of the retired answers stays reachable.
    this.cache = new InMemoryLRUCache<string>({ maxSize: this.maxSize });
  }

  retire(generation: string): void {
    if (/^\d+$/.test(generation) && BigInt(generation) > this.generation) this.advance(BigInt(generation));
  }

  async get(key: string): Promise<string | undefined> {
    return this.current(key) ? this.cache.get(key) : undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.current(key)) await this.cache.set(key, value, options);
  }

  async delete(key: string): Promise<boolean> {
    return this.cache.delete(key);
  }

  get size(): number {
    return this.cache.keys().length;
  }
}

/**
 * Redis that never fails a request: every command has a deadline
 * (`commandTimeout`) and none waits for a connection (no offline queue).
 * A failed or late command starts an outage, during which no command is
 * sent (lookups are misses, stores are dropped) until a probe answers or
 * the connection is made again; outages are counted and logged once.
 */
class ResilientRedis {
  readonly redis: Redis;
  private probe?: NodeJS.Timeout;
  private closed = false;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    private readonly dependency: Dependency,
  ) {
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1_000),
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Reconnect for as long as it takes, at most every 2 s.
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    });
    // Without a listener ioredis prints "[ioredis] Unhandled error event" for every attempt.
    this.redis.on('error', (error) => this.failed('connection', error));
    this.redis.on('ready', () => this.recovered());
  }

  /** Resolves once the first connection is made or has failed, within the connect deadline. */
  connected(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        this.redis.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(this.timeoutMs, 1_000));
      timer.unref();
      this.redis.once('ready', done);
      this.redis.once('error', done);
    });
  }

  up(): boolean {
    return this.dependency.up && this.redis.status === 'ready';
  }

  /** Runs one command, or answers `missing` at once during an outage or when it fails. */
  async attempt<T>(operation: string, command: () => Promise<T>, missing: T): Promise<T> {
    if (!this.dependency.up) {
      this.dependency.skipped();
      return missing;
    }
    try {
      return await command();
    } catch (error) {
      this.failed(operation, error);
      return missing;
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.redis.ping();
      this.recovered();
      return true;
    } catch (error) {
      this.failed('ping', error);
      return false;
    }
  }

  private failed(operation: string, error: unknown): void {
    if (this.closed) return;
    this.dependency.failed(operation, error);
    // A connection that hangs (a paused server, dropped packets) is never re-made: probe it.
    if (!this.probe) {
      this.probe = setInterval(() => {
        if (this.redis.status === 'ready') void this.ping();
      }, 1_000);
      this.probe.unref();
    }
  }

  private recovered(): void {
    clearInterval(this.probe);
    this.probe = undefined;
    this.dependency.recovered();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probe);
    // QUIT needs an answer; a Redis that gives none must not hold up the shutdown.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

class RedisStore implements KeyValueCache<string> {
  constructor(
    private readonly redis: ResilientRedis,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<string | undefined> {
    return this.redis.attempt('get', async () => (await this.redis.redis.get(this.prefix + key)) ?? undefined, undefined);
  }

  set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    return this.redis.attempt(
      'set',
      async () => {
        if (options?.ttl) await this.redis.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(options.ttl)));
        else await this.redis.redis.set(this.prefix + key, value);
      },
      undefined,
    );
  }

  delete(key: string): Promise<boolean> {
    return this.redis.attempt('delete', async () => (await this.redis.redis.del(this.prefix + key)) > 0, false);
  }
}

export interface SharedCacheOptions {
  redisUrl?: string;
  /** Prefix of every Redis key, so registries can share one Redis. */
  prefix?: string;
  /** Deadline of one Redis command. */
  timeoutMs?: number;
  /** Redis's health: counted, logged once per outage. Required with a URL. */
  dependency?: Dependency;
}

/** Through Redis when a URL is given, otherwise in this process's memory; waits (briefly) for the first connection. */
export async function createSharedCache(options: SharedCacheOptions = {}): Promise<SharedCache> {
  if (!options.redisUrl) {
    const responses = new GenerationalStore();
    return {
      store: new InMemoryLRUCache<string>({ maxSize: 16 * 1024 * 1024 }),
      responses,
      retire: (generation) => responses.retire(generation),
      entries: () => responses.size,
      close: async () => {},
    };
  }
  if (!options.dependency) throw new Error('a shared cache in Redis needs a Dependency to report to');
  const redis = new ResilientRedis(options.redisUrl, options.timeoutMs ?? 500, options.dependency);
  await redis.connected();
  const store = new RedisStore(redis, options.prefix ?? 'registry:');
  return {
    store,
    responses: store,
    // Retired answers in Redis are never asked for again and expire with their hint.
    retire: () => {},
    redis: { up: () => redis.up(), ping: () => redis.ping() },
    close: () => redis.close(),
  };
}
