import type http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { createSourceEventStream, execute, getNamedType, getOperationAST, GraphQLError, isScalarType, Kind, parse, TypeInfo, validate, visit, visitWithTypeInfo, type ASTNode, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { Extra, useServer as UseServer } from 'graphql-ws/dist/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { callerFor, type Caller } from '../auth/keys';
import type { RegistryConfig } from '../config';
import type { Database } from '../db/database';
import type { GenerationSource } from '../db/generation';
import { createContext, type RegistryContext } from '../engine';
import { errorFormatter } from '../graphql/errors';
import { clientAddress } from '../guard/client-address';
import { MAX_VARIABLE_ERRORS } from '../guard/plugin';
import { RequestGuard } from '../guard/requests';
import { LimitPassed, operationCost } from '../guard/rules';
import { Dependency } from '../ops/dependency';
import type { Metrics } from '../ops/metrics';
import { MemoryBus, PostgresBus, RedisBus, type EventBus, type EventTransport } from './bus';
import { ClosingSoonScheduler } from './closing';
import type { LiveEvent } from './events';
import { LiveHub, LiveMetrics } from './hub';
import type { LiveContext } from './resolver';

// The package's subpath export; TypeScript's `moduleResolution: node` reads only the types at their file path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as { useServer: typeof UseServer };

/** Close code for a consumer that fell behind (4000-4999 are the application's; graphql-ws uses 44xx and 4500). */
export const SLOW_CONSUMER = 4008;

/** What one WebSocket connection knows: who it is, from where, and which of its subscriptions count against its address. */
interface Connection {
  address: string;
  languages?: string;
  caller?: Caller | null;
  counted: Set<string>;
  slow: boolean;
}

type LiveExtra = Extra & { connection?: Connection };

/** A subscription's context, with what its events are executed with. */
interface SubscriptionContext extends LiveContext {
  subscription: { key: string; field: string; connection: Connection };
}

function refusal(message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code, ...extensions } })];
}

/** Which transport carries events between replicas: REGISTRY_EVENTS, else PostgreSQL when the registry runs on it, else Redis when it is configured, else this process. */
export function chosenTransport(config: RegistryConfig): EventTransport {
  return config.subscriptions.transport ?? (config.databaseUrl ? 'postgres' : config.redisUrl ? 'redis' : 'memory');
}

/** Whether a page's origin is the registry's own address (the explorer's). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The argument whose literal value a scalar refuses with `message` (graphql-js reports a scalar's own error without its node). */
function argumentRefusing(schema: GraphQLSchema, document: DocumentNode, message: string): string | undefined {
  const typeInfo = new TypeInfo(schema);
  let name: string | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(argument) {
        const type = getNamedType(typeInfo.getInputType());
        if (name || !isScalarType(type) || argument.value.kind === Kind.VARIABLE) return;
        try {
          type.parseLiteral(argument.value, undefined);
        } catch (error) {
          if ((error as Error).message === message) name = argument.name.value;
        }
      },
    }),
  );
  return name;
}

/** The argument a variable is given to, when it is given to one directly. */
function argumentUsing(operation: ASTNode, variable: string): string | undefined {
  let name: string | undefined;
  visit(operation, {
    Argument(argument) {
      if (argument.value.kind === 'Variable' && argument.value.name.value === variable) name ??= argument.name.value;
    },
  });
  return name;
}

export interface LiveServer {
  hub: LiveHub;
  closing: ClosingSoonScheduler;
  bus: EventBus;
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's port at
 * /graphql. Each subscription is read by the same guard as a query (text,
 * variables, shape and cost), authorized as a query (public read or a key,
 * given as `authorization` in the connection's init payload or the upgrade
 * request's header), and counted against its connection and address. Each
 * event is executed with a fresh context, so its nested fields read through
 * loaders of their own; subscribers of this replica asking the same with
 * the same languages share one execution per event.
 */
export async function startSubscriptions(
  server: http.Server,
  parts: { config: RegistryConfig; db: Database; schema: GraphQLSchema; metrics: Metrics; logger: Logger; generations: GenerationSource },
): Promise<LiveServer> {
  const { config, db, schema, metrics, logger, generations } = parts;
  const settings = config.subscriptions;
  let hub: LiveHub;
  const live = new LiveMetrics(metrics.registry, () => hub.active);
  hub = new LiveHub(live, logger, settings.maxQueuedEvents);
  const transport = chosenTransport(config);
  const events = new Dependency('events', logger, metrics, 'subscribers miss the events of this outage');
  let bus: EventBus;
  if (transport === 'postgres') {
    const postgres = new PostgresBus(config.databaseUrl!, hub.deliver, events, config.deadlines.dbConnectMs);
    await postgres.start();
    bus = postgres;
  } else if (transport === 'redis') {
    const redis = new RedisBus(config.redisUrl!, `${config.cachePrefix}changes`, hub.deliver, events, config.deadlines.redisCommandMs);
    await redis.start();
    bus = redis;
  } else {
    bus = new MemoryBus(hub.deliver);
  }
  hub.bus = bus;
  const closing = new ClosingSoonScheduler(db, (event) => hub.offer(event), logger, live);
  hub.onCallWritten = closing.rearm;

  const guard = new RequestGuard(schema, config.limits, config.guard, metrics.refused);
  const formatError = errorFormatter(logger);
  const perAddress = new Map<string, number>();
  const connectionsByAddress = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes });

  const upgrade = (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://registry.local').pathname;
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // A page on another origin may open a WebSocket without any preflight: only the origins CORS lists may.
    const origin = req.headers.origin;
    if (origin && !sameOrigin(origin, req.headers.host) && !(config.cors && (config.cors.anyOrigin || config.cors.origins.has(origin)))) {
      live.refusals.inc({ reason: 'origin' });
      const body = JSON.stringify({ errors: [{ message: 'This registry answers browsers on other origins only when REGISTRY_CORS_ORIGINS lists them', extensions: { code: 'CORS_ORIGIN_NOT_ALLOWED' } }] });
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    // Idle connections cost too: an address may hold no more connections than it may hold subscriptions.
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustProxy);
    const open = connectionsByAddress.get(address) ?? 0;
    if (open >= settings.perAddress) {
      live.refusals.inc({ reason: 'per-address' });
      const body = JSON.stringify({ errors: [{ message: `A client address may hold at most ${settings.perAddress} connections`, extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'perAddress' } }] });
      socket.end(`HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    connectionsByAddress.set(address, open + 1);
    // The socket's own close: also when the handshake is refused and no WebSocket is made.
    socket.once('close', () => {
      const left = (connectionsByAddress.get(address) ?? 1) - 1;
      if (left > 0) connectionsByAddress.set(address, left);
      else connectionsByAddress.delete(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', upgrade);

  const closeSlow = (socket: WebSocket, connection: Connection, why: string) => {
    if (connection.slow) return;
    connection.slow = true;
    live.disconnects.inc({ reason: 'slow' });
    logger.info({ address: connection.address, why }, 'subscriptions: closed a slow consumer');
    socket.close(SLOW_CONSUMER, `Slow consumer: ${why}; reconnect and read faster`);
    // A peer that reads nothing never answers the close either.
    setTimeout(() => socket.terminate(), 1_000).unref();
  };

  const contextFor = (connection: Connection, request: RegistryContext['request']): RegistryContext =>
    createContext(db, { acceptLanguage: connection.languages, caller: connection.caller, generation: generations.forRequest().read, request });

  /** One event of one subscription: executed once per replica for all that ask the same. */
  const runEvent = (args: ExecutionArgs, context: SubscriptionContext, event: LiveEvent): Promise<ExecutionResult> => {
    event.memo ??= new Map();
    const key = `result:${context.subscription.key}`;
    let result = event.memo.get(key) as Promise<ExecutionResult> | undefined;
    if (!result) {
      const fresh: LiveContext = { ...contextFor(context.subscription.connection, context.request), live: context.live };
      result = Promise.resolve(execute({ ...args, rootValue: event, contextValue: fresh }));
      event.memo.set(key, result);
    }
    return result;
  };

  const serverCleanup = useServer<Record<string, unknown>, { connection?: Connection }>(
    {
      schema,
      async onConnect(ctx) {
        const { request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const authorization = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : request.headers.authorization;
        const languages = typeof params['accept-language'] === 'string' ? params['accept-language'] : request.headers['accept-language'];
        (ctx.extra as LiveExtra).connection = {
          address: clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], config.trustProxy),
          languages,
          caller: await callerFor(db, authorization),
          counted: new Set(),
          slow: false,
        };
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = (ctx.extra as LiveExtra).connection!;
        if (!config.publicRead && !connection.caller) {
          live.refusals.inc({ reason: 'unauthenticated' });
          return refusal(connection.caller === null ? 'The API key is unknown or revoked' : 'Reading this registry needs an API key: send `authorization: Bearer <key>` in the connection_init payload', 'UNAUTHENTICATED');
        }
        const held = Object.keys(ctx.subscriptions).length;
        if (held > settings.perConnection) {
          live.refusals.inc({ reason: 'per-connection' });
          return refusal(`A connection may hold at most ${settings.perConnection} subscriptions; complete one first`, 'TOO_MANY_SUBSCRIPTIONS', { limit: 'perConnection', max: settings.perConnection });
        }
        if ((perAddress.get(connection.address) ?? 0) >= settings.perAddress) {
          live.refusals.inc({ reason: 'per-address' });
          return refusal(`A client address may hold at most ${settings.perAddress} subscriptions; complete one first`, 'TOO_MANY_SUBSCRIPTIONS', { limit: 'perAddress', max: settings.perAddress });
        }
        // The guard in front of queries reads this one too: variables, unstorable text, and (with the guard on) shape.
        const refused = guard.refusal(payload);
        if (refused) {
          live.refusals.inc({ reason: 'guard' });
          const { http: _http, ...extensions } = refused.extensions;
          return [new GraphQLError(refused.message, { extensions })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, config.guard ? { maxTokens: config.limits.maxTokens } : {});
        } catch (error) {
          live.refusals.inc({ reason: 'invalid' });
          return refusal((error as Error).message, 'GRAPHQL_PARSE_FAILED');
        }
        const invalid = validate(schema, document, undefined, { maxErrors: 20 });
        if (invalid.length) {
          live.refusals.inc({ reason: 'invalid' });
          // A value a scalar refuses (a Duration of a year) is the caller's input, named by its argument, as a variable's is.
          return invalid.map((error) => {
            const code = error.extensions?.code;
            if (code !== 'BAD_USER_INPUT') return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
            const argument = argumentRefusing(schema, document, error.message);
            return new GraphQLError(argument ? `Argument "${argument}": ${error.message}` : error.message, { nodes: error.nodes, extensions: { code, ...(argument ? { argument } : {}) } });
          });
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refusal('Name the operation to run (operationName)', 'BAD_REQUEST');
        if (operation.operation !== 'subscription') {
          live.refusals.inc({ reason: 'invalid' });
          return refusal(`Over WebSocket the registry serves subscriptions only; send this ${operation.operation} to POST /graphql`, 'BAD_REQUEST');
        }
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
        if (coerced.errors) {
          live.refusals.inc({ reason: 'invalid' });
          const variable = coerced.errors[0].nodes?.[0];
          const argument = variable?.kind === 'VariableDefinition' ? argumentUsing(operation, variable.variable.name.value) : undefined;
          return refusal(coerced.errors[0].message, 'BAD_USER_INPUT', { ...(argument ? { argument } : {}), variableErrors: coerced.errors.map((e) => e.message) });
        }
        if (config.guard) {
          try {
            operationCost(schema, document, operation, coerced.coerced, config.limits.maxCost);
          } catch (error) {
            if (!(error instanceof LimitPassed)) throw error;
            metrics.refused('cost');
            live.refusals.inc({ reason: 'guard' });
            const { http: _http, ...extensions } = error.toGraphQLError('QUERY_TOO_COSTLY').extensions;
            return refusal(error.message, 'QUERY_TOO_COSTLY', extensions);
          }
        }
        const field = operation.selectionSet.selections.find((s) => s.kind === 'Field')?.name.value ?? 'unknown';
        connection.counted.add(id);
        perAddress.set(connection.address, (perAddress.get(connection.address) ?? 0) + 1);
        const contextValue: SubscriptionContext = {
          ...contextFor(connection, { id: `ws-${id}` }),
          live: hub,
          closing,
          overflowed: () => closeSlow(ctx.extra.socket, connection, `${settings.maxQueuedEvents} events waiting`),
          subscription: { key: `${payload.query}\u0000${JSON.stringify(payload.variables ?? {})}\u0000${connection.languages ?? ''}\u0000${payload.operationName ?? ''}`, field, connection },
        };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables ?? {}, contextValue };
      },
      async subscribe(args) {
        const stream = await createSourceEventStream(args.schema, args.document, args.rootValue, args.contextValue, args.variableValues, args.operationName);
        if (!(Symbol.asyncIterator in stream)) return stream;
        const source = stream as AsyncIterableIterator<LiveEvent>;
        const context = args.contextValue as SubscriptionContext;
        // Ended at once by return() (a client's complete, a closed socket), even while waiting for an event.
        const events: AsyncIterableIterator<ExecutionResult> = {
          async next() {
            const next = await source.next();
            if (next.done) return { value: undefined, done: true };
            return { value: await runEvent(args, context, next.value), done: false };
          },
          async return() {
            await source.return?.();
            return { value: undefined, done: true };
          },
          async throw(error: unknown) {
            await source.return?.();
            throw error;
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
        return events;
      },
      onNext(ctx, _id, _payload, args, result) {
        const context = args.contextValue as SubscriptionContext;
        const connection = context.subscription.connection;
        if (ctx.extra.socket.bufferedAmount > settings.maxBufferedBytes) {
          closeSlow(ctx.extra.socket, connection, `more than ${settings.maxBufferedBytes} bytes unsent`);
        }
        // A subscription refused as it started (an unknown slug) answers its errors here too; only events count.
        if (result.data) live.delivered.inc({ field: context.subscription.field });
        if (!result.errors) return undefined;
        const errors: GraphQLFormattedError[] = result.errors.map((error) => {
          const formatted = error.toJSON();
          return formatError({ ...formatted, extensions: { ...formatted.extensions, code: formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR' } }, error);
        });
        return { ...result, errors };
      },
      // An error that ends a running subscription (a filter's statement failed) says no more than a query's would.
      onError(_ctx, _id, _payload, errors) {
        return errors.map((error) => {
          const formatted = error.toJSON();
          return formatError({ ...formatted, extensions: { ...formatted.extensions, code: formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR' } }, error);
        });
      },
      onComplete(ctx, id) {
        const connection = (ctx.extra as LiveExtra).connection;
        if (!connection?.counted.delete(id)) return;
        const left = (perAddress.get(connection.address) ?? 1) - 1;
        if (left > 0) perAddress.set(connection.address, left);
        else perAddress.delete(connection.address);
      },
    },
    wss,
  );

  return {
    hub,
    closing,
    bus,
    async close() {
      closing.close();
      server.off('upgrade', upgrade);
      for (const client of wss.clients) {
        live.disconnects.inc({ reason: 'shutdown' });
        client.close(1001, 'The registry is shutting down');
      }
      await serverCleanup.dispose();
      hub.close();
      await bus.close();
    },
  };
}

/** Over HTTP a subscription has nothing to listen with: it is refused with where to send it, before anything runs. */
export function subscriptionsOverWebSocketPlugin(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('Subscriptions are served over WebSocket (the graphql-ws protocol) at this same address, ws://…/graphql; POST carries queries and mutations', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        },
      };
    },
  };
}
