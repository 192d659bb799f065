import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { createKey } from '../src/auth/keys';
import type { Database } from '../src/db/database';
import { ClosingSoonScheduler } from '../src/live/closing';
import { formatDuration, parseDuration } from '../src/live/duration';
import type { LiveEvent } from '../src/live/events';
import { createLogger } from '../src/ops/logging';
import type { RegistryProcess } from './support/process';
import { startTestRegistry, type TestRegistry } from './support/registry';
import { listen, metric, replicaTransport, useTwoReplicas, wsClient } from './support/subscriptions';

const CLOSING_SOON = `subscription($within: Duration!, $region: String) { callClosingSoon(within: $within, regionCode: $region) { reason id generation call { closesAt status eligibleRegions { code } } program { slug } } }`;
const FORUM_CREATE = `mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { id slug } userErrors { field code } } }`;
const CALL_CREATE = `mutation($input: CallCreateInput!) { callCreate(input: $input) { call { id closesAt } userErrors { field code message } } }`;
const CALL_DELETE = `mutation($id: ID!) { callDelete(id: $id) { deletedId userErrors { field code message } } }`;
const CALL_UPDATE = `mutation($id: ID!, $input: CallUpdateInput!) { callUpdate(id: $id, input: $input) { call { id } userErrors { field code message } } }`;

const HOUR = 3_600_000;

describe('Duration', () => {
  it('reads ISO 8601 durations of weeks, days, hours, minutes and seconds', () => {
    expect(parseDuration('P3D')).toBe(3 * 24 * HOUR);
    expect(parseDuration('PT48H')).toBe(48 * HOUR);
    expect(parseDuration('P1W')).toBe(7 * 24 * HOUR);
    expect(parseDuration('P1DT12H30M')).toBe(36.5 * HOUR);
    expect(parseDuration('PT1.5S')).toBe(1_500);
    expect(parseDuration('P90D')).toBe(90 * 24 * HOUR);
    expect(formatDuration(parseDuration('P1DT12H30M'))).toBe('P1DT12H30M');
    expect(formatDuration(48 * HOUR)).toBe('P2D');
  });

  it.each([
    ['P1Y', 'years and months have no fixed length'],
    ['P2M', 'years and months have no fixed length'],
    ['P91D', 'at most P90D'],
    ['PT0S', 'more than zero'],
    ['P', 'P, then weeks'],
    ['PT', 'P, then weeks'],
    ['3 days', 'P, then weeks'],
    ['-P1D', 'P, then weeks'],
  ])('refuses %s: %s', (text, why) => {
    expect(() => parseDuration(text)).toThrow(why);
  });
});

describe('callClosingSoon tells a dashboard of calls entering its window', () => {
  let registry: TestRegistry;
  let editor: string;
  const clients: Array<ReturnType<typeof wsClient>> = [];
  const client = () => {
    const c = wsClient(registry.url);
    clients.push(c);
    return c;
  };
  const write = async (query: string, variables: Record<string, unknown>) => {
    const response = await registry.request<any, any>(query, variables, { authorization: `Bearer ${editor}` });
    expect(response.errors).toBeUndefined();
    const payload = Object.values(response.data)[0] as { userErrors?: unknown[] };
    expect(payload.userErrors ?? []).toEqual([]);
    return response.data;
  };
  const metrics = async () => (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text();
  const active = async () => metric(await metrics(), 'registry_subscriptions_active');
  const until = async (count: number) => {
    for (let i = 0; i < 200 && (await active()) < count; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await active()).toBe(count);
  };
  const today = () => new Date().toISOString().slice(0, 10);
  /** A forum far in the future, so that any deadline before it is valid. */
  const forum = async (slug: string) =>
    write(FORUM_CREATE, { input: { slug, title: { en: `Forum ${slug}` }, startsOn: '2099-10-01', endsOn: '2099-10-03', locationCode: 'AZ-BA', organizerSlugs: ['mirea'] } });
  const call = async (slug: string, closesAt: number, regions: string[]) =>
    (await write(CALL_CREATE, { input: { programSlug: slug, opensOn: today(), closesAt: new Date(closesAt).toISOString(), timeZone: 'Europe/Moscow', applyUrl: 'https://example.org/apply', eligibleRegionCodes: regions } })).callCreate.call;

  beforeAll(async () => {
    registry = await startTestRegistry();
    editor = (await createKey(registry.db, 'editor', 'closing soon test')).key;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    for (let i = 0; i < 100 && (await active()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => registry.stop());

  it('tells a call created closing in an hour to a resident of Omsk when it is open to RU, not to one of Azerbaijan', async () => {
    const omsk = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'RU-OMS' });
    const baku = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'AZ' });
    const anyone = listen(client(), CLOSING_SOON, { within: 'PT30M' });
    await until(3);
    await forum('closing-soon-a-2099');
    const created = await call('closing-soon-a-2099', Date.now() + HOUR, ['RU']);
    const [event] = await omsk.waitFor(1);
    expect(event.callClosingSoon).toEqual({
      reason: 'CREATED',
      id: created.id,
      generation: expect.stringMatching(/^\d+$/),
      call: { closesAt: created.closesAt, status: 'OPEN', eligibleRegions: [{ code: 'RU' }] },
      program: { slug: 'closing-soon-a-2099' },
    });
    // A later deadline takes it out of the window of the one it was told to.
    await write(CALL_UPDATE, { id: created.id, input: { closesAt: new Date(Date.now() + 5 * HOUR).toISOString() } });
    const [, left] = await omsk.waitFor(2);
    expect(left.callClosingSoon).toMatchObject({ reason: 'LEFT', id: created.id, call: { status: 'OPEN' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(omsk.events).toHaveLength(2);
    expect(baku.events).toEqual([]);
    // Closing in an hour is not within 30 minutes.
    expect(anyone.events).toEqual([]);
  });

  it('tells a call open to anyone to every resident, and its deletion to those told of it', async () => {
    const omsk = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'RU-OMS' });
    const baku = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'AZ' });
    const later = listen(client(), CLOSING_SOON, { within: 'PT10M' });
    await until(3);
    await forum('closing-soon-d-2099');
    const created = await call('closing-soon-d-2099', Date.now() + 20 * 60_000, []);
    for (const heard of [omsk, baku]) expect((await heard.waitFor(1))[0].callClosingSoon).toMatchObject({ reason: 'CREATED', id: created.id, call: { eligibleRegions: [] } });
    await write(CALL_DELETE, { id: created.id });
    for (const heard of [omsk, baku]) expect((await heard.waitFor(2))[1].callClosingSoon).toEqual({ reason: 'LEFT', id: created.id, generation: expect.stringMatching(/^\d+$/), call: null, program: { slug: 'closing-soon-d-2099' } });
    await new Promise((r) => setTimeout(r, 300));
    // Never told of it: not told of its deletion either.
    expect(later.events).toEqual([]);
    expect(omsk.events).toHaveLength(2);
  });

  it('tells a call whose deadline enters the window as time passes, once, by the timer', async () => {
    const omsk = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'RU-OMS' });
    const baku = listen(client(), CLOSING_SOON, { within: 'PT2H', region: 'AZ' });
    await until(2);
    await forum('closing-soon-b-2099');
    // Two seconds outside the window: no write tells it; time does.
    const started = Date.now();
    const created = await call('closing-soon-b-2099', started + 2 * HOUR + 2_000, ['RU']);
    await new Promise((r) => setTimeout(r, 500));
    expect(omsk.events).toEqual([]);
    const [event] = await omsk.waitFor(1, 10_000);
    const waited = Date.now() - started;
    expect(event.callClosingSoon).toEqual({
      reason: 'ENTERED',
      id: created.id,
      generation: null,
      call: { closesAt: created.closesAt, status: 'OPEN', eligibleRegions: [{ code: 'RU' }] },
      program: { slug: 'closing-soon-b-2099' },
    });
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(omsk.events).toHaveLength(1);
    expect(baku.events).toEqual([]);
    expect(metric(await metrics(), 'registry_subscription_window_scans_total', 'outcome="ok"')).toBeGreaterThanOrEqual(1);
  });

  it('costs one statement per firing and per re-arm, for twenty subscribers as for one, and sleeps at most its cap', async () => {
    let statements = 0;
    const counting = Object.create(registry.db) as Database;
    counting.run = (build) => {
      statements++;
      return registry.db.run(build);
    };
    const offered: LiveEvent[] = [];
    const scheduler = new ClosingSoonScheduler(counting, (event) => offered.push(event), createLogger('silent'), undefined, 30_000);
    const settle = async () => {
      for (let i = 0; i < 100 && (scheduler as unknown as { working: boolean }).working; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      const [ru] = await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU'`);
      const [omsk] = await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU-OMS'`);
      const [cis] = await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'CIS'`);
      const residents = Array.from({ length: 10 }, () => scheduler.add(2 * HOUR, [Number(omsk.id), Number(ru.id), Number(cis.id)]));
      const anyone = Array.from({ length: 10 }, () => scheduler.add(HOUR, null));
      await settle();
      // Asleep until the next entry, the next UTC midnight, or its cap: never longer than the cap.
      expect(scheduler.nextFiring! - Date.now()).toBeLessThanOrEqual(30_000);
      statements = 0;
      scheduler.rearm();
      await settle();
      // One statement for twenty subscriptions over two distinct windows.
      expect(statements).toBe(1);
      await forum('closing-soon-c-2099');
      const created = await call('closing-soon-c-2099', Date.now() + 2 * HOUR + 1_000, ['RU']);
      statements = 0;
      scheduler.rearm();
      await settle();
      expect(statements).toBe(1);
      expect(scheduler.nextFiring! - Date.now()).toBeLessThanOrEqual(1_100);
      for (let i = 0; i < 300 && !offered.length; i++) await new Promise((r) => setTimeout(r, 10));
      await settle();
      // The firing: one scan, one re-arm.
      expect(statements).toBe(3);
      expect(offered.map((e) => [e.topic, e.pk])).toEqual([['call-window', Number(Buffer.from(created.id, 'base64').toString().split(':')[1])]]);
      const told = await Promise.all([...residents, ...anyone].map((watch) => scheduler.accept(watch, offered[0])));
      expect(told.map((t) => (t === false ? false : (t as LiveEvent).reason))).toEqual([...residents.map(() => 'ENTERED'), ...anyone.map(() => false)]);
      // One copy of the event for all told the same, and told once.
      expect(new Set(told.slice(0, 10)).size).toBe(1);
      expect(await scheduler.accept(residents[0], offered[0])).toBe(false);
      expect(statements).toBe(3);
    } finally {
      scheduler.close();
    }
  });

  it('tells a call that opens at midnight (UTC) inside a window, by the timer waking then', async () => {
    // A clock half a second before a New Year's midnight: the call opens on New Year's Day and closes half an hour into it.
    const offset = Date.parse('2098-12-31T23:59:59.500Z') - Date.now();
    const offered: LiveEvent[] = [];
    const scheduler = new ClosingSoonScheduler(registry.db, (event) => offered.push(event), createLogger('silent'), undefined, 30_000, () => Date.now() + offset);
    try {
      await forum('closing-soon-e-2099');
      const created = await write(CALL_CREATE, {
        input: { programSlug: 'closing-soon-e-2099', opensOn: '2099-01-01', closesAt: '2099-01-01T00:30:00Z', timeZone: 'UTC', applyUrl: 'https://example.org/apply', eligibleRegionCodes: [] },
      });
      const watch = scheduler.add(2 * HOUR, null);
      for (let i = 0; i < 200 && !offered.length; i++) await new Promise((r) => setTimeout(r, 10));
      expect(offered.map((e) => [e.pk, e.window?.opensOn, e.window?.closesAt])).toEqual([[Number(Buffer.from(created.callCreate.call.id, 'base64').toString().split(':')[1]), '2099-01-01', '2099-01-01T00:30:00.000Z']]);
      expect(new Date(offered[0].window!.at).toISOString() >= '2099-01-01T00:00:00.000Z').toBe(true);
      expect(((await scheduler.accept(watch, offered[0])) as LiveEvent).reason).toBe('ENTERED');
    } finally {
      scheduler.close();
    }
  });

  it('refuses a bad duration or region with BAD_USER_INPUT naming the argument', async () => {
    const c = client();
    const tooLong = listen(c, CLOSING_SOON, { within: 'P91D', region: 'RU' });
    expect(await tooLong.refused()).toEqual([
      expect.objectContaining({ message: expect.stringContaining('at most P90D, got "P91D"'), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'within' }) }),
    ]);
    const year = listen(c, 'subscription { callClosingSoon(within: "P1Y") { id } }');
    expect(await year.refused()).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^Argument "within": Duration must be ISO 8601 .*years and months have no fixed length/), extensions: { code: 'BAD_USER_INPUT', argument: 'within' } }),
    ]);
    const zero = listen(c, 'subscription { callClosingSoon(within: "PT0S") { id } }');
    expect((await zero.refused())[0]).toMatchObject({ message: expect.stringContaining('more than zero'), extensions: { code: 'BAD_USER_INPUT', argument: 'within' } });
    const nowhere = listen(c, CLOSING_SOON, { within: 'P1D', region: 'XX-NOWHERE' });
    expect((await nowhere.refused())[0]).toMatchObject({ message: 'No region has the code "XX-NOWHERE"', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await active()).toBe(0);
  });
});

describe(`callClosingSoon on two replicas (${replicaTransport})`, () => {
  let a: TestRegistry;
  let b: RegistryProcess;
  let editor: string;
  useTwoReplicas((replicas) => ({ a, b, editor } = replicas));

  it('tells a subscriber on B of a call written through A, and B re-arms its timer for it', async () => {
    const c = wsClient(b.url);
    const write = async (query: string, variables: Record<string, unknown>) => (await a.request<any, any>(query, variables, { authorization: `Bearer ${editor}` })).data;
    const active = async () => metric(await (await fetch(b.url.replace(/\/graphql$/, '/metrics'))).text(), 'registry_subscriptions_active');
    try {
      const heard = listen(c, CLOSING_SOON, { within: 'PT2H', region: 'RU-OMS' }, async () => (await active()) === 1);
      await heard.ready();
      const today = new Date().toISOString().slice(0, 10);
      const calls = [];
      for (const [slug, closesAt] of [['replica-soon-2099', Date.now() + HOUR], ['replica-later-2099', Date.now() + 2 * HOUR + 2_000]] as const) {
        await write(FORUM_CREATE, { input: { slug, title: { en: slug }, startsOn: '2099-10-01', endsOn: '2099-10-03', locationCode: 'RU-OMS', organizerSlugs: ['mirea'] } });
        const created = await write(CALL_CREATE, { input: { programSlug: slug, opensOn: today, closesAt: new Date(closesAt).toISOString(), timeZone: 'Asia/Omsk', applyUrl: 'https://example.org/apply', eligibleRegionCodes: ['RU'] } });
        expect(created.callCreate.userErrors).toEqual([]);
        calls.push(created.callCreate.call.id);
      }
      const events = await heard.waitFor(2, 10_000);
      expect(events.map((e) => [e.callClosingSoon.reason, e.callClosingSoon.id, e.callClosingSoon.program.slug])).toEqual([
        ['CREATED', calls[0], 'replica-soon-2099'],
        ['ENTERED', calls[1], 'replica-later-2099'],
      ]);
      await new Promise((r) => setTimeout(r, 500));
      expect(heard.events).toHaveLength(2);
    } finally {
      await c.dispose();
    }
  }, 60_000);
});

describe('the README examples of callClosingSoon', () => {
  it('are valid against the emitted schema', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Calls closing soon'));
    const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
    expect(blocks[0]).toContain('callClosingSoon(within: "P3D", regionCode: "RU-OMS")');
    expect(blocks[1]).toContain('closesBefore');
    const schema = buildSchema(fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
    for (const block of blocks) expect(validate(schema, parse(block)).map((e) => e.message)).toEqual([]);
  });
});
