import type { Caller } from '../auth/keys';
import type { StatementLog } from '../db/explain';

/** The request header that asks for `extensions.explain` on one request. */
export const EXPLAIN_HEADER = 'x-registry-explain';

export type ExplainDecision = { record: boolean } | { refuse: { status: number; code: string; message: string } };

/**
 * Whether a request's statements are recorded and sent back. The whole server
 * may explain every request (REGISTRY_EXPLAIN=1); otherwise a request asks
 * with `x-registry-explain: 1`, which any caller may in development and only
 * a caller with a valid API key may in production (NODE_ENV=production): the
 * statements show the schema's tables and how they are read. An anonymous ask
 * in production is refused, not ignored, so a caller never mistakes a missing
 * explain for a query that ran no statement.
 */
export function explainFor(settings: { explain: boolean; production: boolean }, header: string | null | undefined, caller: Caller | null | undefined): ExplainDecision {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || /^(0|false|off|no)$/.test(value)) return { record: settings.explain };
  if (!/^(1|true|on|yes)$/.test(value)) {
    return { refuse: { status: 400, code: 'BAD_REQUEST', message: `The ${EXPLAIN_HEADER} header must be 1 (explain this request) or 0, got "${value.slice(0, 20)}"` } };
  }
  if (settings.explain || !settings.production || caller) return { record: true };
  return {
    refuse: {
      status: 401,
      code: 'UNAUTHENTICATED',
      message:
        caller === null
          ? `The API key is unknown or revoked; in production ${EXPLAIN_HEADER} needs a valid key`
          : `In production, ${EXPLAIN_HEADER} needs an API key: send \`Authorization: Bearer <key>\` or leave the header out`,
    },
  };
}

/** Response cache options: an explained request runs and shows its real statements, and its answer is not stored. */
export const explainedRunsUncached = {
  shouldReadFromCache: async ({ contextValue }: { contextValue: { statements?: StatementLog } }) => !contextValue.statements,
  shouldWriteToCache: async ({ contextValue }: { contextValue: { statements?: StatementLog } }) => !contextValue.statements,
};
