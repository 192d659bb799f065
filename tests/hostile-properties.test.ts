import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { toGlobalId } from '../src/engine/rules/ids';
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
  fc.dictionary(fc.constantFrom('status', 'regionCode', 'organizerSlug', 'startsFrom', 'startsTo', 'query', 'field', 'direction', '__proto__', 'constructor', 'x'), scalar, { maxKeys: 4 }),
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
