import { createContext, fastPathPlugin, stringifyResponse, type FastPathObserver, type RegistryContext, type RequestInfo } from './engine';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { callerFor } from './auth/keys';
import type { RegistryConfig } from './config';
import type { Database } from './db/database';
import { recordStatements, StatementLog } from './db/explain';
import { EXPLAIN_HEADER, explainFor } from './graphql/explain-request';
import { errorFormatter } from './graphql/errors';
import { mutationAuthorizationPlugin } from './graphql/writes';
import { createSharedCache, type SharedCache } from './cache/shared';
import { keepKeyedAnswersPrivate } from './cache/headers';
import { generationGate, responseCache } from './cache/responses';
import { GenerationSource } from './db/generation';
import { DatabaseUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from './db/unavailable';
import { clientAddress } from './guard/client-address';
import { Dependency } from './ops/dependency';
import { mayReadMetrics } from './ops/metrics-access';
import { readiness } from './ops/readiness';
import { explainPlugin, privateReadPlugin } from './graphql/plugins';
import { jsonShapeProblem } from './guard/json';
import { operationGuardPlugin } from './guard/plugin';
import { RateLimiter } from './guard/rate-limit';
import { RequestGuard } from './guard/requests';
import { applyCors } from './cors';
import { createExplorer, wantsExplorer } from './ops/explorer';
import { buildInfo } from './ops/build-info';
import { createLogger, requestId } from './ops/logging';
import { Metrics } from './ops/metrics';
import { registrySchema, servedFastPath, servedSchema } from './registry';
import { etagOf, feedQuery, FeedRequestError, matches, openCallsFeed, sessionsCalendar } from './feeds/feeds';
import { startSubscriptions, subscriptionsOverWebSocketPlugin, type LiveServer } from './live/server';
import type { Logger } from 'pino';


export interface RunningServer {
  url: string;
  port: number;
  /** Subscriptions over graphql-ws at the same path; undefined with REGISTRY_SUBSCRIPTIONS=0. */
  subscriptions?: LiveServer;
  /** Stops accepting, lets requests in flight finish (up to graceMs), then stops. */
  close(graceMs?: number): Promise<void>;
}

class BodyTooLarge extends Error {}

/**
 * Reads a body up to the limit. Past it, the rest is drained unbuffered so the
 * client can read its 413; a client that keeps sending far beyond is cut off.
 */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > Math.max(10 * maxBytes, 16_000_000)) req.destroy();
    });
    req.on('end', () => (size > maxBytes ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** A GET request's operation as Apollo will read it; variables that are not JSON are left for Apollo to refuse. */
function operationFromSearch(search: URLSearchParams): { query?: string; variables?: unknown } {
  let variables: unknown;
  try {
    variables = search.has('variables') ? JSON.parse(search.get('variables')!) : undefined;
  } catch {
    variables = undefined;
  }
  return { query: search.get('query') ?? undefined, variables };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Every operation the fast path leaves to graphql-js, and every batch the database does not render, is counted, and logged at debug. */
function fastPathObserver(metrics: Metrics, logger: Logger): FastPathObserver {
  return {
    fallback(reason, detail, ctx) {
      metrics.fellBack(reason, detail);
      logger.debug({ reqId: ctx.request?.id, reason, detail }, 'fast path: answered by graphql-js');
    },
    declined(reason, detail) {
      metrics.declined(reason, detail);
      logger.debug({ reason, detail }, 'renderer: objects built by the fast path');
    },
  };
}

/** Tells the request's log line which operation it ran. */
const operationNamePlugin: ApolloServerPlugin<RegistryContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operationName, contextValue }) {
        if (contextValue.request) contextValue.request.operationName = operationName ?? undefined;
      },
    };
  },
};

export interface ServerParts {
  shared: SharedCache;
  metrics: Metrics;
  logger: Logger;
}

export async function createApollo(config: RegistryConfig, { shared, metrics, logger }: ServerParts): Promise<ApolloServer<RegistryContext>> {
  const apollo = new ApolloServer<RegistryContext>({
    // Persisted queries and cached responses live here: Redis when REDIS_URL is set, so replicas share them.
    cache: shared.store,
    persistedQueries: { ttl: 24 * 3600 },
    schema: await servedSchema(),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // The CLI owns SIGTERM: it drains HTTP first, then stops Apollo and the database.
    stopOnTerminationSignals: false,
    hideSchemaDetailsFromClientErrors: config.production,
    stringifyResult: stringifyResponse,
    allowBatchedHttpRequests: true,
    ...(config.guard ? { parseOptions: { maxTokens: config.limits.maxTokens } } : {}),
    // One error list of bounded length for any document; the guard's limits keep the rules' work small.
    validationOptions: { maxErrors: 20 },
    formatError: errorFormatter(logger),
    logger,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      metrics.plugin<RegistryContext>(),
      operationNamePlugin,
      // Before any mutation field runs, its key must allow every one of them.
      mutationAuthorizationPlugin(),
      subscriptionsOverWebSocketPlugin(),
      // Acts only on requests whose statements are recorded: REGISTRY_EXPLAIN=1, or the x-registry-explain header.
      explainPlugin(),
      ...(config.publicRead ? [] : [privateReadPlugin()]),
      // Variables coerced once and refused whole; in production, shape and cost too.
      operationGuardPlugin(config.guard ? config.limits : undefined, metrics.refused),
      // Keyed by the languages asked for and by the write generation: a write through any replica retires every cached response.
      ...(config.responseCache ? [generationGate(), responseCache(shared.responses)] : []),
      // Last, so that a cached response is found before anything runs.
      ...(config.fastPath ? [fastPathPlugin({ ...(await servedFastPath()), ...(config.renderInDatabase ? {} : { render: undefined }), observer: fastPathObserver(metrics, logger) })] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** Serves GraphQL at /graphql (and the explorer to browsers), /healthz, /readyz and /metrics on one HTTP server. */
export async function startHttpServer(config: RegistryConfig, db: Database, port = config.port, logger: Logger = createLogger()): Promise<RunningServer> {
  const metrics = new Metrics();
  const redis = config.redisUrl ? new Dependency('redis', logger, metrics, 'serving without the shared cache (lookups are misses)') : undefined;
  const shared = await createSharedCache({ redisUrl: config.redisUrl, prefix: config.cachePrefix, timeoutMs: config.deadlines.redisCommandMs, dependency: redis });
  if (shared.entries) metrics.gauge('registry_response_cache_entries', 'Responses held in this process (all of the current write generation).', shared.entries);
  const database = new Dependency('database', logger, metrics, 'requests answer SERVICE_UNAVAILABLE (503)');
  const stopWatching = db.watch({ unavailable: (operation, error) => database.failed(operation, error), available: () => database.recovered() });
  const generations = new GenerationSource(db);
  const apollo = await createApollo(config, { shared, metrics, logger });
  const explorer = createExplorer(db, { endpoint: '/graphql', explainByDefault: !config.production, production: config.production });

  const guard = new RequestGuard(await servedSchema(), config.limits, config.guard, metrics.refused);
  /** Subscriptions, once started below. */
  let live: LiveServer | undefined;
  const rates = new RateLimiter();
  const refuse = (res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
  const tooMany = (res: http.ServerResponse, retryAfterSeconds: number) =>
    refuse(res, 429, 'RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { 'retry-after': String(retryAfterSeconds) });

  async function graphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL, request: RequestInfo): Promise<void> {
    if (wantsExplorer(req.method, req.headers.accept, url.search)) return explorer(req, res);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const caller = await callerFor(db, headers.get('authorization'));
    // Key holders are counted by key, everyone else by address (as a trusted gateway forwards it); an unknown key counts as its address. Each operation of a batch counts.
    const admit = (operations: number) =>
      caller
        ? rates.take(`key:${caller.keyId}`, config.limits.perKeyPerMinute, operations)
        : rates.take(`address:${clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustProxy)}`, config.limits.perAddressPerMinute, operations);
    if (config.guard) {
      const limited = admit(1);
      if (!limited.allowed) return tooMany(res, limited.retryAfterSeconds);
    }
    const explain = explainFor(config, headers.get(EXPLAIN_HEADER), caller);
    if ('refuse' in explain) return refuse(res, explain.refuse.status, explain.refuse.code, explain.refuse.message);
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, config.limits.maxBodyBytes);
      if ((headers.get('content-type') ?? '').includes('application/json')) {
        // Its shape first: JSON.parse alone would spend longer on 12,000 keys than the dashboard takes.
        const shape = jsonShapeProblem(text, { maxKeys: config.limits.maxVariableKeys, maxDepth: config.limits.maxVariableDepth + 3 });
        if (shape) {
          metrics.refused('variables');
          const at = shape.path.indexOf('variables');
          const variablePath = at >= 0 && at <= 1 ? shape.path.slice(at + 1) : undefined;
          return sendJson(res, 400, {
            errors: [{ message: `${variablePath ? `Variable at ${JSON.stringify(variablePath)} refused: ` : ''}${shape.message}`, extensions: { code: variablePath ? 'BAD_USER_INPUT' : 'BAD_REQUEST', ...(variablePath ? { variablePath } : { path: shape.path }) } }],
          });
        }
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          return refuse(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
        }
      } else {
        body = text;
      }
      if (Array.isArray(body) && body.length > config.limits.maxBatch) {
        return refuse(res, 400, 'BATCH_TOO_LARGE', `A batch may hold at most ${config.limits.maxBatch} operations; this one holds ${body.length}`);
      }
      if (config.guard && Array.isArray(body) && body.length > 1) {
        const limited = admit(body.length - 1);
        if (!limited.allowed) return tooMany(res, limited.retryAfterSeconds);
      }
    }
    // Each operation is read by the guard before Apollo parses, validates or coerces anything of it.
    const operations = req.method === 'POST' ? (Array.isArray(body) ? body : [body]) : [operationFromSearch(url.searchParams)];
    for (const [index, operation] of operations.entries()) {
      const refusal = guard.refusal(operation);
      if (!refusal) continue;
      const { http: _http, ...extensions } = refusal.extensions;
      const error = { ...refusal.toJSON(), extensions: operations.length > 1 ? { ...extensions, batchIndex: index } : extensions };
      return sendJson(res, 400, { errors: [error] });
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const statements = explain.record ? new StatementLog() : undefined;
    const run = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => {
          // The request reads the write generation once; its own write tells it the new one, and retires older cached answers here.
          const generation = generations.forRequest(shared.retire);
          return createContext(db, { acceptLanguage: headers.get('accept-language'), statements, caller, afterWrite: generation.written, changes: live?.hub.sink, generation: generation.read, request });
        },
      });
    const response = statements ? await recordStatements(statements, run) : await run();
    for (const [name, value] of response.headers) res.setHeader(name, value);
    // Answers depend on Accept-Language; shared caches must keep them apart.
    res.setHeader('vary', [res.getHeader('vary'), 'accept-language', EXPLAIN_HEADER].filter(Boolean).join(', '));
    keepKeyedAnswersPrivate(res, !config.publicRead || headers.get('authorization') !== undefined);
    // One request's statements are not for shared caches (REGISTRY_EXPLAIN=1, for development, keeps the answer's own policy).
    if (statements && !config.explain) res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  /** The calendar and JSON feeds (src/feeds): the same filters, keys, limits and CORS as /graphql; ETag and If-None-Match. */
  async function feed(req: http.IncomingMessage, res: http.ServerResponse, url: URL, request: RequestInfo, name: 'sessions.ics' | 'calls.json'): Promise<void> {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      metrics.fed(name, status);
      sendJson(res, status, body, headers);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, new FeedRequestError('A feed is read with GET', 'METHOD_NOT_ALLOWED'), { allow: 'GET, HEAD' });
    const caller = await callerFor(db, req.headers.authorization);
    if (config.guard) {
      const limited = caller
        ? rates.take(`key:${caller.keyId}`, config.limits.perKeyPerMinute, 1)
        : rates.take(`address:${clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], config.trustProxy)}`, config.limits.perAddressPerMinute, 1);
      if (!limited.allowed) {
        metrics.fed(name, 429);
        return tooMany(res, limited.retryAfterSeconds);
      }
    }
    if (!config.publicRead && !caller) {
      const message = caller === null ? 'The API key is unknown or revoked' : 'Reading this registry needs an API key: send `Authorization: Bearer <key>`';
      return answer(401, new FeedRequestError(message, 'UNAUTHENTICATED'), { 'www-authenticate': 'Bearer' });
    }
    const keyed = !config.publicRead || req.headers.authorization !== undefined;
    try {
      const query = feedQuery(url.searchParams);
      const generation = generations.forRequest(shared.retire);
      const ctx = createContext(db, { acceptLanguage: req.headers['accept-language'], caller, generation: generation.read, request });
      const schema = await servedSchema();
      const body =
        name === 'sessions.ics'
          ? await sessionsCalendar(schema, ctx, query)
          : JSON.stringify(await openCallsFeed(schema, ctx, query, `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${url.pathname}${url.search}`));
      const etag = etagOf(body);
      const headers: Record<string, string> = {
        etag,
        // As long as programmes' answers are kept (MAX_AGE.programs); a call's status changes with time, so not longer.
        'cache-control': `${keyed ? 'private' : 'public'}, max-age=300`,
        vary: keyed ? 'accept-language, authorization' : 'accept-language',
      };
      const status = matches(req.headers['if-none-match'], etag) ? 304 : 200;
      metrics.fed(name, status);
      res.writeHead(status, status === 304 ? headers : { ...headers, 'content-type': name === 'sessions.ics' ? 'text/calendar; charset=utf-8' : 'application/feed+json; charset=utf-8' });
      res.end(status === 304 || req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      if (error instanceof FeedRequestError) return answer(400, error);
      throw error;
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, request: RequestInfo): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry.local');
    if (url.pathname === '/graphql') return applyCors(config.cors, req, res) ? undefined : graphql(req, res, url, request);
    if (url.pathname === '/feeds/sessions.ics' || url.pathname === '/feeds/calls.json') {
      return applyCors(config.cors, req, res) ? undefined : feed(req, res, url, request, url.pathname === '/feeds/sessions.ics' ? 'sessions.ics' : 'calls.json');
    }
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', version: buildInfo().version, commit: buildInfo().commit });
    if (url.pathname === '/readyz') {
      const ready = await readiness(db, shared, config.deadlines.readinessMs);
      return sendJson(res, ready.status, ready.body, { 'cache-control': 'no-store' });
    }
    if (url.pathname === '/metrics') {
      const verdict = await mayReadMetrics(config.metricsAccess, db, req.headers.authorization);
      if (!verdict.allowed) return refuse(res, verdict.status, verdict.code, verdict.message, verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.text());
      return;
    }
    return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql.' });
  }

  let closing = false;
  const inFlight = new Set<http.ServerResponse>();
  // Clients get deadlines too: headers, then the whole request, must arrive in time (checked every second), or the connection is cut with 408.
  const timeouts = { headersTimeout: config.deadlines.headersMs, requestTimeout: config.deadlines.requestMs, connectionsCheckingInterval: 1_000 };
  const server = http.createServer(timeouts, (req, res) => {
    const started = process.hrtime.bigint();
    // While draining, no connection is kept open for another request.
    if (closing) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    const request: RequestInfo = { id: requestId(req.headers['x-request-id']) };
    res.setHeader('x-request-id', request.id);
    // One line per request: what ran and how long it took; never its variables.
    res.on('finish', () =>
      logger.info(
        { reqId: request.id, method: req.method, path: req.url?.split('?')[0], status: res.statusCode, operation: request.operationName, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      ),
    );
    route(req, res, request).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      // Cut by a deadline (408) or hung up: nobody is left to answer.
      if (req.socket.destroyed) return;
      if (error instanceof BodyTooLarge) {
        return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${config.limits.maxBodyBytes} bytes`, { connection: 'close' });
      }
      if (error instanceof DatabaseUnavailable) return refuse(res, 503, 'SERVICE_UNAVAILABLE', UNAVAILABLE_MESSAGE, { 'retry-after': String(RETRY_AFTER_SECONDS) });
      logger.error({ err: error, reqId: request.id }, 'request failed');
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.host, () => resolve());
  });
  // Subscriptions (graphql-ws) on the same port and path; every write tells them once it commits.
  if (config.subscriptions.enabled) live = await startSubscriptions(server, { config, db, schema: await registrySchema(), metrics, logger, generations });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${actualPort}/graphql`,
    port: actualPort,
    subscriptions: live,
    async close(graceMs = config.shutdownGraceMs) {
      // Stop accepting; requests in flight finish and their connections close after the answer.
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      // Subscribers are told to go first: their connections would hold the server open.
      await live?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cutOff);
      await apollo.stop();
      await shared.close();
      stopWatching();
      metrics.close();
    },
  };
}
