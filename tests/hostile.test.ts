import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createKey } from '../src/auth/keys';
import { loadConfig } from '../src/config';
import { startHttpServer } from '../src/http';
import { toGlobalId } from '../src/engine/rules/ids';
import { openRegistryDatabase } from '../src/registry';
import { loadSeeds } from '../seeds/loader';
import { dumpTables, freshDatabase, startTestRegistry, type TestRegistry } from './support/registry';

/**
 * The rows of issue 14, each tried as an attacker would against a production
 * server (NODE_ENV=production, default limits), on SQLite and, in the second
 * pass, on PostgreSQL. After each, an ordinary query must still be answered.
 */

let registry: TestRegistry;
let editorKey: string;
beforeAll(async () => {
  registry = await startTestRegistry({ env: { NODE_ENV: 'production' } });
  editorKey = (await createKey(registry.db, 'editor', 'hostile test')).key;
});
afterAll(() => registry.stop());

interface Answer {
  status: number;
  body: any;
}

async function send(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(registry.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const ask = (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => send({ query, variables }, headers);

/** An ordinary question, answered right after every attack. */
async function stillServes(): Promise<void> {
  const { status, body } = await ask('{ internship(slug: "baku-internship-2021") { participantCount location { code } } }');
  expect(status).toBe(200);
  expect(body).toEqual({ data: { internship: { participantCount: 27, location: { code: 'AZ-BA' } } } });
}

/** A client's mistake: a coded error, never INTERNAL_SERVER_ERROR, never a 500, never internals. */
function expectClientError(answer: Answer, code: string, status = 400): any {
  expect(answer.status).toBe(status);
  const codes = answer.body.errors.map((e: any) => e.extensions.code);
  expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
  expect(codes).toContain(code);
  expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|SELECT |invalid input syntax|out of range|at \w+ \(/);
  return answer.body.errors.find((e: any) => e.extensions.code === code);
}

const cursor = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

describe('1. a wide variables object is refused before coercion', () => {
  it.each([3_000, 12_000])('%i unknown keys in a filter: one BAD_USER_INPUT naming the variable', async (keys) => {
    // About 95 kB for 12,000 keys, under the body limit.
    const f = Object.fromEntries(Array.from({ length: keys }, (_, i) => [i.toString(36), 0]));
    const answer = await ask('query($f: ProgramFilter) { forums(filter: $f) { totalCount } }', { f });
    const error = expectClientError(answer, 'BAD_USER_INPUT');
    expect(answer.body.errors).toHaveLength(1);
    expect(error.extensions.variablePath).toEqual(['f']);
    expect(error.message).toMatch(/more than 100 keys/);
    await stillServes();
  });

  it('a filter with a few unknown keys still gets graphql-js\'s own explanation', async () => {
    const answer = await ask('query($f: ProgramFilter) { forums(filter: $f) { totalCount } }', { f: { colour: 'red' } });
    expect(expectClientError(answer, 'BAD_USER_INPUT').message).toMatch(/Field "colour" is not defined by type "ProgramFilter"/);
  });
});

describe('2. a ladder of fragments is read once per rung', () => {
  const ladder = (levels: number) => {
    const fragments = ['fragment F0 on Query { __typename }'];
    for (let k = 1; k <= levels; k++) fragments.push(`fragment F${k} on Query { ...F${k - 1} ...F${k - 1} }`);
    return `query { ...F${levels} } ${fragments.join(' ')}`;
  };

  it.each([20, 24])('%i levels: one refusal, at once', async (levels) => {
    const answer = await ask(ladder(levels));
    const error = expectClientError(answer, 'GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors).toHaveLength(1);
    expect(error.message).toMatch(/more than 300 fields once its fragments are expanded/);
    await stillServes();
  });
});

describe('3. introspection has a cost and counts against the limits', () => {
  const schemaFields = 'types { name kind fields { name args { name type { name kind ofType { name kind } } } type { name kind ofType { name kind ofType { name } } } } }';

  it('twenty introspections through a fragment are refused; so is a batch of them', async () => {
    const query = `query { ${Array.from({ length: 20 }, (_, i) => `s${i}: __schema { ...S }`).join(' ')} } fragment S on __Schema { ${schemaFields} }`;
    const answer = await ask(query);
    expect(answer.body.errors).toHaveLength(1);
    expect(expectClientError(answer, 'GRAPHQL_VALIDATION_FAILED').message).toMatch(/more than 300 fields/);
    const batch = await send(Array.from({ length: 5 }, () => ({ query })));
    expect(expectClientError(batch, 'GRAPHQL_VALIDATION_FAILED').extensions.batchIndex).toBe(0);
    await stillServes();
  });

  it("the explorer's own full introspection is answered in production", async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const answer = await ask(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.__schema.types.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['Forum', 'Internship', 'Region']));
  });
});

describe('4. root fields, aliases and fields are counted after fragments are collected', () => {
  const searches = Array.from({ length: 25 }, (_, i) => `s${i}: search(query: "baku") { totalCount }`).join(' ');
  it.each([
    ['an inline fragment', `{ ... on Query { ${searches} } }`],
    ['a named fragment', `{ ...R } fragment R on Query { ${searches} }`],
  ])('25 searches wrapped in %s are refused', async (_, query) => {
    const answer = await ask(query);
    expect(answer.body.errors).toHaveLength(1);
    expect(expectClientError(answer, 'GRAPHQL_VALIDATION_FAILED').message).toMatch(/25 root fields once its fragments are collected; at most 20/);
    await stillServes();
  });
});

describe('5. directive overloading', () => {
  it('ten unknown directives on one field: one error, not ten', async () => {
    const answer = await ask(`query { __typename ${'@aa '.repeat(10)}}`);
    expect(answer.body.errors).toHaveLength(1);
    expect(expectClientError(answer, 'GRAPHQL_VALIDATION_FAILED').message).toBe('The directive @aa is not one this server knows');
    await stillServes();
  });

  it('a known directive repeated in one place: one error', async () => {
    const answer = await ask(`query { __typename ${'@include(if: true) '.repeat(10)}}`);
    expect(answer.body.errors).toHaveLength(1);
    expect(expectClientError(answer, 'GRAPHQL_VALIDATION_FAILED').message).toMatch(/@include is given more than once/);
  });
});

describe('6. client language codes never reach an object lookup', () => {
  // Rendered by the database (forums with lists below), resolved by the fast path, and by graphql-js (search): every mode.
  const query = `{
    forums(first: 5) { nodes { title internships(first: 2) { nodes { title trainingProgram } } } }
    internship(slug: "baku-internship-2021") { title description trainingProgram audience location { name } }
    search(query: "baku", first: 3) { edges { snippet matchedField } }
  }`;

  it.each([
    ['constructor', 'constructor'],
    ['__proto__', '__proto__'],
    ['prototype names with weights', 'toString, hasOwnProperty;q=0.9, valueOf'],
    ['one range 4,000 characters long', `${'x-'.repeat(2000)}en`],
    ['2,000 ranges', Array.from({ length: 2000 }, (_, i) => `l${i}`).join(',')],
  ])('Accept-Language with %s answers as if there were none', async (_, header) => {
      const plain = await ask(query);
      expect(plain.body.errors).toBeUndefined();
      const answer = await ask(query, undefined, { 'accept-language': header });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(plain.body);
      expect(answer.body.data.internship.title).toBe('Internship for youth workers in Baku');
  });
});

describe('7. ids and cursors are checked against their key before any statement', () => {
  const forumPast32Bits = Buffer.from('Forum:2147483648').toString('base64url');

  it('a node id past 32 bits fails only its own field', async () => {
    const baku = toGlobalId('Internship', Number((await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`))[0].id));
    const answer = await ask(`query($bad: ID!, $good: ID!) {
      bad: node(id: $bad) { id }
      good: node(id: $good) { ... on Internship { slug } }
      nodes(ids: [$bad, $good]) { ... on Internship { slug } }
      _entities(representations: [{ __typename: "Forum", id: "${forumPast32Bits}" }, { __typename: "Internship", id: "${baku}" }]) { ... on Internship { slug } }
    }`, { bad: forumPast32Bits, good: baku });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      bad: null,
      good: { slug: 'baku-internship-2021' },
      nodes: [null, { slug: 'baku-internship-2021' }],
      _entities: [null, { slug: 'baku-internship-2021' }],
    });
    const paths = answer.body.errors.map((e: any) => [e.path, e.extensions.code]);
    expect(paths).toEqual(
      expect.arrayContaining([
        [['bad'], 'BAD_USER_INPUT'],
        [['nodes', 0], 'BAD_USER_INPUT'],
        [['_entities', 0], 'BAD_USER_INPUT'],
      ]),
    );
    expect(answer.body.errors).toHaveLength(3);
    await stillServes();
  });

  const lists: Array<[string, string]> = [
    ['regions', 'regions(first: 2, after: $c) { nodes { code } }'],
    ['organizations', 'organizations(first: 2, after: $c) { nodes { slug } }'],
    ['programs by title', 'internships(first: 2, after: $c, orderBy: { field: TITLE, direction: ASC }) { nodes { slug } }'],
    ['programs by start', 'forums(first: 2, after: $c) { nodes { slug } }'],
    ['an organization\'s programs', 'organization(slug: "mirea") { programs(first: 2, after: $c) { nodes { slug } } }'],
    ['a program\'s sessions', 'internship(slug: "baku-internship-2021") { sessions(first: 2, after: $c) { nodes { title } } }'],
    ['sessions', 'sessions(first: 2, after: $c) { nodes { title } }'],
    ['search', 'search(query: "baku", first: 2, after: $c) { nodes { id } }'],
  ];
  const forged: Array<[string, string]> = [
    ['a primary key past 32 bits', cursor('POSITION', 1, 2_147_483_648)],
    ['a sort key past 32 bits', cursor('POSITION', 3_000_000_000, 1)],
    ['a text key where a number belongs', cursor('RECORDED', 'zzzz', 537)],
    ['a number where a text key belongs', cursor('TITLE:ASC', 42, 1)],
    ['a NUL in a text key', cursor('CODE', 'a\u0000', 1)],
    ['a malformed date key', cursor('STARTS_ON:ASC', '2021-1', 1)],
    ['not JSON', 'bm90IGpzb24'],
  ];

  it.each(lists)('forged cursors on %s are BAD_USER_INPUT at the list', async (_, selection) => {
    for (const [, c] of forged) {
      const answer = await ask(`query($c: String) { ${selection} }`, { c });
      const error = expectClientError(answer, 'BAD_USER_INPUT', 200);
      expect(error.extensions.argumentPath).toEqual(['after']);
      expect(error.path?.[0]).toBe(selection.split(/[(\s]/)[0]);
    }
    await stillServes();
  });
});

describe('8. text no database can store is refused on both', () => {
  it('a NUL in a literal argument', async () => {
    const answer = await ask('{ forum(slug: "a\\u0000b") { slug } }');
    const error = expectClientError(answer, 'BAD_USER_INPUT');
    expect(error.message).toMatch(/NUL/);
    expect(error.locations).toEqual([{ line: 1, column: 15 }]);
    await stillServes();
  });

  it('a NUL in a variable, named by its path', async () => {
    const answer = await ask('query($f: ProgramFilter) { forums(filter: $f) { totalCount } }', { f: { organizerSlug: 'mi\u0000rea' } });
    expect(expectClientError(answer, 'BAD_USER_INPUT').extensions.variablePath).toEqual(['f', 'organizerSlug']);
    await stillServes();
  });
});

describe('9. _entities with representations that name no entity', () => {
  it.each([
    ['an empty object', '{}'],
    ['the Query type', '{ __typename: "Query", id: "x" }'],
    ['an interface that is no entity', '{ __typename: "Node", id: "x" }'],
    ['a string', '"Forum"'],
    ['no id', '{ __typename: "Forum" }'],
  ])('%s fails only its own place', async (_, representation) => {
    const answer = await ask(`{ _entities(representations: [${representation}, { __typename: "Region", id: "${toGlobalId('Region', 1)}" }]) { __typename } }`);
    expect(answer.status).toBe(200);
    expect(answer.body.data._entities[0]).toBeNull();
    expect(answer.body.data._entities[1]).toEqual({ __typename: 'Region' });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0]).toMatchObject({ path: ['_entities', 0], extensions: { code: 'BAD_USER_INPUT', argumentPath: ['representations', 0] } });
    await stillServes();
  });
});

describe('10. persisted queries, deep and many-errored variables', () => {
  it('a hash that does not match its query', async () => {
    const answer = await send({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('{ other }').digest('hex') } } });
    expectClientError(answer, 'PERSISTED_QUERY_HASH_MISMATCH');
    await stillServes();
  });

  it('an unsupported persisted query version', async () => {
    const answer = await send({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } });
    expectClientError(answer, 'PERSISTED_QUERY_VERSION_UNSUPPORTED');
  });

  it('a variable nested 30,000 deep', async () => {
    const body = `{"query":"query($f: ProgramFilter) { forums(filter: $f) { totalCount } }","variables":{"f":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`;
    const answer = await send(body);
    const error = expectClientError(answer, 'BAD_USER_INPUT');
    expect(error.message).toMatch(/nested more than 13 levels deep/);
    expect(error.extensions.variablePath).toEqual(['f', ...new Array(11).fill(0)]);
    await stillServes();
  });

  it('a null for an argument that needs a value, through a nullable variable', async () => {
    const answer = await ask('query($all: Boolean) { stats { participantsByRegion(includeSubregions: $all) { count } } }', { all: null });
    expect(expectClientError(answer, 'BAD_USER_INPUT', 200).path).toEqual(['stats', 'participantsByRegion']);
    await stillServes();
  });

  it('more than 50 variable errors', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `v${i}`);
    const query = `query(${names.map((n) => `$${n}: ID!`).join(', ')}) { nodes(ids: [${names.map((n) => `$${n}`).join(', ')}]) { id } }`;
    const answer = await ask(query, Object.fromEntries(names.map((n) => [n, { not: 'an id' }])));
    // One error, listing the first ten: graphql-js would build fifty, three times over.
    const error = expectClientError(answer, 'BAD_USER_INPUT');
    expect(answer.body.errors).toHaveLength(1);
    expect(error.message).toMatch(/^Variable "\$v0" got invalid value/);
    expect(error.extensions.variableErrors).toHaveLength(11);
    expect(error.extensions.variableErrors[9]).toMatch(/^Variable "\$v9"/);
    expect(error.extensions.variableErrors[10]).toMatch(/^Too many errors processing variables/);
    await stillServes();
  });
});

describe('11. a mutation is authorized whole before any field runs', () => {
  it('an editor key cannot slip a region delete after a forum create', async () => {
    const before = await dumpTables(registry.db);
    const region = toGlobalId('Region', Number((await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU-OMS'`))[0].id));
    const answer = await ask(
      `mutation($region: ID!) {
        a: forumCreate(input: { slug: "hostile-forum", title: { en: "Hostile" }, startsOn: "2030-01-01", endsOn: "2030-01-02" }) { forum { slug } userErrors { code } }
        b: regionDelete(id: $region) { deletedId }
      }`,
      { region },
      { authorization: `Bearer ${editorKey}` },
    );
    expect(answer.status).toBe(403);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0]).toMatchObject({ message: expect.stringMatching(/^regionDelete needs the admin role; the key has the editor role/), extensions: { code: 'FORBIDDEN' } });
    expect(await dumpTables(registry.db)).toEqual(before);
    await stillServes();
  });

  it('the same through a fragment', async () => {
    const before = await dumpTables(registry.db);
    const answer = await ask(
      `mutation { ...W } fragment W on Mutation { a: forumCreate(input: { slug: "hostile-forum", title: { en: "Hostile" }, startsOn: "2030-01-01", endsOn: "2030-01-02" }) { forum { slug } } b: organizationDelete(id: "x") { deletedId } }`,
      {},
      { authorization: `Bearer ${editorKey}` },
    );
    expect(expectClientError(answer, 'FORBIDDEN', 403).message).toMatch(/^organizationDelete needs the admin role/);
    expect(await dumpTables(registry.db)).toEqual(before);
  });
});

describe('12. a delete is reported exactly once under concurrency', () => {
  it('six concurrent forumDelete of one forum: one deletedId, five NOT_FOUND', async () => {
    const created = await ask(
      'mutation { forumCreate(input: { slug: "forum-to-delete", title: { en: "Forum to delete" }, startsOn: "2030-03-01", endsOn: "2030-03-02" }) { forum { id } userErrors { code } } }',
      {},
      { authorization: `Bearer ${editorKey}` },
    );
    const id = created.body.data.forumCreate.forum.id;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => ask('mutation($id: ID!) { forumDelete(id: $id) { deletedId userErrors { code field } } }', { id }, { authorization: `Bearer ${editorKey}` })),
    );
    const payloads = answers.map((a) => a.body.data.forumDelete);
    expect(payloads.filter((p) => p.deletedId === id)).toHaveLength(1);
    expect(payloads.filter((p) => p.deletedId === null && p.userErrors[0]?.code === 'NOT_FOUND')).toHaveLength(5);
    expect(await registry.db.query(`SELECT id FROM programs WHERE slug = 'forum-to-delete'`)).toEqual([]);
    await stillServes();
  });
});

describe('13. no request input in the logs', () => {
  it('a failed statement is logged without its parameters', async () => {
    const database = await freshDatabase();
    const config = loadConfig({ ...database.env, PORT: '0', NODE_ENV: 'production' });
    const db = await openRegistryDatabase(config);
    await loadSeeds(db);
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const server = await startHttpServer(config, db, 0, pino({ level: 'info' }, sink));
    try {
      await db.query('ALTER TABLE programs RENAME TO programs_gone');
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($slug: String!) { forum(slug: $slug) { title } }', variables: { slug: 'secret-slug-4242' } }),
      });
      const body = (await response.json()) as any;
      expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(logged).toMatch(/resolver failed/);
      expect(logged).not.toMatch(/secret-slug-4242/);
      expect(logged).not.toMatch(/"parameters"/);
    } finally {
      await db.query('ALTER TABLE programs_gone RENAME TO programs');
      await server.close();
      await db.close();
      await database.drop();
    }
  });
});
