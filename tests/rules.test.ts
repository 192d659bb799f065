import fc from 'fast-check';
import type { Database } from '../src/db/database';
import { Params } from '../src/db/database';
import { cursorSql, encodeCursor, type Ordering } from '../src/engine/rules/cursors';
import { globalIdSql, toGlobalId } from '../src/engine/rules/ids';
import { pickText, pickTextSql, type Localized } from '../src/engine/rules/language';
import { pageFlags, pageFlagsSql } from '../src/engine/rules/page-info';
import { useMigratedDatabase } from './support/registry';

/**
 * Each rule that exists in JavaScript and in SQL (src/engine/rules/) gives
 * the same answer both ways, on generated inputs, on this pass's database
 * (SQLite, then PostgreSQL). The status rule has its own test
 * (tests/program-status.test.ts); the cache-hint rule is held to Apollo's by
 * the differential test's Cache-Control headers.
 */

let db: Database;
useMigratedDatabase((opened) => (db = opened));

const RUNS = { seed: 20261202, numRuns: 120 };

/** Runs one SQL expression with its parameters and answers its value. */
async function evaluate(build: (params: Params) => string): Promise<unknown> {
  const [row] = await db.run<{ v: unknown }>((params) => `SELECT ${build(params)} AS "v"`);
  return row.v;
}

/** Text as a database can hold it: any Unicode but NUL, which neither stores. */
const text = fc
  .oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 12 }), fc.constantFrom('"', '\\', '\n\t', 'ё', '😀'))
  .map((s) => s.replace(/\u0000/g, ''));
const codes = ['en', 'ru', 'az', 'de'] as const;

describe('the language rule', () => {
  it('picks the same translation in JavaScript and in SQL', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...codes), fc.oneof(text, fc.constant('')), { maxKeys: 4 }),
        fc.option(fc.constantFrom(...codes), { nil: null }),
        fc.uniqueArray(fc.constantFrom('az', 'de', 'en', 'ru', 'fr'), { maxLength: 3 }),
        async (localized: Localized, lang, requested) => {
          const sql = await evaluate((p) => pickTextSql(db.dialect, p, `${p.add(JSON.stringify(localized))}`, lang, requested));
          expect(sql ?? null).toBe(pickText(localized, lang, requested));
        },
      ),
      RUNS,
    );
  });
});

describe('global ids', () => {
  it('are encoded the same in JavaScript and in SQL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Forum', 'Internship', 'Region', 'Organization', 'Session'), fc.integer({ min: 1, max: 2_147_483_647 }), async (type, pk) => {
        expect(await evaluate((p) => globalIdSql(db.dialect, type, `CAST(${p.add(pk)} AS INTEGER)`))).toBe(toGlobalId(type, pk));
      }),
      RUNS,
    );
  });
});

describe('cursors', () => {
  const ordering = (name: string): Ordering => ({ name, key: 'x', keyType: 'text', pk: 'id', direction: 'ASC' });

  it('are encoded the same in JavaScript and in SQL, for text keys and integer keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POSITION', 'STARTS_ON:ASC', 'TITLE:DESC', "it's \"odd\""),
        fc.oneof(text.map((key) => ({ key, cast: 'TEXT' })), fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }).map((key) => ({ key, cast: 'INTEGER' }))),
        fc.integer({ min: 1, max: 2_147_483_647 }),
        async (name, { key, cast }, pk) => {
          const sql = await evaluate((p) => cursorSql(db.dialect, ordering(name), `CAST(${p.add(key)} AS ${cast})`, `CAST(${p.add(pk)} AS INTEGER)`));
          expect(sql).toBe(encodeCursor(ordering(name), { key, pk }));
        },
      ),
      RUNS,
    );
  });
});

describe('page info', () => {
  it('says the same in JavaScript and in SQL whether more items follow a page read forwards', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 101 }), fc.boolean(), async (size, extra, after) => {
        const fetched = Math.min(extra, size + 1);
        const page = { size, backward: false, after: after ? { key: 'k', pk: 1 } : undefined };
        const js = pageFlags(fetched, page);
        const flags = (name: 'hasNextPage' | 'hasPreviousPage') => evaluate((p) => pageFlagsSql(db.dialect, `CAST(${p.add(fetched)} AS INTEGER)`, `CAST(${p.add(size)} AS INTEGER)`, page)[name]);
        const truth = (v: unknown) => v === true || v === 'true';
        expect(truth(await flags('hasNextPage'))).toBe(js.hasNextPage);
        expect(truth(await evaluate(() => pageFlagsSql(db.dialect, '0', '0', page).hasPreviousPage))).toBe(js.hasPreviousPage);
      }),
      RUNS,
    );
  });
});
