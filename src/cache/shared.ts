import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import Redis from 'ioredis';

/**
 * What replicas share: persisted queries, cached responses, and a generation
 * number that every successful write bumps, so no replica serves a response
 * cached before the write.
 */
export interface SharedCache {
  store: KeyValueCache<string>;
  generation(): Promise<string>;
  bumpGeneration(): Promise<void>;
  close(): Promise<void>;
}

class RedisStore implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (options?.ttl) await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(options.ttl)));
    else await this.redis.set(this.prefix + key, value);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}

/** Through Redis when a URL is given, otherwise in this process's memory. */
export function createSharedCache(redisUrl: string | undefined, prefix = 'registry:'): SharedCache {
  if (!redisUrl) {
    let generation = 0;
    return {
      store: new InMemoryLRUCache<string>({ maxSize: 64 * 1024 * 1024 }),
      generation: async () => String(generation),
      bumpGeneration: async () => {
        generation++;
      },
      close: async () => {},
    };
  }
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  const generationKey = `${prefix}generation`;
  return {
    store: new RedisStore(redis, prefix),
    generation: async () => (await redis.get(generationKey)) ?? '0',
    bumpGeneration: async () => {
      await redis.incr(generationKey);
    },
    close: async () => {
      await redis.quit();
    },
  };
}
