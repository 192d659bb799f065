'use strict';
// Shapes beyond the four measured queries (issue 18): interface-typed lists,
// feeds, tables with to-many lists, first and deep pages in every order, an
// entity batch and statistics. Each has PostGraphile's equivalent where one
// exists, with its fields aliased to the registry's names, so one summary
// checks that both answered the same.
const { Client } = require('pg');

const ORDERS = [
  { name: 'STARTS_ON:ASC', registry: { field: 'STARTS_ON', direction: 'ASC' }, peer: ['STARTS_ON_ASC', 'PRIMARY_KEY_ASC'], key: "COALESCE(starts_on, '9999-12-31')", dir: 'ASC' },
  { name: 'STARTS_ON:DESC', registry: { field: 'STARTS_ON', direction: 'DESC' }, peer: ['STARTS_ON_DESC', 'PRIMARY_KEY_DESC'], key: "COALESCE(starts_on, '9999-12-31')", dir: 'DESC' },
  { name: 'TITLE:ASC', registry: { field: 'TITLE', direction: 'ASC' }, peer: ['TITLE_SORT_ASC', 'PRIMARY_KEY_ASC'], key: 'title_sort', dir: 'ASC' },
  { name: 'TITLE:DESC', registry: { field: 'TITLE', direction: 'DESC' }, peer: ['TITLE_SORT_DESC', 'PRIMARY_KEY_DESC'], key: 'title_sort', dir: 'DESC' },
];

/** Where a deep page starts: 90% into the internships, in each ordering. */
const DEEP = 0.9;

async function withClient(pgUrl, work) {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The registry's cursor of the internship at DEEP of the list in `order` (src/engine/rules/cursors.ts: base64url of [ordering, key, id]). */
async function registryCursor(pgUrl, order) {
  return withClient(pgUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT id, ${order.key} AS key FROM programs WHERE type = 'INTERNSHIP' ORDER BY ${order.key} ${order.dir}, id ${order.dir} OFFSET (SELECT FLOOR(COUNT(*) * ${DEEP}) FROM programs WHERE type = 'INTERNSHIP') LIMIT 1`,
    );
    return Buffer.from(JSON.stringify([order.name, rows[0].key, rows[0].id])).toString('base64url');
  });
}

const post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();

/** PostGraphile's cursor of the same internship: it pages by offset too, so it names its own cursor there. */
async function peerCursor(pgUrl, order, url) {
  const total = await withClient(pgUrl, async (client) => Number((await client.query(`SELECT COUNT(*) AS n FROM programs WHERE type = 'INTERNSHIP'`)).rows[0].n));
  const answer = await post(url, {
    query: `query($offset: Int!, $orderBy: [ProgramOrderBy!]) { allPrograms(first: 1, offset: $offset, condition: { type: "INTERNSHIP" }, orderBy: $orderBy) { edges { cursor } } }`,
    variables: { offset: Math.floor(total * DEEP), orderBy: order.peer },
  });
  return answer.data.allPrograms.edges[0].cursor;
}

async function internshipIds(pgUrl, count) {
  return withClient(pgUrl, async (client) => (await client.query(`SELECT id FROM programs WHERE type = 'INTERNSHIP' ORDER BY id LIMIT $1`, [count])).rows.map((r) => Number(r.id)));
}

const nodesOf = (list) => list?.nodes ?? [];

const PAGE_FIELDS = 'slug title startsOn';

const deepPages = ORDERS.map((order) => ({
  name: `deep page ${order.name}`,
  title: `internships(first: 20) after a cursor at ${DEEP * 100}% of the list, ordered ${order.name}`,
  registry: {
    query: `query DeepPage($after: String, $orderBy: ProgramOrder) { internships(first: 20, after: $after, orderBy: $orderBy) { pageInfo { hasNextPage endCursor } nodes { ${PAGE_FIELDS} } } }`,
    variables: async ({ pgUrl }) => ({ after: await registryCursor(pgUrl, order), orderBy: order.registry }),
  },
  peer: {
    query: `query DeepPage($after: Cursor, $orderBy: [ProgramOrderBy!]) { internships: allPrograms(first: 20, after: $after, condition: { type: "INTERNSHIP" }, orderBy: $orderBy) { pageInfo { hasNextPage endCursor } nodes { slug title: localizedTitle startsOn } } }`,
    variables: async ({ pgUrl, url }) => ({ after: await peerCursor(pgUrl, order, url), orderBy: order.peer }),
  },
  summary: (data) => ({ items: data.internships.nodes.length, first: data.internships.nodes[0]?.slug, last: data.internships.nodes.at(-1)?.slug }),
}));

function shapes() {
  return [
    {
      name: 'organizations with programmes',
      title: '20 organizations, each with 5 programmes (an interface) and 3 sessions of each',
      registry: {
        query: `query OrganizationsWithPrograms { organizations(first: 20) { nodes { slug name programs(first: 5) { nodes { __typename slug title startsOn ... on Internship { participantCount } sessions(first: 3) { nodes { title kind } } } } } } }`,
      },
      peer: {
        query: `query OrganizationsWithPrograms { organizations: allOrganizations(first: 20, orderBy: [SLUG_ASC]) { nodes { slug name: localizedName programs: programOrganizersByOrganizationId(first: 5, orderBy: [PROGRAM_ID_ASC]) { nodes { program: programByProgramId { type slug title: localizedTitle startsOn participantCount sessions: sessionsByProgramId(first: 3, orderBy: [POSITION_ASC, PRIMARY_KEY_ASC]) { nodes { title: localizedTitle kind } } } } } } } }`,
      },
      summary: (data) => ({ organizations: data.organizations.nodes.length, programs: data.organizations.nodes.reduce((n, o) => n + nodesOf(o.programs).length, 0) }),
    },
    {
      name: 'session feed',
      title: '50 sessions, each with its host (and its region) and its programme (an interface, with its place)',
      registry: {
        query: `query SessionFeed { sessions(first: 50) { nodes { title kind startsAt host { slug name region { code } } program { __typename slug title location { code } } } } }`,
      },
      peer: {
        query: `query SessionFeed { sessions: allSessions(first: 50, orderBy: [PRIMARY_KEY_ASC]) { nodes { title: localizedTitle kind startsAt host: organizationByHostId { slug name: localizedName region: regionByRegionId { code } } program: programByProgramId { type slug title: localizedTitle location: regionByLocationId { code } } } } }`,
      },
      summary: (data) => ({ sessions: data.sessions.nodes.length, hosts: data.sessions.nodes.filter((s) => s.host).length, first: data.sessions.nodes[0]?.program.slug }),
    },
    {
      name: 'internship table',
      title: '50 internships with participant origins (and their regions), organizers and forum',
      registry: {
        query: `query InternshipTable { internships(first: 50) { nodes { slug title startsOn participantCount participantOrigins { count region { code name } } organizers { slug name } forum { slug title } } } }`,
      },
      peer: {
        query: `query InternshipTable { internships: allPrograms(first: 50, condition: { type: "INTERNSHIP" }, orderBy: [STARTS_ON_ASC, PRIMARY_KEY_ASC]) { nodes { slug title: localizedTitle startsOn participantCount participantOrigins: participantOriginsByProgramId(orderBy: [POSITION_ASC, REGION_ID_ASC]) { nodes { count region: regionByRegionId { code name: localizedName } } } organizers: programOrganizersByProgramId(orderBy: [POSITION_ASC, ORGANIZATION_ID_ASC]) { nodes { organization: organizationByOrganizationId { slug name: localizedName } } } forum: programByForumId { slug title: localizedTitle } } } }`,
      },
      summary: (data) => ({ items: data.internships.nodes.length, first: data.internships.nodes[0]?.slug, origins: data.internships.nodes.reduce((n, i) => n + (Array.isArray(i.participantOrigins) ? i.participantOrigins.length : i.participantOrigins.nodes.length), 0) }),
    },
    {
      name: 'first page',
      title: 'internships(first: 20) in the default order (by start date)',
      registry: { query: `query FirstPage { internships(first: 20) { pageInfo { hasNextPage endCursor } nodes { ${PAGE_FIELDS} } } }` },
      peer: {
        query: `query FirstPage { internships: allPrograms(first: 20, condition: { type: "INTERNSHIP" }, orderBy: [STARTS_ON_ASC, PRIMARY_KEY_ASC]) { pageInfo { hasNextPage endCursor } nodes { slug title: localizedTitle startsOn } } }`,
      },
      summary: (data) => ({ items: data.internships.nodes.length, first: data.internships.nodes[0]?.slug, last: data.internships.nodes.at(-1)?.slug }),
    },
    ...deepPages,
    {
      name: '_entities x100',
      title: "a gateway's batch: _entities for 100 internship representations",
      registry: {
        query: `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Internship { id slug title startsOn } } }`,
        variables: async ({ pgUrl }) => ({
          representations: (await internshipIds(pgUrl, 100)).map((id) => ({ __typename: 'Internship', id: Buffer.from(`Internship:${id}`).toString('base64url') })),
        }),
      },
      summary: (data) => ({ entities: data._entities.length, found: data._entities.filter(Boolean).length }),
    },
    {
      name: 'stats',
      title: 'stats { programsByYear, programsByRegion(includeSubregions: true) }',
      registry: { query: `query Stats { stats { programsByYear { year count } programsByRegion(includeSubregions: true) { region { code } count } } }` },
      summary: (data) => ({ years: data.stats.programsByYear.length, regions: data.stats.programsByRegion.length }),
    },
  ];
}

module.exports = { shapes, ORDERS, registryCursor, peerCursor };
