import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { UnstorableValueError } from '../db/database';

/**
 * The code of an error that is the client's mistake although nothing gave it
 * one: Apollo's own refusals of a request (an HTTP status of 4xx and no
 * code), graphql-js's cap on variable errors, a text no database can store.
 */
function clientCode(error: unknown): string | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof UnstorableValueError) return 'BAD_USER_INPUT';
  if (!(original instanceof GraphQLError)) return undefined;
  if (original.message.startsWith('Too many errors processing variables')) return 'BAD_USER_INPUT';
  // graphql-js coerces arguments as each field runs: a null where a value is required is the client's.
  if (!original.originalError && /^Argument "\w+" (of non-null type|of required type|has invalid value)/.test(original.message)) return 'BAD_USER_INPUT';
  const status = (original.extensions.http as { status?: number } | undefined)?.status;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (/sha does not match/i.test(original.message)) return 'PERSISTED_QUERY_HASH_MISMATCH';
  if (/persisted query version/i.test(original.message)) return 'PERSISTED_QUERY_VERSION_UNSUPPORTED';
  return 'BAD_REQUEST';
}

/**
 * Errors the user did not cause are reported without their message, stack
 * or SQL; the original goes to the server's log, without the statement's
 * parameters (see the logger's serializers).
 */
export function errorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== 'INTERNAL_SERVER_ERROR') {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const mistake = clientCode(error);
    if (mistake) return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: mistake } };
    logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'resolver failed');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code } };
  };
}
