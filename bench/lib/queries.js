'use strict';
// The four measured queries. The registry's come from schema/operations/ (so
// the benchmark follows the dashboard as it changes); PostGraphile's are the
// same selections in its generated schema; the limit server is told which by
// operationName.
const fs = require('node:fs');
const path = require('node:path');
const { parse, print } = require('graphql');

const OPERATIONS = path.resolve(__dirname, '..', '..', 'schema', 'operations');

/** One named operation (plus the fragments it uses) from schema/operations/<file>. */
function operation(file, name) {
  const doc = parse(fs.readFileSync(path.join(OPERATIONS, file), 'utf8'));
  const op = doc.definitions.find((d) => d.kind === 'OperationDefinition' && d.name?.value === name);
  if (!op) throw new Error(`no operation ${name} in schema/operations/${file}`);
  const fragments = doc.definitions.filter((d) => d.kind === 'FragmentDefinition');
  return print({ kind: 'Document', definitions: [op, ...fragments] });
}

// PostGraphile 5 (amber preset) names: allPrograms, programsByForumId, regionByLocationId, …
// Localized text and status are computed columns from bench/peers/peer.sql.
const PEER_DASHBOARD = `query Dashboard($forums: Int = 20, $internships: Int = 5, $sessions: Int = 5, $lang: String) {
  forums: allPrograms(first: $forums, condition: { type: "FORUM" }, orderBy: [STARTS_ON_ASC, PRIMARY_KEY_ASC]) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        id
        slug
        title: localizedTitle(lang: $lang)
        status
        startsOn
        endsOn
        series
        year
        location: regionByLocationId { code name: localizedName(lang: $lang) }
        organizers: programOrganizersByProgramId(orderBy: [POSITION_ASC, ORGANIZATION_ID_ASC]) {
          nodes {
            organization: organizationByOrganizationId {
              slug
              name: localizedName(lang: $lang)
              region: regionByRegionId { code name: localizedName(lang: $lang) }
            }
          }
        }
        internships: programsByForumId(first: $internships, condition: { type: "INTERNSHIP" }, orderBy: [STARTS_ON_ASC, PRIMARY_KEY_ASC]) {
          totalCount
          nodes {
            id
            slug
            title: localizedTitle(lang: $lang)
            startsOn
            endsOn
            participantCount
            location: regionByLocationId {
              code
              name: localizedName(lang: $lang)
              parent: regionByParentId { code name: localizedName(lang: $lang) }
            }
            participantOrigins: participantOriginsByProgramId(orderBy: [POSITION_ASC, REGION_ID_ASC]) {
              nodes { count region: regionByRegionId { code name: localizedName(lang: $lang) } }
            }
            sessions: sessionsByProgramId(first: $sessions, orderBy: [POSITION_ASC, PRIMARY_KEY_ASC]) {
              totalCount
              nodes {
                id
                title: localizedTitle(lang: $lang)
                kind
                startsAt
                host: organizationByHostId {
                  slug
                  name: localizedName(lang: $lang)
                  region: regionByRegionId { code }
                }
              }
            }
          }
        }
      }
    }
  }
}`;

const PEER_NODE = `query NodeById($id: ID!) {
  node(id: $id) { __typename id ... on Program { slug } }
}`;

// The registry's regionCode filter takes the region and everything below it;
// the benchmark filters on a synthetic leaf region, where that is just its own programs.
const PEER_LIST = `query InternshipList($first: Int, $regionCode: String!) {
  region: regionByCode(code: $regionCode) {
    internships: programsByLocationId(first: $first, condition: { type: "INTERNSHIP" }, orderBy: [STARTS_ON_ASC, PRIMARY_KEY_ASC]) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { slug title: localizedTitle status startsOn endsOn location: regionByLocationId { code } }
    }
  }
}`;

/** The program whose node the lookup fetches, and the region the list filters on (both in the medium set). */
const LOOKUP_PROGRAM_ID = 5000;
const LIST_REGION = 'SYN-0042';

function queries() {
  return [
    {
      name: 'dashboard',
      title: 'dashboard (20 forums × 5 internships × 5 sessions)',
      // closingSoon: 0 keeps the registry's selection the peers' (they have no calls for applications): the block is then one empty LIMIT 0 read (tests/batching.test.ts).
      registry: { operationName: 'Dashboard', query: operation('dashboard.graphql', 'Dashboard'), variables: { forums: 20, internships: 5, sessions: 5, closingSoon: 0 } },
      limit: { operationName: 'Dashboard', variables: { forums: 20, internships: 5, sessions: 5 } },
      peer: { operationName: 'Dashboard', query: PEER_DASHBOARD, variables: { forums: 20, internships: 5, sessions: 5 } },
    },
    {
      name: 'node',
      title: 'single-node lookup: node(id) of a program',
      // The id is filled in per server at sanity time (each has its own id scheme).
      registry: { operationName: 'NodeById', query: operation('nodes.graphql', 'NodeById'), variables: { id: null } },
      limit: { operationName: 'NodeById', variables: { id: null } },
      peer: { operationName: 'NodeById', query: PEER_NODE, variables: { id: null } },
    },
    {
      name: 'list',
      title: `filtered list: 20 internships in region ${LIST_REGION}`,
      registry: { operationName: 'InternshipList', query: operation('lists.graphql', 'InternshipList'), variables: { first: 20, filter: { regionCode: LIST_REGION } } },
      limit: { operationName: 'InternshipList', variables: { first: 20, filter: { regionCode: LIST_REGION } } },
      peer: { operationName: 'InternshipList', query: PEER_LIST, variables: { first: 20, regionCode: LIST_REGION } },
    },
    {
      name: 'search',
      title: 'search "youth leadership", first 20',
      needsSearch: true,
      registry: { operationName: 'Search', query: safeOperation('analysts.graphql', 'Search'), variables: { query: 'youth leadership', first: 20 } },
    },
  ];
}

function safeOperation(file, name) {
  try {
    return operation(file, name);
  } catch {
    return null;
  }
}

module.exports = { queries, LOOKUP_PROGRAM_ID, LIST_REGION };
