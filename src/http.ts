import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import type { GraphQLFormattedError } from 'graphql';
import { callerFor } from './auth/keys';
import type { RegistryConfig } from './config';
import type { Database } from './db/database';
import { recordStatements, type StatementLog } from './db/explain';
import { createContext, type RegistryContext, type RequestInfo } from './graphql/context';
import { createSharedCache, type SharedCache } from './cache/shared';
import { explainPlugin, privateReadPlugin } from './graphql/plugins';
import { costLimitPlugin } from './guard/plugin';
import { RateLimiter } from './guard/rate-limit';
import { documentLimitRules } from './guard/rules';
import { applyCors } from './cors';
import { createExplorer, wantsExplorer } from './ops/explorer';
import { buildInfo } from './ops/build-info';
import { createLogger, requestId } from './ops/logging';
import { Metrics } from './ops/metrics';
import { servedFastPath, servedSchema } from './registry';
import { fastPathPlugin } from './graphql/fast';
import { stringifyResponse } from './graphql/rendered';
import type { Logger } from 'pino';


export interface RunningServer {
  url: string;
  port: number;
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

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Errors the user did not cause are reported without their message, stack
 * or SQL; the original goes to the server's log.
 */
function errorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'resolver failed');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code } };
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
    ...(config.guard ? { validationRules: documentLimitRules(config.limits), parseOptions: { maxTokens: config.limits.maxTokens } } : {}),
    formatError: errorFormatter(logger),
    logger,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      metrics.plugin<RegistryContext>(),
      operationNamePlugin,
      ...(config.explain ? [explainPlugin()] : []),
      ...(config.publicRead ? [] : [privateReadPlugin()]),
      ...(config.guard ? [costLimitPlugin<RegistryContext>(config.limits)] : []),
      // Keyed by the languages asked for and by the write generation: a write through any replica retires every cached response.
      ...(config.responseCache
        ? [responseCachePlugin<RegistryContext>({ extraCacheKeyData: async ({ contextValue }) => ({ languages: contextValue.languages, generation: await shared.generation() }) })]
        : []),
      // Last, so that a cached response is found before anything runs.
      ...(config.fastPath ? [fastPathPlugin({ ...(await servedFastPath()), ...(config.renderInDatabase ? {} : { render: undefined }) })] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** Serves GraphQL at /graphql (and the explorer to browsers), /healthz, /readyz and /metrics on one HTTP server. */
export async function startHttpServer(config: RegistryConfig, db: Database, port = config.port, logger: Logger = createLogger()): Promise<RunningServer> {
  const shared = createSharedCache(config.redisUrl, config.cachePrefix);
  const metrics = new Metrics();
  const apollo = await createApollo(config, { shared, metrics, logger });
  const afterWrite = () => shared.bumpGeneration();
  const explorer = createExplorer(db);

  const rates = new RateLimiter();
  const refuse = (res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);

  async function graphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL, request: RequestInfo): Promise<void> {
    if (wantsExplorer(req.method, req.headers.accept, url.search)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(await explorer());
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const caller = await callerFor(db, headers.get('authorization'));
    if (config.guard) {
      // Key holders are counted by key, everyone else by address; an unknown key counts as its address.
      const limited = caller ? rates.take(`key:${caller.keyId}`, config.limits.perKeyPerMinute) : rates.take(`address:${req.socket.remoteAddress}`, config.limits.perAddressPerMinute);
      if (!limited.allowed) {
        return refuse(res, 429, 'RATE_LIMITED', `Too many requests; try again in ${limited.retryAfterSeconds} s`, { 'retry-after': String(limited.retryAfterSeconds) });
      }
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, config.limits.maxBodyBytes);
      if ((headers.get('content-type') ?? '').includes('application/json')) {
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
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const statements: StatementLog | undefined = config.explain ? [] : undefined;
    const run = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () =>
          createContext(db, { acceptLanguage: headers.get('accept-language'), statements, caller, afterWrite, generation: shared.generation, request }),
      });
    const response = statements ? await recordStatements(statements, run) : await run();
    for (const [name, value] of response.headers) res.setHeader(name, value);
    // Answers depend on Accept-Language; shared caches must keep them apart.
    res.setHeader('vary', [res.getHeader('vary'), 'accept-language'].filter(Boolean).join(', '));
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, request: RequestInfo): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry.local');
    if (url.pathname === '/graphql') return applyCors(config.cors, req, res) ? undefined : graphql(req, res, url, request);
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', version: buildInfo().version, commit: buildInfo().commit });
    if (url.pathname === '/readyz') {
      try {
        await db.query('SELECT 1 AS "up"');
        if (await db.dataSource.showMigrations()) return sendJson(res, 503, { status: 'migrations pending' });
        return sendJson(res, 200, { status: 'ready' });
      } catch {
        return sendJson(res, 503, { status: 'database unreachable' });
      }
    }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.text());
      return;
    }
    return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql.' });
  }

  let closing = false;
  const inFlight = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
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
      if (error instanceof BodyTooLarge) {
        return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${config.limits.maxBodyBytes} bytes`, { connection: 'close' });
      }
      logger.error({ err: error, reqId: request.id }, 'request failed');
      refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${actualPort}/graphql`,
    port: actualPort,
    async close(graceMs = config.shutdownGraceMs) {
      // Stop accepting; requests in flight finish and their connections close after the answer.
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(cutOff);
      await apollo.stop();
      await shared.close();
      metrics.close();
    },
  };
}
