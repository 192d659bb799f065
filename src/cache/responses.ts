import { unavailableResponse, type RegistryContext } from '../engine';
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { isUnavailable } from '../db/unavailable';
import { explainedRunsUncached } from '../graphql/explain-request';

/**
 * Apollo's response cache, keyed by the write generation the request reads
 * from the database and by the languages asked for. The generation leads
 * the key (`g<generation>:<hash>`), so a store can tell retired answers
 * without reading them (the in-process store drops them at once).
 */
export function responseCache(store: KeyValueCache<string>): ApolloServerPlugin<RegistryContext> {
  return responseCachePlugin<RegistryContext>({
    cache: store,
    ...explainedRunsUncached,
    // Already read by the generation gate, which answers for a database that does not.
    extraCacheKeyData: async ({ contextValue }) => ({ languages: contextValue.languages, generation: await contextValue.generation!() }),
    generateCacheKey: (_, keyData) => {
      const { extra, ...rest } = keyData as { extra: { languages: string[]; generation: string } };
      const hash = createHash('sha256').update(JSON.stringify({ ...rest, languages: extra.languages })).digest('hex');
      return `g${extra.generation}:${hash}`;
    },
  });
}

/** Reads the request's write generation before any cached answer is looked up; a database that does not answer ends the request here, once. */
export function generationGate(): ApolloServerPlugin<RegistryContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, contextValue }) {
          if (operation?.operation !== 'query' || !contextValue.generation) return null;
          try {
            await contextValue.generation();
            return null;
          } catch (error) {
            if (isUnavailable(error)) return unavailableResponse(error);
            throw error;
          }
        },
      };
    },
  };
}
