import { GraphQLError } from 'graphql';

/** A mistake in the request: reported with a code and the path of the bad argument. */
export function badUserInput(message: string, argumentPath: Array<string | number>): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', argumentPath },
  });
}
