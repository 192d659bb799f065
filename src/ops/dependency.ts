import type { Logger } from 'pino';

/** What a dependency's episodes are counted into (src/ops/metrics.ts). */
export interface DependencyCounters {
  error(dependency: string, operation: string): void;
  outage(dependency: string): void;
  up(dependency: string, up: boolean): void;
  skipped(dependency: string): void;
}

/**
 * The health of one thing the registry calls out to (Redis, the database),
 * as episodes: every failure is counted, but only the first of an outage is
 * logged, and its end once, with how long it lasted and how many calls
 * failed. Logs stay readable through an outage of any length.
 */
export class Dependency {
  private downSince: number | undefined;
  private failures = 0;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
    private readonly counters: DependencyCounters,
    /** What the registry does without it, for the log line. */
    private readonly meanwhile: string,
  ) {
    counters.up(name, true);
  }

  get up(): boolean {
    return this.downSince === undefined;
  }

  failed(operation: string, error: unknown): void {
    this.counters.error(this.name, operation);
    this.failures++;
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.failures = 1;
    this.counters.outage(this.name);
    this.counters.up(this.name, false);
    this.logger.warn({ dependency: this.name, operation, error: describe(error) }, `${this.name} unavailable: ${this.meanwhile}`);
  }

  recovered(): void {
    if (this.downSince === undefined) return;
    const downMs = Date.now() - this.downSince;
    this.downSince = undefined;
    this.counters.up(this.name, true);
    this.logger.info({ dependency: this.name, downMs, failures: this.failures }, `${this.name} available again`);
  }

  /** A call not made because the dependency is down (answered as if it had missed). */
  skipped(): void {
    this.counters.skipped(this.name);
  }
}

/** An error in a word or two for the log: its code and message, never a stack or SQL. */
export function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  const cause = e?.cause as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } } | undefined;
  const inner = cause?.driverError ?? cause ?? e;
  const code = typeof inner?.code === 'string' ? `${inner.code}: ` : '';
  const message = typeof inner?.message === 'string' ? inner.message : String(error);
  return `${code}${message}`.slice(0, 200);
}
