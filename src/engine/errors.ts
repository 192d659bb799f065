import { HeaderMap, type GraphQLResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { DatabaseUnavailable, UNAVAILABLE_MESSAGE } from '../db/unavailable';

/** A mistake in the request: reported with a code and the path of the bad argument. */
export function badUserInput(message: string, argumentPath: Array<string | number>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', argumentPath },
  });
}

/**
 * The response for an operation that a silent database stopped: answered by
 * a plugin (rather than thrown from its hook, which Apollo would mask as a
 * 500), so the request is counted and logged like any other.
 */
export function unavailableResponse(error: unknown): GraphQLResponse {
  const { code, http } = (error instanceof DatabaseUnavailable ? error : new DatabaseUnavailable(error)).extensions;
  return {
    body: { kind: 'single', singleResult: { errors: [{ message: UNAVAILABLE_MESSAGE, extensions: { code } }] } },
    http: { status: http.status, headers: new HeaderMap([...http.headers]) },
  };
}
