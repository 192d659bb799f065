// A client of the registry in a few lines: @urql/core, with the operation typed by graphql-codegen's client preset
// (`npm run codegen` writes ./gql from this file; the README's "For client developers" says how in your project).
// Run it: npx ts-node -T examples/client/archived-forums.ts http://localhost:4000/graphql
import { Client, fetchExchange } from '@urql/core';
import { graphql } from './gql';

const ArchivedForums = graphql(`
  query ArchivedForums($first: Int!, $lang: Language) {
    forums(first: $first, filter: { status: [ARCHIVED] }) {
      totalCount
      nodes {
        slug
        title(lang: $lang)
        year
        startsOn
        internships(first: 5) {
          nodes { slug startsOn endsOn participantCount }
        }
      }
    }
  }
`);

/** The first archived forums with their internships; `startsOn` and `endsOn` are `Date` scalars, typed as strings (YYYY-MM-DD). */
export async function archivedForums(url: string, first = 10) {
  const client = new Client({
    url,
    exchanges: [fetchExchange],
    // POST with a JSON body passes the registry's CSRF prevention; a GET would need the `apollo-require-preflight` header.
    preferGetMethod: false,
    // Every call out of a process has a deadline.
    fetchOptions: () => ({ signal: AbortSignal.timeout(10_000) }),
  });
  const { data, error } = await client.query(ArchivedForums, { first, lang: 'EN' }).toPromise();
  if (error) throw error;
  return data!.forums;
}

if (require.main === module) {
  archivedForums(process.argv[2] ?? 'http://localhost:4000/graphql').then(
    (forums) => {
      console.log(`${forums.totalCount} archived forum(s)`);
      for (const forum of forums.nodes) {
        const days: Array<string | null> = forum.internships.nodes.flatMap((i) => [i.startsOn, i.endsOn]);
        console.log(`${forum.slug} (${forum.year ?? 'no year'}): ${forum.title}; internships ${forum.internships.nodes.map((i) => i.slug).join(', ')} on ${days.join(' to ')}`);
      }
    },
    (error: Error) => {
      console.error(`archived-forums: ${error.message}`);
      process.exit(1);
    },
  );
}
