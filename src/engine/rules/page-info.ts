import type { Dialect } from '../../db/database';

/**
 * A page's place in its list, in JavaScript and in SQL side by side
 * (tests/rules.test.ts holds them equal on both databases). A page is read
 * with one row more than its size: that row only tells whether more follow.
 */

/** What a page asked for, as far as its place in the list goes. */
export interface PageShape {
  size: number;
  backward: boolean;
  after?: unknown;
  before?: unknown;
}

/** `hasNextPage` and `hasPreviousPage` of a page whose query returned `fetched` rows (at most size + 1). */
export function pageFlags(fetched: number, page: PageShape): { hasNextPage: boolean; hasPreviousPage: boolean } {
  const more = fetched > page.size;
  return {
    hasNextPage: page.backward ? page.before != null : more,
    hasPreviousPage: page.backward ? more : page.after != null,
  };
}

const JSON_BOOLEAN: Record<Dialect, { true: string; false: string }> = {
  sqlite: { true: "json('true')", false: "json('false')" },
  postgres: { true: 'true', false: 'false' },
};

/**
 * The same flags in SQL, as JSON booleans, for a page read forwards
 * (`fetched` is the SQL count of its rows, read with one more than `size`,
 * itself SQL): the only pages the renderer writes.
 */
export function pageFlagsSql(dialect: Dialect, fetched: string, size: string, page: PageShape): { hasNextPage: string; hasPreviousPage: string } {
  if (page.backward) throw new Error('pages read backwards are not rendered');
  const { true: yes, false: no } = JSON_BOOLEAN[dialect];
  return {
    hasNextPage: `CASE WHEN ${fetched} > ${size} THEN ${yes} ELSE ${no} END`,
    hasPreviousPage: page.after != null ? yes : no,
  };
}
