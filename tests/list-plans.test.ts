import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, isEnumType } from 'graphql';
import { Client } from 'pg';
import { SqlRunner } from '../src/db/database';
import { startTestRegistry, type TestRegistry } from './support/registry';

/**
 * Every page costs the same wherever it starts and however large the
 * registry grows (issue 18): each list statement the engine renders, for
 * every list in every order the schema offers, first pages and pages after
 * or before a cursor, is read with the database's own EXPLAIN, and none may
 * sort a growing table or scan one whole, and a cursor must bound the index
 * range rather than filter the rows the index walks.
 *
 * PostgreSQL plans with sequential scans and sorts priced out
 * (`enable_seqscan`, `enable_sort` off): whatever scan or sort remains has
 * no index to do its work. On SQLite, `EXPLAIN QUERY PLAN` tells a table
 * scan (`SCAN t`), a sort (`USE TEMP B-TREE FOR ORDER BY`) and the terms an
 * index search uses.
 *
 * Not read here, because their cost is the answer's: a list's `totalCount`
 * (a count of the list), search's relevance order (a sort of the matches),
 * and the regions the server reads whole to hold (src/regions/directory.ts).
 */

const GROWING = ['programs', 'sessions', 'organizations', 'program_organizers', 'participant_origins', 'regions'];

let registry: TestRegistry;
let pg: Client | undefined;
const captured: Array<{ sql: string; values: readonly unknown[] }> = [];
let capturing = false;
const original = SqlRunner.prototype.query;

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  // Every statement any request runs passes here, with its values (the request's loaders are SqlRunners too).
  SqlRunner.prototype.query = function (this: SqlRunner, sql: string, values: readonly unknown[] = []) {
    if (capturing) captured.push({ sql, values });
    return original.call(this, sql, values) as never;
  };
  // The reader's own function for global ids and cursors (src/db/sqlite-reader.ts), on the connection EXPLAIN reads plans through.
  if (registry.db.dialect === 'sqlite') {
    (registry.db.dataSource.driver as unknown as { databaseConnection: { function(name: string, options: object, fn: (text: unknown) => unknown): void } }).databaseConnection.function('b64url', { deterministic: true }, (text) => (text == null ? null : Buffer.from(String(text)).toString('base64url')));
  }
  if (registry.db.dialect === 'postgres') {
    pg = new Client({ connectionString: registry.env.DATABASE_URL });
    await pg.connect();
    await pg.query('SET enable_seqscan = off; SET enable_sort = off; SET enable_bitmapscan = off');
  }
}, 120_000);
afterAll(async () => {
  SqlRunner.prototype.query = original;
  await pg?.end();
  await registry.stop();
});

/** The statements one operation runs. */
async function statementsOf(query: string, variables: Record<string, unknown> = {}): Promise<Array<{ sql: string; values: readonly unknown[] }>> {
  captured.length = 0;
  capturing = true;
  try {
    const response = await registry.request<any, any>(query, variables);
    expect(response.errors).toBeUndefined();
    return [...captured];
  } finally {
    capturing = false;
  }
}

async function answer(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await registry.request<any, any>(query, variables);
  expect(response.errors).toBeUndefined();
  return response.data;
}

/** Statements whose cost is the answer's, not the page's (see above). */
function isListStatement(sql: string): boolean {
  if (/^SELECT r\.\S.* FROM regions r ORDER BY r\.code(, r\.id)?$/.test(sql)) return false; // the regions the server holds
  if (/^SELECT COUNT\(\*\) AS "n" FROM/.test(sql)) return false; // totalCount asked alone
  return GROWING.some((table) => new RegExp(`\\b${table}\\b`).test(sql));
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** What is wrong with one statement's plan, in words; empty when nothing is. */
async function faults(sql: string, values: readonly unknown[], { filtered, cursor }: Shape): Promise<string[]> {
  const found: string[] = [];
  // The aliases the statement gives growing tables: what a plan line names.
  const aliases = new Set([...sql.matchAll(new RegExp(`\\b(?:${GROWING.join('|')}) (\\w+)`, 'g'))].map((m) => m[1]));
  // A list ordered by its primary key alone walks the table itself in order (SQLite's rowid).
  const byRowid = new RegExp(`ORDER BY (\\w+)\\.id (ASC|DESC) LIMIT`).exec(sql)?.[1];
  if (pg) {
    const { rows } = await pg.query(`EXPLAIN (FORMAT JSON) ${sql}`, values as unknown[]);
    const walk = (node: PlanNode, under: PlanNode[]): void => {
      const table = node['Relation Name'];
      if (table && GROWING.includes(table)) {
        if (node['Node Type'] === 'Seq Scan') found.push(`scans ${table} whole`);
        // A sort above an index scan without a condition sorts the whole table; with one on a batch of parents, only their rows.
        if (!node['Index Cond'] && under.some((n) => /Sort$/.test(n['Node Type']))) found.push(`sorts all of ${table}`);
        // Within a batch of parents (`= ANY`), each parent's own rows are read to count them anyway.
        if (node.Filter?.includes('ROW(') && !sql.includes('= ANY(')) found.push(`filters ${table} by the cursor instead of seeking to it: ${node.Filter}`);
      }
      if (node['Node Type'] === 'Sort' && under.length === 0 && !/= ANY|unnest/.test(sql)) found.push('sorts the page');
      for (const child of node.Plans ?? []) walk(child, [...under, node]);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan, []);
    if (found.length) found.push(JSON.stringify(rows[0]['QUERY PLAN'][0].Plan));
  } else {
    const rows = await registry.db.dataSource.query(`EXPLAIN QUERY PLAN ${sql.replace(/\$\d+/g, '?')}`, orderedValues(sql, values));
    const lines = (rows as Array<{ id: number; parent: number; detail: string }>).map((r) => r.detail);
    const sorts = lines.some((line) => line.startsWith('USE TEMP B-TREE FOR ORDER BY'));
    const scansWhole = lines.some((line) => {
      const scan = /^SCAN (\w+)( USING (COVERING )?INDEX \w+)?$/.exec(line);
      return scan && aliases.has(scan[1]);
    });
    for (const line of lines) {
      const scan = /^SCAN (\w+)$/.exec(line);
      if (scan && aliases.has(scan[1]) && !(scan[1] === byRowid && !sorts)) found.push(`scans a table whole: ${line}`);
      if (/^USE TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY)/.test(line)) {
        // Ordering a batch's rows by parent (json_each's keys) is the page's own cost, not the table's; so is ordering the rows a filter's index found.
        if (!/FROM json_each\(\S+\) j/.test(sql) && (scansWhole || !filtered)) found.push(`sorts: ${line}`);
      }
    }
    // After a cursor, the index that orders the list is searched from the cursor on (`<expr>>?`, `title_sort>?`, `rowid<?`), not walked from its start.
    const seeks = /\) [<>] \(\$\d+/.test(sql) || /\.(slug|code|id) [<>] \$\d+/.test(sql);
    if (cursor && seeks && !sorts && !lines.some((line) => /^SEARCH \w+ USING .*[<>]\?/.test(line))) found.push('walks its index from the start instead of seeking to the cursor');
    if (found.length) found.push(lines.join(' | '));
  }
  return found;
}

/** SQLite's positional parameters, in the order `$n` appears (as SqlRunner binds them). */
function orderedValues(sql: string, values: readonly unknown[]): unknown[] {
  return [...sql.matchAll(/\$(\d+)/g)].map((m) => values[Number(m[1]) - 1]);
}

/** Reads the plan of every list statement an operation runs; answers the faults by statement. */
interface Shape {
  /** A filter narrows the list: ordering the rows its index finds is the filter's cost. */
  filtered: boolean;
  /** The page starts after or before a cursor. */
  cursor: boolean;
}

async function planFaults(query: string, variables: Record<string, unknown> = {}, shape: Partial<Shape> = {}): Promise<Record<string, string[]>> {
  const filter = variables.filter as Record<string, unknown> | undefined;
  const filtered = shape.filtered ?? (!!filter && Object.keys(filter).length > 0);
  const cursor = shape.cursor ?? ['after', 'before', 'c'].some((name) => variables[name] != null);
  const statements = (await statementsOf(query, variables)).filter((s) => isListStatement(s.sql));
  expect(statements.length).toBeGreaterThan(0);
  const result: Record<string, string[]> = {};
  for (const { sql, values } of statements) {
    const found = await faults(sql, values, { filtered, cursor });
    if (found.length) result[sql] = found;
  }
  return result;
}

/** Every order the schema offers, read from the schema itself: an order added later is checked without a word here. */
const ORDER_FIELDS = fieldsOfOrder(fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
const ORDERS = [undefined, ...ORDER_FIELDS.flatMap((field) => ['ASC', 'DESC'].map((direction) => ({ field, direction })))];
const FILTERS = [
  undefined,
  { startsFrom: '2021-01-01' },
  { status: ['ARCHIVED'] },
  { regionCode: 'RU' },
  { organizerSlug: 'mirea' },
  { query: 'youth' },
  { callStatus: ['OPEN'] },
  { closesBefore: '2030-01-01T00:00:00Z' },
  { eligibleFor: 'RU-OMS' },
];

function fieldsOfOrder(sdl: string): string[] {
  const type = buildSchema(sdl).getType('ProgramOrderField');
  if (!isEnumType(type)) throw new Error('the schema has no enum ProgramOrderField');
  return type.getValues().map((v) => v.name);
}

it('checks every order of programmes the schema offers', () => {
  expect(ORDER_FIELDS).toEqual(expect.arrayContaining(['STARTS_ON', 'TITLE', 'CLOSES_AT']));
});

describe('every programme list, in every order, is read by an index from wherever it starts', () => {
  for (const list of ['forums', 'internships', 'programs']) {
    for (const orderBy of ORDERS) {
      const order = orderBy ? `${orderBy.field} ${orderBy.direction}` : 'the default order';
      it(`${list} in ${order}: first page, after a cursor${list === 'programs' ? '' : ', and before one'}`, async () => {
        const backward = list !== 'programs' ? ', $last: Int, $before: String' : '';
        const query = `query($after: String, $first: Int, $orderBy: ProgramOrder${backward}) { ${list}(first: $first, after: $after, orderBy: $orderBy${backward ? ', last: $last, before: $before' : ''}) { pageInfo { endCursor } nodes { slug } } }`;
        expect(await planFaults(query, { first: 5, orderBy })).toEqual({});
        const middle = (await answer(query, { first: 30, orderBy }))[list].pageInfo.endCursor;
        expect(await planFaults(query, { first: 5, after: middle, orderBy })).toEqual({});
        if (list !== 'programs') expect(await planFaults(query, { last: 5, before: middle, orderBy })).toEqual({});
      });
    }
  }

  it('the closing-soon page (open calls by deadline) reads the deadline index from now on, sorting none of the open calls', async () => {
    // Not `filtered`: the open calls grow with the registry, so ordering all of them for a page would be a growing cost.
    const query = `query($after: String) { programs(first: 3, after: $after, filter: { callStatus: [OPEN] }, orderBy: { field: CLOSES_AT, direction: ASC }) { pageInfo { endCursor } nodes { slug } } }`;
    expect(await planFaults(query, {}, { filtered: false })).toEqual({});
    const cursor = (await answer(query, {})).programs.pageInfo.endCursor;
    expect(cursor).not.toBeNull();
    expect(await planFaults(query, { after: cursor }, { filtered: false })).toEqual({});
  });

  for (const filter of FILTERS.slice(1)) {
    it(`internships filtered by ${Object.keys(filter!)[0]}, first page and after a cursor`, async () => {
      const query = `query($after: String, $filter: ProgramFilter) { internships(first: 3, after: $after, filter: $filter) { pageInfo { endCursor } nodes { slug } } }`;
      expect(await planFaults(query, { filter })).toEqual({});
      const cursor = (await answer(query, { filter })).internships.pageInfo.endCursor;
      if (cursor) expect(await planFaults(query, { filter, after: cursor })).toEqual({});
    });
  }
});

describe('nested pages are read by an index per parent', () => {
  it("forums' internships and programmes' sessions, rendered whole and after a cursor", async () => {
    const rendered = `{ forums(first: 10) { nodes { slug internships(first: 3) { nodes { slug sessions(first: 3) { nodes { title } } } } } } }`;
    expect(await planFaults(rendered)).toEqual({});
    const cursors = await answer(`{ forums(first: 10) { nodes { internships(first: 2) { pageInfo { endCursor } nodes { sessions(first: 2) { pageInfo { endCursor } } } } } } }`);
    const forumCursor = cursors.forums.nodes[0].internships.pageInfo.endCursor;
    const sessionCursor = cursors.forums.nodes[0].internships.nodes[0].sessions.pageInfo.endCursor;
    expect(await planFaults(`query($c: String) { forums(first: 10) { nodes { internships(first: 3, after: $c) { nodes { slug } } } } }`, { c: forumCursor })).toEqual({});
    expect(await planFaults(`query($c: String) { internships(first: 10) { nodes { sessions(first: 3, after: $c) { nodes { title } } } } }`, { c: sessionCursor })).toEqual({});
  });

  it("an organization's hosted sessions, rendered whole and after a cursor", async () => {
    const [{ slug }] = await registry.db.query<{ slug: string }>('SELECT o.slug AS "slug" FROM organizations o JOIN sessions s ON s.host_id = o.id GROUP BY o.id, o.slug ORDER BY COUNT(*) DESC, o.id LIMIT 1');
    const query = `query($slug: String!, $after: String) { organization(slug: $slug) { hostedSessions(first: 3, after: $after) { pageInfo { endCursor } nodes { title } } } }`;
    expect(await planFaults(`query($slug: String!) { organizations(first: 5) { nodes { hostedSessions(first: 3) { nodes { title } } } } organization(slug: $slug) { slug } }`, { slug })).toEqual({});
    const cursor = (await answer(query, { slug })).organization.hostedSessions.pageInfo.endCursor;
    expect(await planFaults(query, { slug, after: cursor })).toEqual({});
  });

  it("an organization's programmes, first page and after a cursor", async () => {
    const [{ slug }] = await registry.db.query<{ slug: string }>(
      'SELECT o.slug AS "slug" FROM organizations o JOIN program_organizers po ON po.organization_id = o.id GROUP BY o.id, o.slug ORDER BY COUNT(*) DESC, o.id LIMIT 1',
    );
    const query = `query($slug: String!, $after: String) { organization(slug: $slug) { programs(first: 3, after: $after) { pageInfo { endCursor } nodes { slug } } } }`;
    // Programmes narrowed by their organizer, as the organizerSlug filter narrows a list: its link table finds them, and only they are ordered.
    expect(await planFaults(query, { slug }, { filtered: true })).toEqual({});
    const cursor = (await answer(query, { slug })).organization.programs.pageInfo.endCursor;
    expect(await planFaults(query, { slug, after: cursor }, { filtered: true })).toEqual({});
  });
});

describe('the other root lists are read by an index from wherever they start', () => {
  const cases: Array<[string, string, Record<string, unknown>[]]> = [
    ['organizations', 'OrganizationFilter', [{}, { kind: ['UNIVERSITY'] }, { regionCode: 'RU' }]],
    ['regions', 'RegionFilter', [{}, { kind: ['COUNTRY'] }, { withinCode: 'RU' }]],
    ['sessions', 'SessionFilter', [{}, { kind: ['LECTURE'] }, { programSlug: 'baku-internship-2021' }, { hostSlug: 'mirea' }]],
  ];
  for (const [list, filterType, filters] of cases) {
    for (const filter of filters) {
      it(`${list} ${Object.keys(filter).length ? `filtered by ${Object.keys(filter)[0]}` : 'unfiltered'}: first page and after a cursor`, async () => {
        const query = `query($after: String, $filter: ${filterType}) { ${list}(first: 3, after: $after, filter: $filter) { pageInfo { endCursor } nodes { id } } }`;
        expect(await planFaults(query, { filter })).toEqual({});
        const cursor = (await answer(query, { filter }))[list].pageInfo.endCursor;
        if (cursor) expect(await planFaults(query, { filter, after: cursor })).toEqual({});
      });
    }
  }
});
