import { type RegistryContext } from '../engine';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** With explain on (for the server or the request), the response carries the SQL its request ran, in order, each statement's milliseconds, which executor answered, and how many objects the database rendered whole. */
export function explainPlugin(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !contextValue.statements) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, explain: { sql: [...contextValue.statements.sql], ms: [...contextValue.statements.ms], executor: contextValue.executor ?? 'plain', rendered: contextValue.rendered ?? 0 } };
        },
      };
    },
  };
}

/** With REGISTRY_PUBLIC_READ=false, reading needs a valid key too (any role). */
export function privateReadPlugin(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (operation?.operation !== 'query' || contextValue.caller) return;
          throw new GraphQLError(contextValue.caller === null ? 'The API key is unknown or revoked' : 'Reading this registry needs an API key: send `Authorization: Bearer <key>`', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        },
      };
    },
  };
}
