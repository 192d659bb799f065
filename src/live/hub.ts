import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChangeSink } from '../db/changes';
import type { EventBus } from './bus';
import { decodeEvents, describeChanges, encodeEvents, type LiveEvent } from './events';

/** What subscriptions count (src/ops/metrics.ts holds the registry). */
export class LiveMetrics {
  readonly published: Counter<'topic'>;
  readonly received: Counter<'topic'>;
  readonly delivered: Counter<'field'>;
  readonly disconnects: Counter<'reason'>;
  readonly refusals: Counter<'reason'>;
  readonly windowScans: Counter<'outcome'>;

  constructor(registry: Registry, active: () => number) {
    const registers = [registry];
    new Gauge({ name: 'registry_subscriptions_active', help: 'Subscriptions running on this replica.', registers, collect() { this.set(active()); } });
    this.published = new Counter({ name: 'registry_subscription_events_published_total', help: 'Events of writes committed through this replica, sent to every replica, by topic (program, session, call).', labelNames: ['topic'], registers });
    this.received = new Counter({ name: 'registry_subscription_events_received_total', help: 'Events this replica heard from the event channel, by topic; `invalid` for a message that was not one.', labelNames: ['topic'], registers });
    this.delivered = new Counter({ name: 'registry_subscription_events_delivered_total', help: 'Events sent to subscribers of this replica, by subscription field.', labelNames: ['field'], registers });
    this.disconnects = new Counter({ name: 'registry_subscription_disconnects_total', help: 'Subscription connections closed by the registry, by reason (slow: a consumer that fell behind; shutdown).', labelNames: ['reason'], registers });
    this.windowScans = new Counter({ name: 'registry_subscription_window_scans_total', help: 'Scans of calls entering a callClosingSoon window as time passes, by outcome (ok, failed: retried, nothing is skipped).', labelNames: ['outcome'], registers });
    this.refusals = new Counter({ name: 'registry_subscription_refusals_total', help: 'Subscriptions or connections refused, by reason (unauthenticated, per-connection, per-address, origin, guard, invalid).', labelNames: ['reason'], registers });
  }
}

/** Thrown into a subscription whose consumer fell behind: its connection is closed. */
export class SlowConsumer extends Error {}

/** What a subscription's filter answers: whether to send the event, or the event to send in its place. */
export type Accepted = boolean | LiveEvent;

interface Listener {
  offer(event: LiveEvent): void;
}

/**
 * The events one replica hears, handed to its subscriptions: each gets its
 * own queue, bounded, and consumed in order; one that falls `maxQueued`
 * events behind is ended (its connection is then closed), never buffered
 * without bound.
 */
export class LiveHub {
  private readonly listeners = new Set<Listener>();
  bus: EventBus | undefined;
  /** Told of every write to calls heard from the channel (the callClosingSoon scheduler re-arms its timer). */
  onCallWritten: (() => void) | undefined;

  constructor(
    readonly metrics: LiveMetrics | undefined,
    private readonly logger: Logger,
    private readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.listeners.size;
  }

  /** What the write path tells: staged in the write's transaction, published after its commit. */
  readonly sink: ChangeSink = {
    staged: async (tx, changes, generation) => {
      const events = await describeChanges(tx, changes, generation);
      if (!events.length || !this.bus) return undefined;
      const message = encodeEvents(events);
      await this.bus.stage(tx, message);
      return { message, events };
    },
    committed: (staged) => {
      if (!staged || !this.bus) return;
      const { message, events } = staged as { message: string; events: LiveEvent[] };
      for (const event of events) this.metrics?.published.inc({ topic: event.topic });
      this.bus.publish(message);
    },
  };

  /** A message heard from the channel: its events, in order, to every subscription of this replica. */
  readonly deliver = (message: string): void => {
    const events = decodeEvents(message);
    if (!events) {
      this.metrics?.received.inc({ topic: 'invalid' });
      this.logger.warn({ length: message.length }, 'subscriptions: ignored a message that holds no events');
      return;
    }
    for (const event of events) {
      this.metrics?.received.inc({ topic: event.topic });
      this.offer(event);
    }
    if (events.some((event) => event.topic === 'call')) this.onCallWritten?.();
  };

  /** An event of this replica's own (a call entering a window as time passes), to every subscription of this replica. */
  offer(event: LiveEvent): void {
    for (const listener of this.listeners) listener.offer(event);
  }

  /**
   * The events `accept` lets through, in the order they were heard. Events
   * are filtered as they are consumed, so a filter's lookup never reorders
   * them. `accept` may answer the event to send instead (the same record,
   * told for a reason of this subscription's). Ends with SlowConsumer when
   * the queue overflows; `onStop` is called once the subscription ends, however.
   */
  listen(accept: (event: LiveEvent) => Accepted | Promise<Accepted>, onOverflow?: () => void, onStop?: () => void): AsyncIterableIterator<LiveEvent> {
    const queue: LiveEvent[] = [];
    let waiting: ((result: IteratorResult<LiveEvent>) => void) | undefined;
    let failing: ((error: unknown) => void) | undefined;
    let done = false;
    let overflowed = false;
    const hub = this;
    const listener: Listener = {
      offer(event) {
        if (done) return;
        if (queue.length >= hub.maxQueued) {
          overflowed = true;
          stop();
          failing?.(new SlowConsumer(`fell ${hub.maxQueued} events behind`));
          waiting = failing = undefined;
          onOverflow?.();
          return;
        }
        queue.push(event);
        pump();
      },
    };
    let pumping = false;
    const pump = () => {
      if (pumping || !waiting) return;
      pumping = true;
      void (async () => {
        try {
          while (waiting && queue.length) {
            const event = queue.shift()!;
            const accepted = await accept(event);
            if (!accepted) continue;
            const resolve = waiting;
            waiting = failing = undefined;
            resolve?.({ value: accepted === true ? event : accepted, done: false });
          }
        } catch (error) {
          const fail = failing;
          stop();
          waiting = failing = undefined;
          fail?.(error);
        } finally {
          pumping = false;
        }
      })();
    };
    const stop = () => {
      if (!done) onStop?.();
      done = true;
      queue.length = 0;
      this.listeners.delete(listener);
    };
    this.listeners.add(listener);
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        if (overflowed) return Promise.reject(new SlowConsumer(`fell ${hub.maxQueued} events behind`));
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<LiveEvent>>((resolve, reject) => {
          waiting = resolve;
          failing = reject;
          pump();
        });
      },
      return() {
        const resolve = waiting;
        stop();
        waiting = failing = undefined;
        resolve?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Ends every subscription (the server is closing). */
  close(): void {
    this.onCallWritten = undefined;
    this.listeners.clear();
  }
}
