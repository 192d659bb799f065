import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/** The log formats REGISTRY_LOG_FORMAT takes: JSON lines for collectors, or readable lines for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * JSON lines on standard output; REGISTRY_LOG_LEVEL=silent quiets them
 * (tests). REGISTRY_LOG_FORMAT=pretty writes them readable for a terminal
 * (pino-pretty, in this thread: colours on a TTY, the same fields).
 */
export function createLogger(level = process.env.REGISTRY_LOG_LEVEL || 'info', format = process.env.REGISTRY_LOG_FORMAT || 'json'): Logger {
  const options = { level, base: { service: 'program-registry' }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { err: serializeError } };
  if (format !== 'pretty') return pino(options);
  return pino(
    options,
    pretty({
      colorize: Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      singleLine: true,
      sync: true,
      // A request reads `POST /graphql 200 Dashboard 12.3 ms`, its id after it.
      ignore: 'pid,hostname,service,method,status,operation,ms',
      messageFormat: (log, key) =>
        log[key] === 'request' ? `${log.method} ${log.path} ${log.status}${log.operation ? ` ${log.operation}` : ''} ${Number(log.ms).toFixed(1)} ms` : String(log[key]),
    }),
  );
}

/** An incoming request id is kept when it looks like one; otherwise a new one is made. */
export function requestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && /^[A-Za-z0-9._:-]{1,100}$/.test(value) ? value : randomUUID();
}
