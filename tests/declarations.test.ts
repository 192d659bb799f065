import { getNamedType, isAbstractType, isObjectType, type GraphQLNamedType } from 'graphql';
import { createContext } from '../src/engine';
import { deriveFastPath } from '../src/engine/derive';
import { programById } from '../src/programs/loaders';
import { firstSentence } from '../src/programs/summary';
import { registrySchema } from '../src/registry';
import { startTestRegistry, type TestRegistry } from './support/registry';

/**
 * Issue 16: a field is declared once, and nothing degrades silently. The
 * fast path serves every field it can from the declarations, says why it
 * does not serve the others, counts every fallback and declined render, and
 * a field that reads what it did not declare fails in tests.
 */

/** Fields the fast path leaves to graphql-js on purpose, each with its reason. */
const NOT_FAST: Record<string, string> = {
  'Query.search': 'ranked across four tables with snippets cut from each record: one statement, written for graphql-js',
  'Query._service': 'federation machinery: the SDL, answered once per gateway start',
  'Query._entities': 'federation: representations of any type (issue 18 brings it to the fast path)',
};

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ explain: true });
});
afterAll(() => registry.stop());

describe('every field of the schema is served by the fast path or on a list with its reason', () => {
  it('holds for every field a query can reach', async () => {
    const schema = await registrySchema();
    const fast = deriveFastPath(schema);
    const unserved: string[] = [];
    const seen = new Set<string>();
    // From the root of queries down, through every field served (a field on the list is not descended: what only it reaches is its too).
    const walk = (type: GraphQLNamedType) => {
      if (seen.has(type.name) || type.name.startsWith('__')) return;
      seen.add(type.name);
      const concrete = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
      for (const object of concrete) {
        seen.add(object.name);
        for (const [name, field] of Object.entries(object.getFields())) {
          if (NOT_FAST[`${object.name}.${name}`]) continue;
          const served = fast.fields[object.name]?.[name];
          if (!served) unserved.push(`${object.name}.${name}`);
          else walk(getNamedType(field.type));
        }
      }
    };
    walk(schema.getQueryType()!);
    expect(unserved).toEqual([]);
    // The walk reached the whole reading schema.
    for (const name of ['Forum', 'Internship', 'Session', 'Region', 'Organization', 'ParticipantOrigin', 'AvailableLanguage', 'PageInfo', 'SessionConnection']) expect(seen).toContain(name);
    expect(fast.fields.Query.search).toBeUndefined();
  });
});

describe('what a field reads is what it declares', () => {
  it("leaves every column out that no selected field reads, and selects a field's declared reads", async () => {
    const only = await registry.request<any, any>('{ forums(first: 2) { nodes { slug } } }');
    const [page] = only.extensions!.explain!.sql;
    expect(page).toContain('"slug"');
    for (const column of ['"title"', '"description"', '"locationPk"', '"trainingProgram"', '"audience"', '"year"', '"id"']) expect(page).not.toContain(column);
    // status declares what it reads: the dates and the year, and nothing more.
    const status = await registry.request<any, any>('{ forums(first: 2) { nodes { status } } }');
    const [statusPage] = status.extensions!.explain!.sql;
    for (const column of ['"startsOn"', '"endsOn"', '"year"']) expect(statusPage).toContain(column);
    expect(statusPage).not.toContain('"title"');
  });

  it('throws in tests when code reads a property the statement left out', async () => {
    const ctx = createContext(registry.db);
    ctx.loaders.db.omit = new Map([['programs', new Set(['title', 'description'])]]);
    const [{ id }] = await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`);
    const program = (await programById(ctx).load(Number(id)))!;
    expect(program.slug).toBe('baku-internship-2021');
    expect(() => program.title).toThrow(/programs\.title was left out of this operation's statement/);
    // Copies and JSON do not touch it.
    expect(JSON.stringify({ ...program })).not.toContain('"title"');
  });
});

describe('Internship.summary, added as the recipe says', () => {
  it('is the first sentence of the description, in the asked language, from either path', async () => {
    const query = '{ internship(slug: "baku-internship-2021") { en: summary(lang: EN) ru: summary(lang: RU) description(lang: EN) } forums { nodes { internships { nodes { summary } } } } }';
    const { data, extensions } = await registry.request<any, any>(query);
    expect(data.internship.en).toBe(data.internship.description);
    expect(data.internship.en).toMatch(/^In order to improve the skills .* in the territory of the CIS Member States\.$/);
    expect(data.internship.ru).toMatch(/^В целях повышения квалификации .*государств – участников СНГ\.$/);
    expect(data.forums.nodes.flatMap((f: any) => f.internships.nodes.map((i: any) => i.summary))).toContain(data.internship.en);
    expect((extensions as any).explain.executor).toBe('fast');
  });

  it('cuts at the first end of a sentence, and keeps a text with none whole', () => {
    expect(firstSentence('One. Two! Three?')).toBe('One.');
    expect(firstSentence('  Why? Because.  ')).toBe('Why?');
    expect(firstSentence('v1.2 is out. Yes')).toBe('v1.2 is out.');
    expect(firstSentence('No end')).toBe('No end');
    expect(firstSentence('Всё… и ещё')).toBe('Всё…');
    expect(firstSentence('   ')).toBeNull();
    expect(firstSentence(null)).toBeNull();
  });
});

describe('nothing degrades silently', () => {
  const metric = async (name: string) => (await (await fetch(registry.url.replace('/graphql', '/metrics'))).text()).split('\n').filter((l) => l.startsWith(name));

  it('counts an operation the fast path leaves to graphql-js, with the field that made it', async () => {
    await registry.request<any, any>('{ search(query: "baku") { totalCount } }');
    expect(await metric('registry_fast_path_fallbacks_total')).toContainEqual(expect.stringMatching(/^registry_fast_path_fallbacks_total\{reason="field",detail="Query\.search"\} [1-9]/));
  });

  it('counts a batch the database does not render, with the field that has no SQL', async () => {
    const { data } = await registry.request<any, any>('{ forums { nodes { internships { nodes { summary } } } } }');
    expect(data.forums.nodes.length).toBeGreaterThan(0);
    expect(await metric('registry_render_declined_total')).toContainEqual(expect.stringMatching(/^registry_render_declined_total\{reason="no-sql",detail="Internship\.summary"\} [1-9]/));
  });

  it('refuses a bad page size before reading anything, so graphql-js reads the forum page once, not twice', async () => {
    const query = '{ forums(first: 2) { nodes { slug internships(first: 101) { totalCount } } } }';
    const answer = await registry.request<any, any>(query);
    expect(answer.errors![0]).toMatchObject({ path: ['forums', 'nodes', 0, 'internships'], extensions: { code: 'BAD_USER_INPUT' } });
    const sql = answer.extensions!.explain!.sql;
    // Only graphql-js's own page of forums: the fast path refused before reading.
    expect(sql.filter((s: string) => /FROM programs p/.test(s) && !/__parent/.test(s))).toHaveLength(1);
    expect(await metric('registry_fast_path_fallbacks_total')).toContainEqual(expect.stringMatching(/reason="arguments",detail="internships"/));
  });

  it('after an error met while executing, graphql-js reads nothing the fast path read', async () => {
    const query = '{ forums(first: 2, filter: { organizerSlug: "no-such-organizer" }) { totalCount nodes { slug } } }';
    const answer = await registry.request<any, any>(query);
    expect(answer.errors![0]).toMatchObject({ path: ['forums'], extensions: { code: 'BAD_USER_INPUT', argumentPath: ['filter', 'organizerSlug'] } });
    const sql: string[] = answer.extensions!.explain!.sql;
    // The page (empty), then the organizer looked up to tell why: each once.
    expect(sql.filter((s) => /FROM programs p/.test(s))).toHaveLength(1);
    expect(sql.filter((s) => /FROM organizations o/.test(s))).toHaveLength(1);
    expect(await metric('registry_fast_path_fallbacks_total')).toContainEqual(expect.stringMatching(/reason="error",detail="BAD_USER_INPUT"/));
  });
});
