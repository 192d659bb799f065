'use strict';
// The practical limit: plain node:http and pg, one SQL statement per request
// that builds the whole answer as JSON inside PostgreSQL, and JSON.stringify.
// It answers only the benchmark's operations (by operationName) with the same
// shape and data as the registry; it parses no GraphQL and checks nothing.
const http = require('node:http');
const { Pool } = require('pg');


// The registry's rules, in SQL: a language falls back to English, then Russian;
// ids and cursors are base64url of `Type:pk` and of [ordering, key, pk].
const b64url = (text) => `rtrim(translate(replace(encode(convert_to(${text}, 'UTF8'), 'base64'), E'\\n', ''), '+/', '-_'), '=')`;
const name = (col) => `COALESCE(${col}::jsonb->>'en', ${col}::jsonb->>'ru')`;
const gid = (type, pk) => b64url(`'${type}:' || ${pk}`);
const cursor = (ordering, key, pk) => b64url(`'["${ordering}",' || to_json(${key})::text || ',' || ${pk} || ']'`);
const sortKey = (p) => `COALESCE(${p}.starts_on, '9999-12-31')`;
const today = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const status = (p) => `CASE WHEN COALESCE(${p}.ends_on, ${p}.starts_on) < ${today} THEN 'ARCHIVED'
  WHEN ${p}.starts_on IS NULL OR ${p}.starts_on > ${today} THEN 'UPCOMING' ELSE 'ONGOING' END`;
const isoTime = (col) => `to_char((${col})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const region = (r, withName = true) => `json_build_object('code', ${r}.code${withName ? `, 'name', COALESCE(${name(`${r}.name`)}, ${r}.code)` : ''})`;

const DASHBOARD = `
WITH page AS (
  SELECT p.*, ${sortKey('p')} AS sort_key FROM programs p WHERE p.type = 'FORUM'
  ORDER BY ${sortKey('p')}, p.id LIMIT $1::int + 1
), shown AS (
  SELECT * FROM page ORDER BY sort_key, id LIMIT $1::int
)
SELECT json_build_object('forums', json_build_object(
  'totalCount', (SELECT count(*) FROM programs WHERE type = 'FORUM'),
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > $1::int,
    'hasPreviousPage', false,
    'startCursor', (SELECT ${cursor('STARTS_ON:ASC', 'sort_key', 'id')} FROM shown ORDER BY sort_key, id LIMIT 1),
    'endCursor', (SELECT ${cursor('STARTS_ON:ASC', 'sort_key', 'id')} FROM shown ORDER BY sort_key DESC, id DESC LIMIT 1)),
  'edges', COALESCE((SELECT json_agg(json_build_object(
    'cursor', ${cursor('STARTS_ON:ASC', 'f.sort_key', 'f.id')},
    'node', json_build_object(
      'id', ${gid('Forum', 'f.id')}, 'slug', f.slug, 'title', COALESCE(${name('f.title')}, f.slug),
      'status', ${status('f')}, 'startsOn', f.starts_on, 'endsOn', f.ends_on, 'series', f.series, 'year', f.year,
      'location', (SELECT ${region('l')} FROM regions l WHERE l.id = f.location_id),
      'organizers', COALESCE((SELECT json_agg(json_build_object('slug', o.slug, 'name', COALESCE(${name('o.name')}, o.slug),
          'region', (SELECT ${region('r')} FROM regions r WHERE r.id = o.region_id)) ORDER BY po.position, o.id)
        FROM program_organizers po JOIN organizations o ON o.id = po.organization_id WHERE po.program_id = f.id), '[]'),
      'internships', json_build_object(
        'totalCount', (SELECT count(*) FROM programs c WHERE c.forum_id = f.id AND c.type = 'INTERNSHIP'),
        'nodes', COALESCE((SELECT json_agg(json_build_object(
            'id', ${gid('Internship', 'i.id')}, 'slug', i.slug, 'title', COALESCE(${name('i.title')}, i.slug),
            'startsOn', i.starts_on, 'endsOn', i.ends_on, 'participantCount', i.participant_count,
            'location', (SELECT json_build_object('code', l.code, 'name', COALESCE(${name('l.name')}, l.code),
                'parent', (SELECT ${region('lp')} FROM regions lp WHERE lp.id = l.parent_id))
              FROM regions l WHERE l.id = i.location_id),
            'participantOrigins', COALESCE((SELECT json_agg(json_build_object('count', po.count, 'region', ${region('r')}) ORDER BY po.position, po.region_id)
              FROM participant_origins po JOIN regions r ON r.id = po.region_id WHERE po.program_id = i.id), '[]'),
            'sessions', json_build_object(
              'totalCount', (SELECT count(*) FROM sessions s WHERE s.program_id = i.id),
              'nodes', COALESCE((SELECT json_agg(json_build_object(
                  'id', ${gid('Session', 's.id')}, 'title', COALESCE(${name('s.title')}, ''), 'kind', s.kind,
                  'startsAt', CASE WHEN s.starts_at IS NULL THEN NULL ELSE ${isoTime('s.starts_at')} END,
                  'host', (SELECT json_build_object('slug', h.slug, 'name', COALESCE(${name('h.name')}, h.slug),
                      'region', (SELECT ${region('hr', false)} FROM regions hr WHERE hr.id = h.region_id))
                    FROM organizations h WHERE h.id = s.host_id)) ORDER BY s.position, s.id)
                FROM (SELECT * FROM sessions s WHERE s.program_id = i.id ORDER BY s.position, s.id LIMIT $3::int) s), '[]'))
          ) ORDER BY ${sortKey('i')}, i.id)
          FROM (SELECT * FROM programs c WHERE c.forum_id = f.id AND c.type = 'INTERNSHIP' ORDER BY ${sortKey('c')}, c.id LIMIT $2::int) i), '[]'))
    )) ORDER BY f.sort_key, f.id) FROM shown f), '[]')
)) AS data`;

// node(id) for a program: the registry's NodeById selection on a Forum or Internship.
const NODE = `
SELECT json_build_object('node', (SELECT json_build_object(
  '__typename', CASE p.type WHEN 'FORUM' THEN 'Forum' ELSE 'Internship' END,
  'id', ${b64url(`CASE p.type WHEN 'FORUM' THEN 'Forum' ELSE 'Internship' END || ':' || p.id`)}, 'slug', p.slug)
  FROM programs p WHERE p.id = $1::int)) AS data`;

// internships(first, filter: { regionCode }): the region and every region below it.
const LIST = `
WITH RECURSIVE below(id) AS (
  SELECT id FROM regions WHERE code = $2 UNION ALL SELECT c.id FROM regions c JOIN below ON c.parent_id = below.id
), matching AS (
  SELECT p.* FROM programs p WHERE p.type = 'INTERNSHIP' AND p.location_id = ANY(ARRAY(SELECT id FROM below))
), page AS (
  SELECT m.*, ${sortKey('m')} AS sort_key FROM matching m ORDER BY ${sortKey('m')}, m.id LIMIT $1::int + 1
), shown AS (SELECT * FROM page ORDER BY sort_key, id LIMIT $1::int)
SELECT json_build_object('internships', json_build_object(
  'totalCount', (SELECT count(*) FROM matching),
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > $1::int, 'hasPreviousPage', false,
    'startCursor', (SELECT ${cursor('STARTS_ON:ASC', 'sort_key', 'id')} FROM shown ORDER BY sort_key, id LIMIT 1),
    'endCursor', (SELECT ${cursor('STARTS_ON:ASC', 'sort_key', 'id')} FROM shown ORDER BY sort_key DESC, id DESC LIMIT 1)),
  'nodes', COALESCE((SELECT json_agg(json_build_object('slug', i.slug, 'title', COALESCE(${name('i.title')}, i.slug),
      'status', ${status('i')}, 'startsOn', i.starts_on, 'endsOn', i.ends_on,
      'location', (SELECT json_build_object('code', l.code) FROM regions l WHERE l.id = i.location_id)) ORDER BY i.sort_key, i.id)
    FROM shown i), '[]'))) AS data`;

function decodeGlobalId(id) {
  const match = /^[A-Z][A-Za-z]*:(\d+)$/.exec(Buffer.from(String(id), 'base64url').toString('utf8'));
  return match ? Number(match[1]) : 0;
}

const OPERATIONS = {
  Dashboard: (v) => ({ name: 'dashboard', text: DASHBOARD, values: [v.forums ?? 20, v.internships ?? 5, v.sessions ?? 5] }),
  NodeById: (v) => ({ name: 'node', text: NODE, values: [decodeGlobalId(v.id)] }),
  InternshipList: (v) => ({ name: 'list', text: LIST, values: [v.first ?? 20, v.filter?.regionCode] }),
};

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

module.exports = { DASHBOARD, NODE, LIST };
if (require.main !== module) return;

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BENCH_POOL || 10) });

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const make = OPERATIONS[body.operationName];
      if (!make) return send(res, 400, { errors: [{ message: `limit server answers only ${Object.keys(OPERATIONS).join(', ')}` }] });
      // Named statements: parsed and planned once per connection, like a prepared statement.
      const { rows } = await pool.query({ ...make(body.variables ?? {}) });
      send(res, 200, { data: rows[0].data });
    } catch (error) {
      send(res, 500, { errors: [{ message: error.message }] });
    }
  });
});

server.listen(Number(process.env.PORT || 4100), '127.0.0.1', () => {
  console.log(`limit server on http://127.0.0.1:${server.address().port}/graphql`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => pool.end().then(() => process.exit(0))));
