import { CacheLikeParent, countRows, fetchPage, ForwardPageArgs, Language, PageInfo, pageRequest, toConnection, type Ordering, type RegistryContext, type Source } from '../engine';
import { Args, ArgsType, Ctx, Field, Float, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import type { Table } from '../db/table';
import { Node } from '../graphql/node';
import { organizationById } from '../organizations/loaders';
import type { Organization } from '../organizations/organization';
import { ProgramFilter, programConditions } from '../programs/filter';
import { callOfProgram } from '../calls/loaders';
import { programById } from '../programs/loaders';
import type { Program } from '../programs/program';
import { regionById } from '../regions/loaders';
import type { Region } from '../regions/region';
import { sessionById } from '../sessions/loaders';
import type { Session } from '../sessions/session';
import { DocumentKind } from './documents';
import { searchEngine } from './engine';
import { queryWords } from './query';
import { matchField, type SearchableField } from './snippet';

export enum SearchField {
  TITLE = 'TITLE',
  NAME = 'NAME',
  TRAINING_PROGRAM = 'TRAINING_PROGRAM',
  DESCRIPTION = 'DESCRIPTION',
  SERIES = 'SERIES',
  CODE = 'CODE',
  CALL = 'CALL',
}
registerEnumType(SearchField, {
  name: 'SearchField',
  description: 'The field of a search hit that matched the query best.',
  valuesConfig: {
    TITLE: { description: "A program's or session's title." },
    NAME: { description: "An organization's or region's name." },
    TRAINING_PROGRAM: { description: "An internship's training programme." },
    DESCRIPTION: { description: "A program's description." },
    SERIES: { description: "A forum's series." },
    CODE: { description: "A region's code." },
    CALL: { description: "A programme's call for applications: its notes on costs." },
  },
});

@CacheLikeParent()
@ObjectType('SearchEdge', { simpleResolvers: true, description: 'One search hit in a page: the record, how relevant it is, and where it matched.' })
export class SearchEdge {
  @Field(() => String, { description: 'Opaque position of this hit; pass it as `after`.' })
  cursor: string;

  @Field(() => Node, { description: 'The record found: a Forum, Internship, Session, Organization or Region.' })
  node: Node;

  @Field(() => Float, { description: "How well the record matches, higher is better; comparable only within one search's hits." })
  relevance: number;

  @Field(() => SearchField, { description: 'The field where the query matched best.' })
  matchedField: SearchField;

  @Field(() => String, {
    description:
      'Up to 16 words of the matched field around the first match, in the language asked for when that text matches (the `lang` argument, then `Accept-Language`, then English, then Russian), HTML-escaped, each matching word in `<mark>…</mark>` and `…` where the text was cut.',
  })
  snippet: string;
}

@CacheLikeParent()
@ObjectType('SearchConnection', { simpleResolvers: true, description: 'A page of search hits, most relevant first (Relay cursor connection).' })
export class SearchConnection {
  @Field(() => [SearchEdge], { description: 'The hits of this page with their cursors, relevance and snippets.' })
  edges: SearchEdge[];

  @Field(() => [Node], { description: 'The records of this page, without cursors.' })
  nodes: Node[];

  @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
  pageInfo: PageInfo;

  @Field(() => Int, { description: 'How many records match, across all pages.' })
  totalCount: () => Promise<number>;
}

@ArgsType()
class SearchArgs extends ForwardPageArgs {
  @Field(() => String, {
    description:
      'Words to look for, in any language the registry holds: every word must start a word of the record (so "intern" finds "internship"), ignoring case and diacritics ("е" finds "ё"). Anything but letters and digits only separates words; an empty query is an error.',
  })
  query: string;

  @Field(() => Language, { nullable: true, description: 'Language of the snippets; without it `Accept-Language`, then English, then Russian. Matching covers every language.' })
  lang?: Language | null;

  @Field(() => ProgramFilter, { nullable: true, description: 'Only programs that also pass this filter (no sessions, organizations or regions).' })
  filter?: ProgramFilter | null;
}

interface Hit {
  pk: number;
  kind: number;
  ref: number;
  score: number;
}

const hitTable: Table<Hit> = {
  name: 'search hits',
  select: (a) => `${a}.doc AS "pk", ${a}.kind AS "kind", ${a}.ref AS "ref", ${a}.score AS "score"`,
  decode: (raw) => ({ pk: Number(raw.pk), kind: Number(raw.kind), ref: Number(raw.ref), score: Number(raw.score), __sort: Number(raw.__sort) }) as Hit,
};

/**
 * Programs first, then sessions, organizations and regions (people look for
 * programmes), each by relevance: the kind's tier lifts the score far above
 * any text score, so one key pages through both.
 */
const TIERS = `CASE h.kind WHEN ${DocumentKind.PROGRAM} THEN 0 WHEN ${DocumentKind.SESSION} THEN 1 WHEN ${DocumentKind.ORGANIZATION} THEN 2 ELSE 3 END`;
const byRelevance: Ordering = { name: 'RELEVANCE', key: `(${TIERS}) * 1000000 + CAST(h.score AS DOUBLE PRECISION)`,
  keyType: 'number',
  pk: 'h.doc',
  // A document's number is its record's id times four plus its kind (see the search migration).
  maxPk: 4 * 2_147_483_647 + 3,
  direction: 'ASC',
};

type Found = Program | Session | Organization | Region;

/** How to load each kind of document's record, and which of its texts are searched. */
const KINDS: Record<
  DocumentKind,
  {
    load: (ctx: RegistryContext, id: number) => Promise<Found | null>;
    fields: (record: any) => SearchableField<SearchField>[];
    /** Texts searched with the record that are kept elsewhere (a programme's call), read through the request's loaders. */
    more?: (ctx: RegistryContext, record: any) => Promise<SearchableField<SearchField>[]>;
  }
> = {
  [DocumentKind.REGION]: {
    load: (ctx, id) => regionById(ctx).load(id),
    fields: (r: Region) => [
      { field: SearchField.NAME, text: r.name },
      { field: SearchField.CODE, text: { code: r.code } },
    ],
  },
  [DocumentKind.ORGANIZATION]: { load: (ctx, id) => organizationById(ctx).load(id), fields: (o: Organization) => [{ field: SearchField.NAME, text: o.name }] },
  [DocumentKind.PROGRAM]: {
    load: (ctx, id) => programById(ctx).load(id),
    fields: (p: Program) => [
      { field: SearchField.TITLE, text: p.title },
      { field: SearchField.TRAINING_PROGRAM, text: p.trainingProgram },
      { field: SearchField.DESCRIPTION, text: p.description },
      { field: SearchField.SERIES, text: p.series ? { series: p.series } : null },
    ],
    more: async (ctx, p: Program) => [{ field: SearchField.CALL, text: (await callOfProgram(ctx).load(p.pk))?.costNotes }],
  },
  [DocumentKind.SESSION]: { load: (ctx, id) => sessionById(ctx).load(id), fields: (s: Session) => [{ field: SearchField.TITLE, text: s.title }] },
};

const nothing: Source<Hit> = { table: hitTable, alias: 'h', from: '(SELECT 0 AS doc, 0 AS kind, 0 AS ref, 0 AS score) h', where: [() => '1 = 0'] };

@Resolver()
export class SearchResolver {
  @Query(() => SearchConnection, {
    description:
      'Full-text search over programs (titles, descriptions, training programmes), sessions, organizations and regions, in Russian and English: programs first, then sessions, organizations and regions, each most relevant first; each hit says which field matched and shows it highlighted.',
  })
  async search(@Args() args: SearchArgs, @Ctx() ctx: RegistryContext): Promise<SearchConnection> {
    const words = queryWords(args.query, ['query']);
    const page = pageRequest(args, byRelevance);
    const engine = searchEngine(ctx.db.dialect);
    let source = nothing;
    if (words.length) {
      const matches = engine.matches(words, args.filter ? [DocumentKind.PROGRAM] : undefined);
      const filtered = args.filter ? await programConditions(args.filter, ctx) : [];
      source = {
        table: hitTable,
        alias: 'h',
        from: (p: Parameters<SqlPart>[0]) => `${matches(p)} h${args.filter ? ' JOIN programs p ON p.id = h.ref' : ''}`,
        where: filtered,
      };
    }
    const hits = await fetchPage(ctx.db, source, byRelevance, page);
    const records = await Promise.all(hits.map((h) => KINDS[h.kind as DocumentKind].load(ctx, h.ref)));
    const more = await Promise.all(hits.map((h, i) => (records[i] ? (KINDS[h.kind as DocumentKind].more?.(ctx, records[i]) ?? []) : [])));
    const languages = [...(args.lang ? [args.lang] : []), ...ctx.languages, 'en', 'ru'];
    // A record deleted between the two statements is left out rather than answered as null.
    const rows = hits.flatMap((hit, i) => {
      const record = records[i];
      if (!record) return [];
      const match = matchField([...KINDS[hit.kind as DocumentKind].fields(record), ...more[i]], words, languages);
      return [{ ...hit, record, relevance: engine.relevance(hit.score), matchedField: match?.field ?? SearchField.TITLE, snippet: match?.snippet ?? '' }];
    });
    const connection = toConnection(rows, page, byRelevance, () => countRows(ctx.db, source));
    const edges = connection.edges.map(({ cursor, node }) => ({ cursor, node: node.record as unknown as Node, relevance: node.relevance, matchedField: node.matchedField, snippet: node.snippet }));
    return { edges, nodes: edges.map((e) => e.node), pageInfo: connection.pageInfo, totalCount: connection.totalCount };
  }
}
