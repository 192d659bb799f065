import type { EventTransport } from './bus';

/** Limits and transport of subscriptions (REGISTRY_SUBSCRIPTIONS_*, REGISTRY_EVENTS). */
export interface SubscriptionSettings {
  /** Serve graphql-ws at /graphql (REGISTRY_SUBSCRIPTIONS, on by default). */
  enabled: boolean;
  /** How events reach every replica; by default PostgreSQL when the registry runs on it, else Redis when REDIS_URL is set, else this process. */
  transport?: EventTransport;
  /** Subscriptions one connection may hold at once. */
  perConnection: number;
  /** Subscriptions one client address may hold at once, over all its connections. */
  perAddress: number;
  /** A connection whose unsent data passes this many bytes is closed (a consumer that does not read). */
  maxBufferedBytes: number;
  /** Events a subscription may have waiting to be sent; past it, its connection is closed. */
  maxQueuedEvents: number;
}

const NUMBERS: Array<[keyof SubscriptionSettings, string, number]> = [
  ['perConnection', 'REGISTRY_SUBSCRIPTIONS_PER_CONNECTION', 20],
  ['perAddress', 'REGISTRY_SUBSCRIPTIONS_PER_ADDRESS', 100],
  ['maxBufferedBytes', 'REGISTRY_SUBSCRIPTION_BUFFER_BYTES', 1_048_576],
  ['maxQueuedEvents', 'REGISTRY_SUBSCRIPTION_QUEUE', 100],
];

export function subscriptionsFromEnv(env: NodeJS.ProcessEnv, flag: (name: string, fallback: boolean) => boolean, fail: (message: string) => never): SubscriptionSettings {
  const settings: SubscriptionSettings = { enabled: flag('REGISTRY_SUBSCRIPTIONS', true), perConnection: 0, perAddress: 0, maxBufferedBytes: 0, maxQueuedEvents: 0 };
  for (const [key, name, fallback] of NUMBERS) {
    const text = env[name];
    if (text === undefined || text === '') {
      (settings[key] as number) = fallback;
      continue;
    }
    if (!/^\d+$/.test(text) || Number(text) < 1) fail(`${name} must be a whole number of at least 1, got "${text}"`);
    (settings[key] as number) = Number(text);
  }
  const transport = env.REGISTRY_EVENTS;
  if (transport) {
    if (!['postgres', 'redis', 'memory'].includes(transport)) fail(`REGISTRY_EVENTS must be postgres, redis or memory, got "${transport}"`);
    if (transport === 'postgres' && !env.DATABASE_URL) fail('REGISTRY_EVENTS=postgres needs DATABASE_URL');
    if (transport === 'redis' && !env.REDIS_URL) fail('REGISTRY_EVENTS=redis needs REDIS_URL');
    settings.transport = transport as EventTransport;
  }
  return settings;
}
