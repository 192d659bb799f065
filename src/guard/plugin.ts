import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { GuardLimits } from './limits';
import { checkDocumentShape, LimitPassed, operationCost } from './rules';

/** As many variable errors as graphql-js's own execution reports before it stops. */
export const MAX_VARIABLE_ERRORS = 50;

/**
 * Refuses, before any resolver runs, an operation whose cost with its
 * variables exceeds the limit, and a document whose shape passes a limit when
 * it reached Apollo without the HTTP guard's reading (a persisted query sent
 * by hash). Shapes are remembered per parsed document, which Apollo keeps per
 * query text.
 */
export function costLimitPlugin<T extends object>(limits: GuardLimits, onRefusal: (reason: string) => void = () => {}): ApolloServerPlugin<T> {
  const shapes = new WeakMap<DocumentNode, LimitPassed | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          let shape = shapes.get(document);
          if (shape === undefined) {
            try {
              checkDocumentShape(schema, document, limits);
              shape = null;
            } catch (error) {
              if (!(error instanceof LimitPassed)) throw error;
              shape = error;
            }
            shapes.set(document, shape);
          }
          if (shape) {
            onRefusal(shape.limit);
            throw shape.toGraphQLError();
          }
          // Sizes may come from variables or their defaults ($first: Int = 5), so cost is computed on the coerced values.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
          try {
            operationCost(schema, document, operation, coerced.coerced ?? request.variables ?? {}, limits.maxCost);
          } catch (error) {
            if (!(error instanceof LimitPassed)) throw error;
            onRefusal('cost');
            throw error.toGraphQLError('QUERY_TOO_COSTLY');
          }
        },
      };
    },
  };
}
