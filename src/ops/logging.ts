import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

/** JSON lines on standard output; REGISTRY_LOG_LEVEL=silent quiets them (tests). */
export function createLogger(level = process.env.REGISTRY_LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { service: 'program-registry' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** An incoming request id is kept when it looks like one; otherwise a new one is made. */
export function requestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && /^[A-Za-z0-9._:-]{1,100}$/.test(value) ? value : randomUUID();
}
