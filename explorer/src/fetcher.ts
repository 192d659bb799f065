import type { GraphiQLProps } from 'graphiql';
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
export function registryFetcher(endpoint: string, runs: RunStore): GraphiQLProps['fetcher'] {
  return async (params, options) => {
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
