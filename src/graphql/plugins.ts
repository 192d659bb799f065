import type { ApolloServerPlugin } from '@apollo/server';
import type { RegistryContext } from './context';

/** With explain on, each response carries the SQL its request ran, in order. */
export function explainPlugin(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !contextValue.statements) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, explain: { sql: [...contextValue.statements] } };
        },
      };
    },
  };
}
