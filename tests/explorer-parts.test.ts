import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import { buildClientSchema, getIntrospectionQuery, isObjectType, isInputObjectType, isEnumType, parse, type IntrospectionQuery } from 'graphql';
import { BOM, toCsv, type Cell } from '../explorer/src/csv';
import { barsOf, compareCells, findLists, sortRows } from '../explorer/src/lists';
import { cleanIntrospection, isMachinery } from '../explorer/src/schema-map';
import { initialEditors } from '../explorer/src/tabs';
import { exampleTabs } from '../src/ops/explorer';
import { startTestRegistry, type TestRegistry } from './support/registry';

// The explorer's parts that hold no browser: checked here against a real registry's answers; tests/explorer.test.ts drives them in chromium.
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

const text = fc.string({ unit: fc.constantFrom('a', 'Я', 'ё', ',', '"', '\n', '\r', ' ', '=', '-', '+', '@', '\t', ';', '😀', 'Z', '1') , maxLength: 12 });
const cell: fc.Arbitrary<Cell> = fc.oneof(text, fc.integer({ min: -1e6, max: 1e6 }), fc.constant(null), fc.boolean());

describe('CSV for spreadsheets', () => {
  it('reads back, through an independent CSV parser, as the cells it was given: quotes, commas, line breaks, Cyrillic, emoji', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 5 }), fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 8 }), (header, rows) => {
        const columns = header.map((name, i) => `${name}${i}`);
        const sized = rows.map((row) => row.slice(0, columns.length));
        const file = toCsv(columns, sized);
        expect(file.startsWith(BOM)).toBe(true);
        expect(Buffer.from(file, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
        const read = parseCsv(Buffer.from(file, 'utf8'), { bom: true, relax_column_count: false }) as string[][];
        // A text cell that starts like a formula is kept from running as one: an apostrophe goes before it.
        const shown = (value: Cell) => (value === null || value === undefined ? '' : typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value));
        expect(read).toEqual([columns.map(shown), ...sized.map((row) => row.map(shown))]);
      }),
      { seed: 2021, numRuns: 300 },
    );
  });

  it('ends every line with CRLF, as RFC 4180 and Excel expect', () => {
    expect(toCsv(['region', 'count'], [['Омская область', 2], ['Baku, "city"', 1]])).toBe('\ufeffregion,count\r\nОмская область,2\r\n"Baku, ""city""",1\r\n');
  });
});

describe('lists of an answer as tables', () => {
  it('finds every statistics array and a connection\'s nodes and edges in a real answer, flattened into columns', async () => {
    const answer = await registry.request<any, any>(
      `{ forums(first: 5) { totalCount nodes { slug location { code } } edges { cursor node { slug } } }
         stats { programsByYear { year count } programsByRegion(includeSubregions: true) { region { code name(lang: RU) } count } programsByStatus { status count } } }`,
    );
    expect(answer.errors).toBeUndefined();
    const lists = findLists(answer.data);
    expect(lists.map((l) => l.path)).toEqual(['forums.nodes', 'forums.edges', 'stats.programsByYear', 'stats.programsByRegion', 'stats.programsByStatus']);
    const byYear = lists[2];
    expect(byYear.columns).toEqual(['year', 'count']);
    expect(byYear.rows).toEqual(answer.data.stats.programsByYear.map((r: { year: number; count: number }) => [r.year, r.count]));
    const byRegion = lists[3];
    expect(byRegion.columns).toEqual(['region.code', 'region.name', 'count']);
    expect(byRegion.rows.find((row) => row[0] === 'AZ')).toEqual(['AZ', 'Азербайджанская Республика', expect.any(Number)]);
    expect(lists[1].columns).toEqual(['cursor', 'node.slug']);
    // Statistics draw as bars: counted by `count`, labelled by their bucket.
    expect(barsOf(byYear)).toEqual({ label: 0, value: 1 });
    expect(barsOf(byRegion)).toEqual({ label: 1, value: 2 });
    expect(barsOf(lists[4])).toEqual({ label: 0, value: 1 });
    // A list of records with nothing to count has no chart.
    expect(barsOf(lists[0])).toBeUndefined();
  });

  it('shows a list inside a row as its items\' values, and finds no list in an answer without one', () => {
    const [list] = findLists({ programs: [{ slug: 'a', organizers: [{ slug: 'mirea', region: { code: 'RU' } }, { slug: 'ncyo' }] }] });
    expect(list).toEqual({ path: 'programs', columns: ['slug', 'organizers'], rows: [['a', 'mirea RU; ncyo']] });
    expect(findLists({ internship: { slug: 'baku-internship-2021', audience: ['youth workers'] } })).toEqual([]);
    expect(findLists(null)).toEqual([]);
  });

  it('sorts by any column, either way: a permutation, in order, ties kept in place, empty cells last', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(null)), fc.oneof(text, fc.constant(null))), { maxLength: 30 }), fc.constantFrom(0, 1), fc.constantFrom('asc' as const, 'desc' as const), (tuples, column, direction) => {
        const rows: Cell[][] = tuples.map(([n, t], i) => [n, t, i]);
        const sorted = sortRows(rows, column, direction);
        expect([...sorted].sort((a, b) => Number(a[2]) - Number(b[2]))).toEqual([...rows].sort((a, b) => Number(a[2]) - Number(b[2])));
        for (let i = 1; i < sorted.length; i++) {
          const order = compareCells(sorted[i - 1][column], sorted[i][column], direction);
          expect(order).toBeLessThanOrEqual(0);
          if (order === 0) expect(rows.indexOf(sorted[i - 1])).toBeLessThan(rows.indexOf(sorted[i]));
        }
        const empties = sorted.map((row) => row[column] === null || row[column] === '');
        expect(empties).toEqual([...empties].sort((a, b) => Number(a) - Number(b)));
      }),
      { seed: 2021, numRuns: 300 },
    );
  });

  it('sorts numbers by value and Cyrillic text as a reader expects', () => {
    expect(sortRows([[10], [9], [100]], 0, 'asc')).toEqual([[9], [10], [100]]);
    expect(sortRows([['Омск'], ['Баку'], ['Самара'], ['Ёлки']], 0, 'asc').map((r) => r[0])).toEqual(['Баку', 'Ёлки', 'Омск', 'Самара']);
  });
});

describe('the documentation shows the registry, not its machinery', () => {
  it('takes the federation\'s and cache\'s types, fields and directives out of the introspection the explorer reads; gateways still get them', async () => {
    const raw = (await registry.request<IntrospectionQuery, never>(getIntrospectionQuery({ descriptions: true }))) as unknown as { data: IntrospectionQuery };
    const served = raw.data.__schema.types.map((t) => t.name);
    for (const name of ['_Any', '_Entity', '_Service', 'link__Import', 'CacheControlScope']) expect(served).toContain(name);
    // Other clients that introspect the server find the machinery described.
    const undescribed = raw.data.__schema.types.filter((t) => isMachinery(t.name) && !t.description).map((t) => t.name);
    expect(undescribed).toEqual([]);

    const schema = buildClientSchema(cleanIntrospection(raw).data as unknown as IntrospectionQuery);
    const names = Object.keys(schema.getTypeMap());
    expect(names.filter(isMachinery)).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['Forum', 'Internship', 'Region', 'RegistryStats', 'ProgramsInYear', 'Node', 'Program']));
    expect(Object.keys(schema.getQueryType()!.getFields()).filter((f) => f.startsWith('_'))).toEqual([]);
    expect(schema.getDirectives().map((d) => d.name).sort()).toEqual(['deprecated', 'include', 'oneOf', 'skip', 'specifiedBy'].filter((d) => schema.getDirective(d)).sort());
    // What is left is the registry's own, and every type and field of it is described.
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)) continue;
      expect({ type: type.name, described: !!type.description }).toEqual({ type: type.name, described: true });
      if (isObjectType(type) || isInputObjectType(type)) for (const field of Object.values(type.getFields())) expect({ field: `${type.name}.${field.name}`, described: !!field.description }).toEqual({ field: `${type.name}.${field.name}`, described: true });
      if (isEnumType(type)) for (const value of type.getValues()) expect({ value: `${type.name}.${value.name}`, described: !!value.description }).toEqual({ value: `${type.name}.${value.name}`, described: true });
    }
    // The server itself is unchanged: a gateway's _service and _entities still answer.
    const { data: az } = await registry.request<any, never>('{ region(code: "AZ") { id } }');
    const sdl = await registry.request<any, never>(`{ _service { sdl } _entities(representations: [{ __typename: "Region", id: "${az.region.id}" }]) { ... on Region { code } } }`);
    expect(sdl.errors).toBeUndefined();
    expect(sdl.data._service.sdl).toContain('@key(fields: "id")');
    expect(sdl.data._entities).toEqual([{ code: 'AZ' }]);
  });
});

describe('the example tabs', () => {
  it('give each file of operations the variables its operations need and no other, and each operation runs with them', async () => {
    const tabs = await exampleTabs(registry.db);
    const files = fs.readdirSync(path.join(__dirname, '..', 'schema', 'operations')).filter((f) => f.endsWith('.graphql'));
    expect(tabs.map((t) => t.file).sort()).toEqual(files.sort());
    expect(tabs[0].file).toBe('internship.graphql');
    for (const tab of tabs) {
      const variables = JSON.parse(tab.variables) as Record<string, unknown>;
      const operations = parse(tab.query).definitions.filter((d) => d.kind === 'OperationDefinition');
      const declared = new Set(operations.flatMap((op) => op.variableDefinitions?.map((v) => v.variable.name.value) ?? []));
      expect({ file: tab.file, unused: Object.keys(variables).filter((name) => !declared.has(name)) }).toEqual({ file: tab.file, unused: [] });
      for (const operation of operations) {
        const name = operation.name!.value;
        const used = Object.fromEntries(Object.entries(variables).filter(([key]) => operation.variableDefinitions?.some((v) => v.variable.name.value === key)));
        const response = await fetch(registry.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: tab.query, operationName: name, variables: used }) });
        const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
        expect({ operation: name, errors: body.errors }).toEqual({ operation: name, errors: undefined });
        // Each answer finds something of the seed: no operation's root field comes back null.
        expect({ operation: name, nulls: Object.entries(body.data!).filter(([, v]) => v === null).map(([k]) => k) }).toEqual({ operation: name, nulls: [] });
      }
    }
    // Named by what each argument is: the organization tab's $slug is an organizer's, the internship tab's an internship's.
    const lists = JSON.parse(tabs.find((t) => t.file === 'lists.graphql')!.variables);
    expect(lists.slug).toBe('mirea');
    expect(JSON.parse(tabs[0].variables)).toEqual({ slug: 'baku-internship-2021', lang: 'EN' });
  });

  it('open on the tab that was active, with its own variables, after a reload; on the first example otherwise', () => {
    const examples = [
      { query: 'query A { forums { totalCount } }', variables: '{"a":1}' },
      { query: 'query B { regions { totalCount } }', variables: '{"b":2}' },
    ];
    const stored = JSON.stringify({ activeTabIndex: 1, tabs: [{ id: 'x', title: 'A', query: 'query A { x }', variables: null, headers: null, operationName: null, response: null }, { id: 'y', title: 'B', query: 'query B { y }', variables: '{"b":3}', headers: null, operationName: null, response: null }] });
    expect(initialEditors(stored, examples)).toEqual({ query: 'query B { y }', variables: '{"b":3}' });
    expect(initialEditors(null, examples)).toEqual(examples[0]);
    expect(initialEditors('not json', examples)).toEqual(examples[0]);
    expect(initialEditors(JSON.stringify({ activeTabIndex: 5, tabs: [] }), examples)).toEqual(examples[0]);
  });
});
