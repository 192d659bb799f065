import fc from 'fast-check';
import { programStatus, programStatusCase, type KnownTime } from '../src/programs/status';
import { startTestRegistry, type TestRegistry } from './support/registry';

/** A forum as generated: its own dates and year (any of them unknown), and its internships' dates. */
interface GeneratedForum {
  startsOn: string | null;
  endsOn: string | null;
  year: number | null;
  internships: Array<{ startsOn: string | null; endsOn: string | null }>;
}

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Forums whose days fall within `spread` days of `middle` and whose years lie around its year, so that years, spans and todays meet often. */
function forums(middle: number, spread: number): fc.Arbitrary<GeneratedForum[]> {
  const year = new Date(middle).getUTCFullYear();
  const day = fc.integer({ min: -spread, max: spread }).map((n) => isoDay(middle + n * DAY));
  const maybeDay = fc.option(day, { nil: null, freq: 2 });
  const forum: fc.Arbitrary<GeneratedForum> = fc.record({
    startsOn: fc.option(day, { nil: null, freq: 1 }),
    endsOn: fc.option(day, { nil: null, freq: 1 }),
    year: fc.option(fc.integer({ min: year - 2, max: year + 2 }), { nil: null, freq: 3 }),
    internships: fc.array(fc.record({ startsOn: maybeDay, endsOn: maybeDay }), { maxLength: 3 }),
  });
  return fc.array(forum, { minLength: 1, maxLength: 8 });
}

/** The JS rule's input for a generated forum, its internships' span worked out here rather than by the registry's loader. */
function known(f: GeneratedForum): KnownTime {
  const dated = f.internships.filter((i) => i.startsOn != null || i.endsOn != null);
  const starts = dated.map((i) => i.startsOn).filter((d): d is string => d != null).sort();
  const ends = dated.map((i) => (i.endsOn ?? i.startsOn)!).sort();
  return { startsOn: f.startsOn, endsOn: f.endsOn, year: f.year, internships: dated.length ? { startsOn: starts[0] ?? null, endsOn: ends[ends.length - 1] } : null };
}

let registry: TestRegistry;
beforeAll(async () => {
  // Without rendering, the status field is the JS rule (with its internships' loader); filters and statistics are the SQL rule.
  registry = await startTestRegistry({ env: { REGISTRY_RENDER: '0', REGISTRY_RESPONSE_CACHE: '0' } });
});
afterAll(() => registry.stop());

let inserted = 0;
async function insertForums(forums: GeneratedForum[]): Promise<string[]> {
  const slugs: string[] = [];
  for (const f of forums) {
    const slug = `status-forum-${++inserted}`;
    const title = JSON.stringify({ en: slug });
    const [row] = await registry.db.query<{ id: number }>(
      `INSERT INTO programs (type, slug, title, title_sort, starts_on, ends_on, year, synthetic) VALUES ('FORUM', $1, $2, $1, $3, $4, $5, $6) RETURNING id`,
      [slug, title, f.startsOn, f.endsOn, f.year, true],
    );
    for (const [k, i] of f.internships.entries()) {
      await registry.db.query(
        `INSERT INTO programs (type, slug, title, title_sort, starts_on, ends_on, forum_id, synthetic) VALUES ('INTERNSHIP', $1, $2, $1, $3, $4, $5, $6)`,
        [`${slug}-internship-${k}`, title, i.startsOn, i.endsOn, Number(row.id), true],
      );
    }
    slugs.push(slug);
  }
  return slugs;
}

async function removeForums(): Promise<void> {
  await registry.db.query(`DELETE FROM programs WHERE slug LIKE 'status-forum-%' AND forum_id IS NOT NULL`);
  await registry.db.query(`DELETE FROM programs WHERE slug LIKE 'status-forum-%'`);
}

describe("a programme's status uses what is known of its time", () => {
  it('is the same rule in JavaScript and in SQL, for any dates, internships, years and day (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(forums(Date.UTC(2021, 6, 1), 900), fc.integer({ min: -900, max: 900 }).map((n) => isoDay(Date.UTC(2021, 6, 1) + n * DAY)), async (generated, today) => {
        const slugs = await insertForums(generated);
        try {
          const rows = await registry.db.query<{ slug: string; status: string }>(`SELECT p.slug AS "slug", ${programStatusCase('p', '$1')} AS "status" FROM programs p WHERE p.slug LIKE 'status-forum-%' AND p.type = 'FORUM'`, [today]);
          const bySql = new Map(rows.map((r) => [r.slug, r.status]));
          slugs.forEach((slug, i) => expect([slug, bySql.get(slug)]).toEqual([slug, programStatus(known(generated[i]), today)]));
        } finally {
          await removeForums();
        }
      }),
      { seed: 17, numRuns: 40 },
    );
  });

  it('answers the same through the API: the status field (JS) and the status filter (SQL) agree on generated forums', async () => {
    const today = new Date().toISOString().slice(0, 10);
    // Around the real today, which the server uses: four sets of up to 8 forums.
    const generated = fc.sample(forums(Date.parse(today), 400), { seed: 2021, numRuns: 4 }).flat();
    const slugs = await insertForums(generated);
    try {
      const expected = new Map(slugs.map((slug, i) => [slug, programStatus(known(generated[i]), today)]));
      const { data, errors } = await registry.request<any, any>('{ forums(first: 100) { nodes { slug status } } }');
      expect(errors).toBeUndefined();
      const shown = data.forums.nodes.filter((n: { slug: string }) => expected.has(n.slug));
      expect(new Map(shown.map((n: { slug: string; status: string }) => [n.slug, n.status]))).toEqual(expected);
      for (const status of ['UPCOMING', 'ONGOING', 'ARCHIVED']) {
        const filtered = await registry.request<any, any>('query($status: ProgramStatus!) { forums(first: 100, filter: { status: [$status] }) { nodes { slug } } }', { status });
        expect(filtered.errors).toBeUndefined();
        const found = filtered.data.forums.nodes.map((n: { slug: string }) => n.slug).filter((slug: string) => expected.has(slug)).sort();
        expect(found).toEqual(slugs.filter((slug) => expected.get(slug) === status).sort());
      }
      // A spread of cases, so that the comparison above is not trivially all one status.
      expect(new Set(expected.values()).size).toBe(3);
    } finally {
      await removeForums();
    }
  });
});
