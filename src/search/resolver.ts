import { Arg, Args, ArgsType, Ctx, Field, Query, Resolver } from 'type-graphql';
import type { Params } from '../db/database';
import type { Table } from '../db/table';
import type { RegistryContext } from '../graphql/context';
import { badUserInput } from '../graphql/errors';
import { Language } from '../graphql/language';
import { countRows, fetchPage, type Source } from '../graphql/loaders';
import { Node } from '../graphql/node';
import { connectionType, ForwardPageArgs, pageRequest, toConnection, type Ordering } from '../graphql/paging';
import { findNodeByPk } from '../nodes/resolver';
import { foldText } from './fold';

export const SearchConnection = connectionType('Search', Node, 'search hits, best first');

@ArgsType()
class SearchArgs extends ForwardPageArgs {
  @Field(() => String, { description: 'Words to look for; every word must match the start of a word or a part of one, in any language.' })
  query: string;
}

interface Hit {
  pk: number;
  typeName: string;
  rank: number;
}

/** Tables searched, best kind of hit first. */
const SEARCHED: Array<{ table: string; typeName: string }> = [
  { table: 'programs', typeName: "CASE WHEN t.type = 'FORUM' THEN 'Forum' ELSE 'Internship' END" },
  { table: 'sessions', typeName: "'Session'" },
  { table: 'organizations', typeName: "'Organization'" },
  { table: 'regions', typeName: "'Region'" },
];

const hitTable: Table<Hit> = {
  name: 'hits',
  select: (a) => `${a}.pk AS "pk", ${a}.type_name AS "typeName", ${a}.hit_rank AS "rank"`,
  decode: (raw) => raw as unknown as Hit,
};

const byRank: Ordering = { name: 'RANK', key: 'h.hit_rank', pk: 'h.pk', direction: 'ASC' };

function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function searchSource(words: string[]): Source<Hit> {
  const from = (p: Params) => {
    const patterns = words.map((w) => p.add(`%${escapeLike(w)}%`));
    const matches = patterns.map((pattern) => `t.search_text LIKE ${pattern} ESCAPE '\\'`).join(' AND ');
    const union = SEARCHED.map(({ table, typeName }, rank) => `SELECT t.id AS pk, ${typeName} AS type_name, ${rank} AS hit_rank FROM ${table} t WHERE ${matches}`).join(' UNION ALL ');
    return `(${union}) h`;
  };
  return { table: hitTable, alias: 'h', from };
}

@Resolver()
export class SearchResolver {
  @Query(() => SearchConnection, { description: 'Programs, sessions, organizations and regions whose text contains every word of the query, in Russian or English, case- and diacritic-insensitively.' })
  async search(
    @Args() args: SearchArgs,
    @Arg('lang', () => Language, { nullable: true, description: 'Language of the query; matching covers every language the registry holds.' }) _lang: Language | null,
    @Ctx() ctx: RegistryContext,
  ) {
    const words = foldText(args.query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (!words.length) throw badUserInput('The search query needs at least one letter or digit', ['query']);
    if (words.length > 10) throw badUserInput('The search query may hold at most 10 words', ['query']);
    const page = pageRequest(args, byRank);
    const source = searchSource(words);
    const hits = await fetchPage(ctx.db, source, byRank, page);
    const nodes = await Promise.all(hits.map((h) => findNodeByPk(ctx, h.typeName, h.pk)));
    const rows = hits.map((h, i) => Object.assign(nodes[i] ?? {}, { __sort: h.__sort, pk: h.pk })).filter((_, i) => nodes[i]);
    return toConnection(rows, page, byRank, () => countRows(ctx.db, source));
  }
}
