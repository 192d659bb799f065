/**
 * The database did not answer: refused, cut off, or silent past a deadline.
 * It reaches clients as SERVICE_UNAVAILABLE with HTTP 503 and Retry-After,
 * never as an internal error, and never with the driver's message or SQL.
 */
export class DatabaseUnavailable extends Error {
  /** Read by graphql-js and Apollo: the error's code and HTTP status. */
  readonly extensions = { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) } };

  constructor(readonly cause: unknown) {
    super(UNAVAILABLE_MESSAGE);
    this.name = 'DatabaseUnavailable';
  }
}

export const UNAVAILABLE_MESSAGE = 'The database is not answering; try again shortly';
export const RETRY_AFTER_SECONDS = 5;

// Connection exceptions (08), operator intervention (57: statement_timeout's cancel, shutdowns), too many connections.
const PG_UNAVAILABLE = /^(08...|57014|57P0[1-4]|53300)$/;
const NODE_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY']);
// pg and pg-pool report their own deadlines and lost connections only in words.
const MESSAGES = /Query read timeout|timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Connection ended|not queryable/i;

/** Whether an error means the database could not be reached in time, rather than a fault of the statement. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  const e = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } } | null;
  if (!e || typeof e !== 'object') return false;
  for (const candidate of [e, e.driverError]) {
    if (!candidate) continue;
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (PG_UNAVAILABLE.test(code) || NODE_UNAVAILABLE.has(code)) return true;
    if (typeof candidate.message === 'string' && MESSAGES.test(candidate.message)) return true;
  }
  return false;
}
