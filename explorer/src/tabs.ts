/**
 * What the editors show when the page opens. GraphiQL 5 opens its editors
 * with the `initialQuery`/`initialVariables` props (or its stored query and
 * variables), not with the active tab's own: without these, the first
 * example tab opens with empty variables. Given the active tab's contents,
 * GraphiQL also finds that tab again in its stored tabs after a reload.
 */
export interface TabContents {
  query: string;
  variables: string;
}

/** The active tab's query and variables: from GraphiQL's stored tabs (`graphiql:tabState`), else the first example tab. */
export function initialEditors(stored: string | null, examples: readonly TabContents[]): TabContents {
  try {
    const state = JSON.parse(stored ?? '') as { activeTabIndex?: unknown; tabs?: Array<{ query?: unknown; variables?: unknown }> };
    const tab = typeof state.activeTabIndex === 'number' ? state.tabs?.[state.activeTabIndex] : undefined;
    if (tab && (typeof tab.query === 'string' || tab.query === null)) return { query: (tab.query as string | null) ?? '', variables: typeof tab.variables === 'string' ? tab.variables : '' };
  } catch {
    // Nothing stored yet, or not GraphiQL's: the examples open.
  }
  return { query: examples[0]?.query ?? '', variables: examples[0]?.variables ?? '' };
}

export const TABS_KEY = 'graphiql:tabState';
