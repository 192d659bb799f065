import Redis from 'ioredis';
import { Client } from 'pg';
import type { SqlRunner } from '../db/database';
import type { Dependency } from '../ops/dependency';

/** How events travel between replicas: PostgreSQL LISTEN/NOTIFY, Redis pub/sub, or within this process. */
export type EventTransport = 'postgres' | 'redis' | 'memory';

/**
 * A channel every replica hears, itself included: each replica delivers
 * only what it hears, so every subscriber gets an event once, whichever
 * replica the write went through.
 */
export interface EventBus {
  readonly transport: EventTransport;
  /** In the write's transaction (PostgreSQL: NOTIFY, delivered only if the transaction commits). */
  stage(tx: SqlRunner, message: string): Promise<void>;
  /** After the write committed (Redis, in-process). */
  publish(message: string): void;
  /** Whether the channel is heard now (false while PostgreSQL or Redis is being reconnected). */
  listening(): boolean;
  close(): Promise<void>;
}

export const CHANNEL = 'registry_changes';

/** In-process delivery: one registry without PostgreSQL or Redis. */
export class MemoryBus implements EventBus {
  readonly transport = 'memory' as const;
  constructor(private readonly deliver: (message: string) => void) {}
  async stage(): Promise<void> {}
  publish(message: string): void {
    // Asynchronous, like the other transports: the writer's response does not wait for fan-out.
    setImmediate(() => this.deliver(message));
  }
  listening(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

/**
 * PostgreSQL LISTEN/NOTIFY: the write's own transaction queues the NOTIFY,
 * so PostgreSQL delivers it to every replica after the commit, in commit
 * order, and never for a rolled-back write. One dedicated connection
 * listens, reconnecting after any error with a growing pause; its failures
 * are counted as the `events` dependency.
 */
export class PostgresBus implements EventBus {
  readonly transport = 'postgres' as const;
  private client: Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempts = 0;
  private closed = false;
  private heard = false;

  constructor(
    private readonly url: string,
    private readonly deliver: (message: string) => void,
    private readonly dependency: Dependency,
    private readonly connectMs: number,
  ) {}

  /** Resolves once listening, or after the first failure (reconnecting goes on). */
  start(): Promise<void> {
    return this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: this.connectMs, query_timeout: this.connectMs, keepAlive: true });
    this.client = client;
    let failed = false;
    const fail = (operation: string, error: unknown) => {
      if (failed || this.closed) return;
      failed = true;
      this.heard = false;
      this.dependency.failed(operation, error);
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      const pause = Math.min(100 * 2 ** Math.min(this.attempts++, 6), 5_000);
      this.retry = setTimeout(() => void this.connect(), pause);
    };
    client.on('error', (error) => fail('listen', error));
    client.on('end', () => fail('listen', new Error('connection ended')));
    client.on('notification', (note) => {
      if (note.channel === CHANNEL && note.payload) this.deliver(note.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.attempts = 0;
      this.heard = true;
      this.dependency.recovered();
    } catch (error) {
      fail('connect', error);
    }
  }

  async stage(tx: SqlRunner, message: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, message]);
  }

  publish(): void {}

  listening(): boolean {
    return this.heard;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.heard = false;
    await this.client?.end().catch(() => undefined);
  }
}

/**
 * Redis pub/sub: published after the commit over a connection whose
 * commands have a deadline; heard on a second connection, which ioredis
 * reconnects and subscribes again. An event published while Redis is away
 * is lost, counted, and logged once per outage.
 */
export class RedisBus implements EventBus {
  readonly transport = 'redis' as const;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private heard = false;

  constructor(
    url: string,
    private readonly channel: string,
    deliver: (message: string) => void,
    private readonly dependency: Dependency,
    timeoutMs: number,
  ) {
    const options = { commandTimeout: timeoutMs, connectTimeout: Math.max(timeoutMs, 1_000), maxRetriesPerRequest: 0, retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000) };
    this.publisher = new Redis(url, { ...options, enableOfflineQueue: false });
    this.subscriber = new Redis(url, { ...options, commandTimeout: undefined });
    this.publisher.on('error', (error) => dependency.failed('connection', error));
    this.subscriber.on('error', (error) => {
      this.heard = false;
      dependency.failed('listen', error);
    });
    this.subscriber.on('ready', () => {
      this.heard = true;
      dependency.recovered();
    });
    this.subscriber.on('message', (from: string, message: string) => {
      if (from === channel) deliver(message);
    });
  }

  async start(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
      this.heard = true;
    } catch (error) {
      this.dependency.failed('listen', error);
    }
  }

  async stage(): Promise<void> {}

  publish(message: string): void {
    this.publisher.publish(this.channel, message).catch((error: unknown) => this.dependency.failed('publish', error));
  }

  listening(): boolean {
    return this.heard;
  }

  async close(): Promise<void> {
    this.heard = false;
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
