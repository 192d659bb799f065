import type { GraphiQLProps } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { RunStore } from './run';
import { cleanIntrospection } from './schema-map';

/** The header that asks the registry for a request's statements (src/ops/explain-request.ts). */
export const EXPLAIN_HEADER = 'x-registry-explain';

/**
 * Sends each operation to the registry as JSON, asks for its statements when
 * the analyst wants them, and records what came back for the panels. The
 * documentation's introspection is cleaned of the subgraph's machinery and
 * never counted as a run.
 */
/** Whether the operation to run is a subscription (a document that does not parse goes to the registry, which says why). */
function isSubscription(query: string, operationName?: string | null): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/** The endpoint's WebSocket address: subscriptions are served over graphql-ws at the same path. */
export function subscriptionUrl(endpoint: string, page: string): string {
  const url = new URL(endpoint, page);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function registryFetcher(endpoint: string, runs: RunStore): GraphiQLProps['fetcher'] {
  // One WebSocket per key given under Headers: a new key opens a new connection, as it must be sent in connection_init.
  let live: { client: Client; authorization: string | undefined } | undefined;
  return async (params, options) => {
    if (isSubscription(params.query, params.operationName)) {
      // Each event appears in the results as it comes; GraphiQL's stop button ends the subscription.
      const headers = (options?.headers ?? {}) as Record<string, string>;
      const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
      if (!live || live.authorization !== authorization) {
        void live?.client.dispose();
        const client = createClient({ url: subscriptionUrl(endpoint, window.location.href), lazy: true, connectionParams: authorization ? { authorization } : {} });
        live = { client, authorization };
      }
      return live.client.iterate({ query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined });
    }
    const introspection = params.operationName === 'IntrospectionQuery';
    const explainAsked = !introspection && runs.explainWanted();
    const started = performance.now();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { accept: 'application/json', ...(options?.headers as Record<string, string> | undefined), 'content-type': 'application/json', ...(explainAsked ? { [EXPLAIN_HEADER]: '1' } : {}) },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { errors: [{ message: `The registry answered HTTP ${response.status} without JSON` }] };
    }
    if (introspection) return cleanIntrospection(body);
    runs.record({ operationName: params.operationName ?? undefined, status: response.status, bytes: new TextEncoder().encode(text).length, ms, body, explainAsked });
    return body;
  };
}
