import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { GuardLimits } from './limits';
import { operationCost } from './rules';

/** Refuses an operation whose cost, with its variables, exceeds the limit, before any resolver runs. */
export function costLimitPlugin<T extends object>(limits: GuardLimits): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          // Sizes may come from variables or their defaults ($first: Int = 5), so cost is computed on the coerced values.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          const cost = operationCost(schema, document, operation, coerced.coerced ?? request.variables ?? {});
          if (cost > limits.maxCost) {
            throw new GraphQLError(`The query could return about ${cost} items; at most ${limits.maxCost} are allowed. Ask for smaller pages (first/last).`, {
              extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost: limits.maxCost, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
