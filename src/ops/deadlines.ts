/**
 * How long the registry waits on anything outside its process, and on
 * clients: every call out has a deadline, so a hung dependency or a slow
 * client costs a coded error or a closed connection, never a hang.
 */
export interface Deadlines {
  /** Opening a PostgreSQL connection, and waiting for a free one in the pool. */
  dbConnectMs: number;
  /** One SQL statement: PostgreSQL's `statement_timeout`, and the driver's own read deadline for a server that does not answer at all. */
  dbStatementMs: number;
  /** `/readyz` answers within this, whatever the database does. */
  readinessMs: number;
  /** One Redis command; past it the lookup is a miss. */
  redisCommandMs: number;
  /** A client's request headers must arrive within this. */
  headersMs: number;
  /** The whole request, headers and body, must arrive within this (a trickled body is cut). */
  requestMs: number;
}

export const DEFAULT_DEADLINES: Deadlines = {
  dbConnectMs: 5_000,
  dbStatementMs: 10_000,
  readinessMs: 2_000,
  redisCommandMs: 500,
  headersMs: 10_000,
  requestMs: 15_000,
};

export const DEADLINE_VARIABLES: Record<keyof Deadlines, string> = {
  dbConnectMs: 'REGISTRY_DB_CONNECT_TIMEOUT_MS',
  dbStatementMs: 'REGISTRY_DB_STATEMENT_TIMEOUT_MS',
  readinessMs: 'REGISTRY_READY_TIMEOUT_MS',
  redisCommandMs: 'REGISTRY_REDIS_TIMEOUT_MS',
  headersMs: 'REGISTRY_HEADERS_TIMEOUT_MS',
  requestMs: 'REGISTRY_REQUEST_TIMEOUT_MS',
};

/** Deadlines from the environment; each must be a whole number of milliseconds of at least 1. */
export function deadlinesFromEnv(env: NodeJS.ProcessEnv, fail: (message: string) => never): Deadlines {
  const deadlines = { ...DEFAULT_DEADLINES };
  for (const [key, name] of Object.entries(DEADLINE_VARIABLES) as Array<[keyof Deadlines, string]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) fail(`${name} must be a whole number of milliseconds of at least 1, got "${raw}"`);
    deadlines[key] = Number(raw);
  }
  // Node refuses a header deadline longer than the whole request's.
  if (deadlines.headersMs > deadlines.requestMs) {
    fail(`${DEADLINE_VARIABLES.headersMs} (${deadlines.headersMs}) may not exceed ${DEADLINE_VARIABLES.requestMs} (${deadlines.requestMs})`);
  }
  return deadlines;
}

/** Resolves with `work`'s value, or with `late()`'s once `ms` have passed; the timer never keeps the process alive. */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
