import { type RegistryContext } from '../engine';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { GuardLimits } from './limits';
import { checkDocumentShape, LimitPassed, operationCost } from './rules';

/**
 * Variable errors reported for one request. graphql-js builds each with a
 * stack trace and a rendering of the value (about 0.3 ms each here), and
 * would report 50 of them three times over (the guard, the fast path, the
 * execution): 60 bad variables cost 67 ms a request.
 */
export const MAX_VARIABLE_ERRORS = 10;

/**
 * Before any resolver runs: variables are coerced once (the coerced values go
 * to the fast path in the context) and refused with one BAD_USER_INPUT
 * listing the first few problems; with the guard on, a document that reached
 * Apollo without the HTTP guard's reading (a persisted query sent by hash)
 * is checked for shape, and every operation for cost. Shapes are remembered
 * per parsed document, which Apollo keeps per query text.
 */
export function operationGuardPlugin(limits: GuardLimits | undefined, onRefusal: (reason: string) => void = () => {}): ApolloServerPlugin<RegistryContext> {
  const shapes = new WeakMap<DocumentNode, LimitPassed | null>();
  /** Costs of operations that declare no variables: the same for every request of their document. */
  const constantCosts = new WeakMap<OperationDefinitionNode, LimitPassed | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          if (limits) {
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
          }
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
          if (coerced.errors) {
            onRefusal('variables');
            const [first] = coerced.errors;
            throw new GraphQLError(first.message, {
              nodes: first.nodes,
              extensions: { code: 'BAD_USER_INPUT', variableErrors: coerced.errors.map((e) => e.message), http: { status: 400 } },
            });
          }
          contextValue.variables = coerced.coerced;
          if (!limits) return;
          // Sizes may come from variables or their defaults ($first: Int = 5), so cost is computed on the coerced values.
          const constant = !operation.variableDefinitions?.length;
          let passed = constant ? constantCosts.get(operation) : undefined;
          if (passed === undefined) {
            try {
              operationCost(schema, document, operation, coerced.coerced, limits.maxCost);
              passed = null;
            } catch (error) {
              if (!(error instanceof LimitPassed)) throw error;
              passed = error;
            }
            if (constant) constantCosts.set(operation, passed);
          }
          if (passed) {
            onRefusal('cost');
            throw passed.toGraphQLError('QUERY_TOO_COSTLY');
          }
        },
      };
    },
  };
}
