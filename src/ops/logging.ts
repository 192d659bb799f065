import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

/**
 * An error as logged: never the values a failed statement was given (TypeORM
 * and the drivers attach them as `parameters`, PostgreSQL repeats them in
 * `detail`), since they are request input.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  const { parameters: _parameters, detail: _detail, driverError, ...rest } = serialized;
  if (driverError && typeof driverError === 'object') {
    const { parameters: _p, detail: _d, ...driver } = driverError as Record<string, unknown>;
    return { ...rest, driverError: driver };
  }
  return rest;
}

/** JSON lines on standard output; REGISTRY_LOG_LEVEL=silent quiets them (tests). */
export function createLogger(level = process.env.REGISTRY_LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { service: 'program-registry' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } });
}

/** An incoming request id is kept when it looks like one; otherwise a new one is made. */
export function requestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && /^[A-Za-z0-9._:-]{1,100}$/.test(value) ? value : randomUUID();
}
