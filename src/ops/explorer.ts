import fs from 'node:fs';
import path from 'node:path';
import type { renderGraphiQL as RenderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Database } from '../db/database';
import { toGlobalId } from '../graphql/ids';
import { PROJECT_ROOT } from '../paths';

const OPERATIONS = path.join(PROJECT_ROOT, 'schema', 'operations');

/** Variables the example operations need, pointing at the founding document's records. */
export async function exampleVariables(db: Database): Promise<Record<string, unknown>> {
  const [internship] = await db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`);
  const id = internship ? toGlobalId('Internship', Number(internship.id)) : undefined;
  return { slug: 'baku-internship-2021', code: 'CIS', query: 'Baku', id, ids: id ? [id] : [], lang: 'EN', first: 10 };
}

/**
 * The explorer page: GraphiQL with everything inlined (no script, style or
 * font from elsewhere), one tab per file of example operations. Built on first
 * use, so starting the server stays quick; GraphiQL's package (about 60 MB
 * resident once loaded) is only loaded then, so a server no analyst opens
 * never holds it.
 */
export function createExplorer(db: Database, endpoint = '/graphql'): () => Promise<string> {
  let page: Promise<string> | undefined;
  return () =>
    (page ??= exampleVariables(db).then(async (variables) => {
      const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
      const files = fs.existsSync(OPERATIONS) ? fs.readdirSync(OPERATIONS).filter((f) => f.endsWith('.graphql')).sort() : [];
      // The internship page first: it is what a new analyst asks about.
      files.sort((a, b) => Number(b === 'internship.graphql') - Number(a === 'internship.graphql'));
      return renderGraphiQL({
        title: 'Program Registry explorer',
        endpoint,
        defaultTabs: files.map((file) => ({ query: fs.readFileSync(path.join(OPERATIONS, file), 'utf8'), variables: JSON.stringify(variables, null, 2) })),
        // The tabs' own variables are not applied by this GraphiQL build; these fill the variables editor of every tab.
        variables: JSON.stringify(variables, null, 2),
      } as Parameters<typeof RenderGraphiQL>[0]);
    }));
}

/** A browser asking for a page, not a GraphQL client asking for JSON. */
export function wantsExplorer(method: string | undefined, accept: string | undefined, search: string): boolean {
  return method === 'GET' && !new URLSearchParams(search).has('query') && /text\/html/.test(accept ?? '');
}
