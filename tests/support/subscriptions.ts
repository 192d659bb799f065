import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createKey } from '../../src/auth/keys';
import { spawnRegistry, type RegistryProcess } from './process';
import { startTestRegistry, type TestRegistry } from './registry';

/** A graphql-ws client of a registry, as a dashboard would open one: the GraphQL URL with ws:// in front. */
export function wsClient(httpUrl: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({ url: httpUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...options });
}

export interface Heard<T = any> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `count` events have arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<T[]>;
  /** Resolves with the first error (a refusal), or rejects after `ms`. */
  refused(ms?: number): Promise<any>;
  /** Resolves once the server has acknowledged the subscription: an event published after this reaches it. */
  ready(): Promise<void>;
  stop(): void;
}

/** Subscribes and records what arrives. The registry acknowledges nothing per subscription, so `ready` waits for the hub to count it. */
export function listen<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}, isReady: () => Promise<boolean> = async () => true): Heard<T> {
  const heard: Heard<T> = {
    events: [],
    errors: [],
    completed: false,
    waitFor(count, ms = 10_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (heard.events.length >= count) return resolve(heard.events);
          if (heard.errors.length) return reject(new Error(`subscription failed: ${JSON.stringify(heard.errors[0])}`));
          if (Date.now() - started > ms) return reject(new Error(`heard ${heard.events.length} of ${count} events in ${ms} ms: ${JSON.stringify(heard.events)}`));
          setTimeout(check, 10);
        };
        check();
      });
    },
    refused(ms = 10_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (heard.errors.length) return resolve(heard.errors[0]);
          if (Date.now() - started > ms) return reject(new Error(`not refused in ${ms} ms (events: ${JSON.stringify(heard.events)})`));
          setTimeout(check, 10);
        };
        check();
      });
    },
    async ready() {
      const started = Date.now();
      while (!(await isReady())) {
        if (Date.now() - started > 10_000) throw new Error('subscription not running after 10 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => undefined,
  };
  heard.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors && !value.data) heard.errors.push(value.errors);
        else heard.events.push(value.data as T);
      },
      error: (error) => heard.errors.push(error),
      complete: () => (heard.completed = true),
    },
  );
  return heard;
}

/** The value of a metric line (`name{labels} value`) in /metrics text; 0 when absent. */
export function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (!labels && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** How events travel between the two replicas of a test: NOTIFY on PostgreSQL, Redis pub/sub on SQLite. */
export const replicaTransport = process.env.TEST_DATABASE_URL ? 'PostgreSQL LISTEN/NOTIFY' : 'Redis pub/sub';

export interface Replicas {
  /** A registry in this process, through which the test writes. */
  a: TestRegistry;
  /** A second registry process on the same database. */
  b: RegistryProcess;
  /** An editor key for writes through A. */
  editor: string;
}

/**
 * Two replicas on one database for the test file, started before and stopped after; on SQLite they share a Redis
 * (events by pub/sub, under a key prefix of their own). `use` receives them once started.
 */
export function useTwoReplicas(use: (replicas: Replicas) => void): void {
  const env: Record<string, string> = process.env.TEST_DATABASE_URL
    ? {}
    : { REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379', REGISTRY_EVENTS: 'redis', REGISTRY_CACHE_PREFIX: `registry-test-${randomBytes(6).toString('hex')}:` };
  let a: TestRegistry | undefined;
  let b: RegistryProcess | undefined;
  beforeAll(async () => {
    a = await startTestRegistry({ env });
    const editor = (await createKey(a.db, 'editor')).key;
    b = await spawnRegistry({ ...a.env, ...env, REGISTRY_LOG_LEVEL: 'warn' });
    use({ a, b, editor });
  }, 60_000);
  afterAll(async () => {
    b?.child.kill('SIGTERM');
    await b?.exited;
    await a?.stop();
  });
}
