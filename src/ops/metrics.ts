import { onLoaderBatch } from '../engine';
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DependencyCounters } from './dependency';
import { buildInfo } from './build-info';

/** Prometheus metrics of one process: requests and latency per operation, errors by code, loader batch sizes, the health of Redis and the database. */
export class Metrics implements DependencyCounters {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'registry_graphql_requests_total', help: 'GraphQL operations answered, by operation name.', labelNames: ['operation'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'registry_graphql_duration_seconds',
    help: 'Time to answer a GraphQL operation, by operation name.',
    labelNames: ['operation'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly executors = new Counter({
    name: 'registry_graphql_executor_total',
    help: 'GraphQL operations answered, by executor: the fast path or graphql-js (plain).',
    labelNames: ['executor'],
    registers: [this.registry],
  });
  private readonly fallbacks = new Counter({
    name: 'registry_fast_path_fallbacks_total',
    help: 'Operations the fast path left to graphql-js, by reason (field: a field it does not serve; arguments: refused before reading; error: met while executing; mutation, introspection) and detail (the field, or the error code).',
    labelNames: ['reason', 'detail'],
    registers: [this.registry],
  });
  private readonly declines = new Counter({
    name: 'registry_render_declined_total',
    help: 'Batches of objects the database did not render whole (the fast path built them), by reason (no-sql, nothing-below, cursor, abstract, cache-hint, arguments, ...) and detail (the type or field).',
    labelNames: ['reason', 'detail'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({ name: 'registry_graphql_errors_total', help: 'Errors in GraphQL responses, by code.', labelNames: ['code'], registers: [this.registry] });
  private readonly refusals = new Counter({
    name: 'registry_guard_refusals_total',
    help: 'Requests the guard refused before any resolver ran, by the limit they passed (depth, fields, aliases, rootFields, directives, directive, cost, variables, text).',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  private readonly batches = new Histogram({
    name: 'registry_loader_batch_size',
    help: 'Keys per loader batch (one statement each), by loader kind and table.',
    labelNames: ['loader', 'table'],
    buckets: [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 5000],
    registers: [this.registry],
  });

  private readonly dependencyUp = new Gauge({
    name: 'registry_dependency_up',
    help: 'Whether a dependency (redis, database) answers: 1, or 0 during an outage.',
    labelNames: ['dependency'],
    registers: [this.registry],
  });
  private readonly dependencyErrors = new Counter({
    name: 'registry_dependency_errors_total',
    help: 'Calls to a dependency that failed or passed their deadline, by dependency and operation.',
    labelNames: ['dependency', 'operation'],
    registers: [this.registry],
  });
  private readonly dependencyOutages = new Counter({
    name: 'registry_dependency_outages_total',
    help: 'Outages of a dependency: each begins with a failure after it answered, and is logged once.',
    labelNames: ['dependency'],
    registers: [this.registry],
  });
  private readonly dependencySkipped = new Counter({
    name: 'registry_dependency_skipped_total',
    help: 'Calls not made to a dependency during its outage (for Redis: cache lookups answered as misses).',
    labelNames: ['dependency'],
    registers: [this.registry],
  });

  private readonly feeds = new Counter({
    name: 'registry_feed_requests_total',
    help: 'Calendar and JSON feed requests answered, by feed and HTTP status (304: the client had it already).',
    labelNames: ['feed', 'status'],
    registers: [this.registry],
  });

  /** Counts one answered feed request. */
  readonly fed = (feed: string, status: number): void => {
    this.feeds.inc({ feed, status: String(status) });
  };

  error(dependency: string, operation: string): void {
    this.dependencyErrors.inc({ dependency, operation });
  }
  outage(dependency: string): void {
    this.dependencyOutages.inc({ dependency });
  }
  up(dependency: string, up: boolean): void {
    this.dependencyUp.set({ dependency }, up ? 1 : 0);
  }
  skipped(dependency: string): void {
    this.dependencySkipped.inc({ dependency });
  }

  /** A gauge read when scraped, e.g. the entries of the in-process response cache. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const build = buildInfo();
    // Always 1: its labels say what runs, so dashboards can tell replicas and releases apart.
    new Gauge({ name: 'registry_build_info', help: 'The running registry: version, git commit and Node.js version.', labelNames: ['version', 'commit', 'node'], registers: [this.registry] })
      .set({ version: build.version, commit: build.commit, node: build.node }, 1);
    this.stopObserving = onLoaderBatch((loader, table, size) => this.batches.observe({ loader, table }, size));
  }

  private readonly stopObserving: () => void;

  /** Stops counting this process's loader batches (the server is closing). */
  close(): void {
    this.stopObserving();
  }

  /** Counts an operation the fast path left to graphql-js. */
  readonly fellBack = (reason: string, detail: string): void => {
    this.fallbacks.inc({ reason, detail });
  };

  /** Counts a batch of objects the database did not render whole. */
  readonly declined = (reason: string, detail: string): void => {
    this.declines.inc({ reason, detail });
  };

  /** Counts one request the guard refused, by the limit it passed. */
  readonly refused = (limit: string): void => {
    this.refusals.inc({ limit });
  };

  /** Counts each operation when its response is sent; anonymous ones as "anonymous". */
  plugin<T extends object>(): ApolloServerPlugin<T> {
    const metrics = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        return {
          async willSendResponse({ operationName, response, contextValue }) {
            const operation = operationName ?? 'anonymous';
            metrics.requests.inc({ operation });
            metrics.executors.inc({ executor: (contextValue as { executor?: string }).executor ?? 'plain' });
            metrics.duration.observe({ operation }, Number(process.hrtime.bigint() - started) / 1e9);
            if (response.body.kind === 'single') {
              for (const error of response.body.singleResult.errors ?? []) metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
            }
          },
        };
      },
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
