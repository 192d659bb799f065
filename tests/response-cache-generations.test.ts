import { createKey } from '../src/auth/keys';
import { GenerationalStore } from '../src/cache/shared';
import { bumpGeneration } from '../src/db/generation';
import { sample } from './support/faults';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
let editor: string;
beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  editor = (await createKey(registry.db, 'editor')).key;
});
afterAll(() => registry.stop());

const held = async () => sample(await (await fetch(new URL('/metrics', registry.url))).text(), 'registry_response_cache_entries');
const PAGE = 'query($after: String) { forums(first: 2, after: $after) { pageInfo { endCursor } nodes { slug title } } }';

/** Reads `pages` different pages of forums, each a cached answer of its own. */
async function readPages(pages: number): Promise<string[]> {
  const slugs: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < pages; i++) {
    const response: any = await registry.request(PAGE, { after });
    after = response.data.forums.pageInfo.endCursor;
    slugs.push(...response.data.forums.nodes.map((n: { slug: string }) => n.slug));
  }
  // Answers are stored just after they are sent.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return slugs;
}

describe('the in-process response cache holds no answer a write has retired', () => {
  it('drops every older answer the moment a write through this server commits', async () => {
    await readPages(12);
    expect(await held()).toBe(12);
    const created = await registry.request(
      'mutation { organizationCreate(input: { slug: "retiring-writer", name: { en: "A write that retires answers" }, kind: NGO }) { organization { slug } userErrors { code } } }',
      undefined,
      { authorization: `Bearer ${editor}` },
    );
    expect(created.data).toEqual({ organizationCreate: { organization: { slug: 'retiring-writer' }, userErrors: [] } });
    expect(await held()).toBe(0);
    await readPages(3);
    expect(await held()).toBe(3);
  });

  it('drops them as soon as it reads that another replica wrote', async () => {
    await readPages(5);
    expect(await held()).toBeGreaterThanOrEqual(5);
    // A write committed by another process on the same database.
    await registry.db.transaction(bumpGeneration);
    await readPages(1);
    expect(await held()).toBe(1);
  });

  it('answers the same after the drop as before it, freshly read', async () => {
    const before = await readPages(4);
    await registry.db.transaction(bumpGeneration);
    const first = await registry.request(PAGE, { after: null });
    expect(first.headers.get('age')).toBeNull();
    expect(await readPages(4)).toEqual(before);
  });
});

describe('GenerationalStore', () => {
  it('keeps answers of the newest generation it has seen and no other', async () => {
    const store = new GenerationalStore();
    await store.set('fqc:g7:aa', 'seven');
    expect(await store.get('fqc:g7:aa')).toBe('seven');
    await store.set('fqc:g6:bb', 'six, stored late by a slow request');
    expect(await store.get('fqc:g6:bb')).toBeUndefined();
    expect(store.size).toBe(1);
    expect(await store.get('fqc:g8:aa')).toBeUndefined();
    expect(store.size).toBe(0);
    expect(await store.get('fqc:g7:aa')).toBeUndefined();
    await store.set('fqc:g8:cc', 'eight');
    store.retire('9');
    expect([store.size, await store.get('fqc:g8:cc')]).toEqual([0, undefined]);
  });
});
