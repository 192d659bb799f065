import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { toGlobalId } from '../src/engine/rules/ids';
import { MAX_DURATION_MS, parseDuration } from '../src/live/duration';
import { startTestRegistry, type TestRegistry } from './support/registry';

/**
 * Random values at every variable, header and cursor of the dashboards' own
 * operations (schema/operations/), against a production server: whatever is
 * sent, the answer is a coded client error or data, never an internal error
 * and never a 500. Seeded, so a failure replays.
 */

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ env: { NODE_ENV: 'production' } });
});
afterAll(() => registry.stop());

const OPERATIONS = path.join(__dirname, '..', 'schema', 'operations');
const operations = fs
  .readdirSync(OPERATIONS)
  .filter((f) => f.endsWith('.graphql'))
  .flatMap((file) => {
    const document = parse(fs.readFileSync(path.join(OPERATIONS, file), 'utf8'));
    return document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query')
      .map((operation) => ({ name: operation.name!.value, text: print(document), variables: (operation.variableDefinitions ?? []).map((v) => v.variable.name.value) }));
  });

const base64url = (text: string) => Buffer.from(text).toString('base64url');
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('constructor', '__proto__', 'prototype', 'toString', 'a\u0000b', '\u0000', '', ' ', 'RU', 'AZ-BA', 'baku-internship-2021', 'mirea', "' OR 1=1 --", '%', '_', '\\', 'NEAR(', '*', '"'),
  fc.integer().map(String),
);
/** Cursors and ids as a forger would make them: right shape, wrong content. */
const forged = fc.oneof(
  fc.tuple(fc.constantFrom('POSITION', 'RECORDED', 'CODE', 'SLUG', 'TITLE:ASC', 'STARTS_ON:DESC', 'RELEVANCE', 'X'), fc.oneof(fc.integer(), fc.double(), hostileString, fc.constant(null)), fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), hostileString))
    .map((parts) => base64url(JSON.stringify(parts))),
  fc.tuple(fc.constantFrom('Forum', 'Internship', 'Region', 'Organization', 'Session', 'Query', 'Node', 'forum'), fc.oneof(fc.nat(), fc.constant(2_147_483_648), fc.maxSafeInteger(), hostileString)).map(([t, k]) => base64url(`${t}:${k}`)),
  fc.nat({ max: 40 }).map((pk) => toGlobalId('Internship', pk)),
);
const scalar = fc.oneof(hostileString, forged, fc.integer(), fc.integer({ min: -2_147_483_649, max: 2_147_483_649 }).map((n) => n * 1000), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.oneof(
  { depthSize: 'small', withCrossShrink: true },
  scalar,
  fc.array(scalar, { maxLength: 5 }),
  fc.dictionary(fc.constantFrom('status', 'regionCode', 'organizerSlug', 'startsFrom', 'startsTo', 'query', 'callStatus', 'closesBefore', 'eligibleFor', 'field', 'direction', '__proto__', 'constructor', 'x'), scalar, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 4 }),
);
const header = fc.oneof(fc.constant(undefined), hostileString, fc.constantFrom('ru-RU,ru;q=0.9,en;q=0.8', '*', 'en;q=abc', 'constructor;q=1'));

it('answers every random variable, header and cursor with data or a coded client error', async () => {
  expect(operations.length).toBeGreaterThan(8);
  let answered = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...operations),
      fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 2 }),
      fc.array(value, { minLength: 12, maxLength: 12 }),
      fc.nat({ max: 12 }),
      header,
      header,
      async (operation, extra, values, randomized, acceptLanguage, authorization) => {
        // Only the first few variables are random, the rest keep the example's values, so deeper fields are reached too.
        const variables: Record<string, unknown> = { slug: 'baku-internship-2021', code: 'RU', query: 'baku', first: 3, ...extra };
        operation.variables.forEach((name, i) => {
          if (i < randomized) variables[name] = values[i % values.length];
        });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (acceptLanguage !== undefined) headers['accept-language'] = acceptLanguage.replace(/[^\t\x20-\x7e]/g, '');
        if (authorization !== undefined) headers.authorization = `Bearer ${authorization.replace(/[^\t\x20-\x7e]/g, '')}`;
        const response = await fetch(registry.url, { method: 'POST', headers, body: JSON.stringify({ query: operation.text, operationName: operation.name, variables }) });
        const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
        if (response.status === 500 || JSON.stringify(body).includes('INTERNAL_SERVER_ERROR')) console.error('internal error for', operation.name, JSON.stringify(variables), JSON.stringify(headers), JSON.stringify(body).slice(0, 500));
        expect(response.status).not.toBe(500);
        const codes = (body.errors ?? []).map((e) => e.extensions?.code);
        expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
        expect(codes.every((c) => typeof c === 'string')).toBe(true);
        if (body.errors?.length) refused++;
        else answered++;
      },
    ),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261201), numRuns: Number(process.env.PROPERTY_RUNS ?? 250) },
  );
  // Both kinds were reached: random values that pass and ones that are refused.
  expect(answered).toBeGreaterThan(10);
  expect(refused).toBeGreaterThan(10);
});

/** The feeds' query parameters, hostile values among them: every answer is a feed, a 304 or a coded 400, never a 500. */
it('answers every random feed request with a feed or a coded client error', async () => {
  const parameter = fc.constantFrom('region', 'organizer', 'status', 'callStatus', 'eligibleFor', 'closesBefore', 'startsFrom', 'startsTo', 'query', 'program', 'lang', '__proto__', 'constructor', 'x');
  const parameterValue = fc.oneof(hostileString, fc.constantFrom('OPEN,CLOSED', 'ARCHIVED', 'RU-OMS', '2030-01-01', '2030-01-01T00:00:00Z', 'ru', 'EN'), fc.string({ minLength: 300, maxLength: 3000 }));
  const seen = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('sessions.ics', 'calls.json'), fc.array(fc.tuple(parameter, parameterValue), { maxLength: 4 }), header, async (feed, pairs, ifNoneMatch) => {
      const url = new URL(`/feeds/${feed}`, registry.url);
      for (const [name, v] of pairs) url.searchParams.append(name, v);
      const headers: Record<string, string> = {};
      if (ifNoneMatch !== undefined) headers['if-none-match'] = ifNoneMatch.replace(/[^\t\x20-\x7e]/g, '');
      const response = await fetch(url, { headers });
      const text = await response.text();
      seen.add(response.status);
      if (![200, 304, 400, 414, 431].includes(response.status)) console.error('feed answered', response.status, url.search.slice(0, 300), text.slice(0, 300));
      expect([200, 304, 400, 414, 431]).toContain(response.status);
      if (response.status === 400) {
        const body = JSON.parse(text) as { errors: Array<{ message: string; extensions: { code: string } }> };
        expect(typeof body.errors[0].extensions.code).toBe('string');
        expect(body.errors[0].message).not.toMatch(/SELECT|\bat \w+ \(/);
      }
      expect(text).not.toContain('INTERNAL_SERVER_ERROR');
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261202), numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
  );
  // Both feeds and refusals were reached.
  expect(seen.has(200)).toBe(true);
  expect(seen.has(400)).toBe(true);
});

it('reads every random duration as milliseconds within bounds, or refuses it with BAD_USER_INPUT', () => {
  const durationText = fc.oneof(
    fc.tuple(fc.nat({ max: 20 }), fc.nat({ max: 200 }), fc.nat({ max: 5000 }), fc.nat({ max: 100000 }), fc.double({ min: 0, max: 1e7, noNaN: true })).map(([w, d, h, m, sec]) => `P${w}W${d}DT${h}H${m}M${sec}S`),
    fc.constantFrom('P3D', 'PT48H', 'P90D', 'P91D', 'PT0S', 'P', 'PT', 'P1Y', 'P1M', 'P1DT', '-P1D', 'P1.5D', 'p3d', ' PT2H ', 'P9999999W'),
  );
  let read = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.oneof(durationText, hostileString, fc.integer(), fc.double(), fc.constant(null), fc.jsonValue({ maxDepth: 2 })), (input) => {
      let ms: number | undefined;
      try {
        ms = parseDuration(input);
      } catch (error) {
        expect((error as { extensions?: { code?: string } }).extensions?.code).toBe('BAD_USER_INPUT');
        refused++;
        return;
      }
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(MAX_DURATION_MS);
      read++;
    }),
    { seed: Number(process.env.PROPERTY_SEED ?? 20261202), numRuns: 2000 },
  );
  expect(read).toBeGreaterThan(20);
  expect(refused).toBeGreaterThan(20);
});
