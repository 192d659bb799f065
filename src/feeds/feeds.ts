import crypto from 'node:crypto';
import { execute, parse, type GraphQLError, type GraphQLSchema } from 'graphql';
import { fromGlobalId, type RegistryContext } from '../engine';
import { DatabaseUnavailable } from '../db/unavailable';
import { localDateTime } from '../calls/zone';
import { calendar, date, nextDay, utcDateTime, type CalendarEvent, type Property } from './ical';

/**
 * Calendar and JSON feeds, answered by the registry's own GraphQL operations:
 * a feed's URL parameters become a `ProgramFilter` and go through the same
 * schema, so they are validated the same way (an unknown region is the same
 * BAD_USER_INPUT, here a 400) and a feed shows what `programs` answers.
 */

/** URL parameter → ProgramFilter field; lists are comma-separated. */
const FILTER_PARAMETERS: Record<string, { field: string; list?: boolean }> = {
  region: { field: 'regionCode' },
  organizer: { field: 'organizerSlug' },
  status: { field: 'status', list: true },
  callStatus: { field: 'callStatus', list: true },
  eligibleFor: { field: 'eligibleFor' },
  closesBefore: { field: 'closesBefore' },
  startsFrom: { field: 'startsFrom' },
  startsTo: { field: 'startsTo' },
  query: { field: 'query' },
};
const PARAMETERS = ['program', 'lang', ...Object.keys(FILTER_PARAMETERS)];
/** Most programmes one feed holds: a larger answer is refused with a hint to narrow it, never cut silently. */
export const MAX_FEED_PROGRAMS = 2_000;
const PAGE = 100;

/** A feed request the client got wrong: a 400 naming the parameter. */
export class FeedRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly parameter?: string,
  ) {
    super(message);
  }

  toJSON() {
    return { errors: [{ message: this.message, extensions: { code: this.code, ...(this.parameter ? { parameter: this.parameter } : {}) } }] };
  }
}

const PROGRAM_FIELDS = `
  __typename id slug title(lang: $lang) description(lang: $lang) startsOn endsOn
  location { code name(lang: $lang) }
  call { id opensOn closesAt timeZone applyUrl status places workingLanguages eligibleRegions { code name(lang: $lang) } costs { fee { amount currency } travelCovered accommodationCovered notes(lang: $lang) } }
  sessions(first: ${PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { ...S } }`;
const SESSION_FIELDS = `fragment S on Session { id title(lang: $lang) kind startsAt endsAt host { name(lang: $lang) } }`;
const LIST = parse(`query FeedPrograms($filter: ProgramFilter, $orderBy: ProgramOrder, $after: String, $lang: Language) {
  programs(first: ${PAGE}, after: $after, filter: $filter, orderBy: $orderBy) { pageInfo { hasNextPage endCursor } nodes { ${PROGRAM_FIELDS} } }
} ${SESSION_FIELDS}`);
const ONE = parse(`query FeedProgram($slug: String!, $lang: Language) {
  forum(slug: $slug) { ${PROGRAM_FIELDS} }
  internship(slug: $slug) { ${PROGRAM_FIELDS} }
} ${SESSION_FIELDS}`);
const MORE_SESSIONS = parse(`query FeedSessions($slug: String!, $after: String, $lang: Language) {
  sessions(first: ${PAGE}, after: $after, filter: { programSlug: $slug }) { pageInfo { hasNextPage endCursor } nodes { ...S } }
} ${SESSION_FIELDS}`);

export interface FeedSession {
  id: string;
  title: string;
  kind: string;
  startsAt: string | null;
  endsAt: string | null;
  host: { name: string } | null;
}

export interface FeedCall {
  id: string;
  opensOn: string;
  closesAt: string;
  timeZone: string;
  applyUrl: string;
  status: string;
  places: number | null;
  workingLanguages: string[];
  eligibleRegions: Array<{ code: string; name: string }>;
  costs: { fee: { amount: number; currency: string } | null; travelCovered: boolean | null; accommodationCovered: boolean | null; notes: string | null };
}

export interface FeedProgram {
  __typename: 'Forum' | 'Internship';
  id: string;
  slug: string;
  title: string;
  description: string | null;
  startsOn: string | null;
  endsOn: string | null;
  location: { code: string; name: string } | null;
  call: FeedCall | null;
  sessions: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: FeedSession[] };
}

/** What a feed is asked for: a filter, or one programme, and a language. */
export interface FeedQuery {
  filter: Record<string, unknown>;
  program?: string;
  lang?: string;
}

/** Reads a feed's URL parameters; an unknown one, or `program` with a filter, is a 400. */
export function feedQuery(search: URLSearchParams): FeedQuery {
  const filter: Record<string, unknown> = {};
  const query: FeedQuery = { filter };
  for (const [name, value] of search) {
    if (!PARAMETERS.includes(name)) throw new FeedRequestError(`Unknown parameter "${name.slice(0, 40)}"; a feed takes ${PARAMETERS.join(', ')}`, 'BAD_USER_INPUT', name.slice(0, 40));
    if (search.getAll(name).length > 1) throw new FeedRequestError(`"${name}" is given twice; give it once (lists are comma-separated)`, 'BAD_USER_INPUT', name);
    if (name === 'program') query.program = value;
    else if (name === 'lang') query.lang = value.toUpperCase();
    else {
      const { field, list } = FILTER_PARAMETERS[name];
      filter[field] = list ? value.split(',').map((v) => v.trim()).filter(Boolean) : value;
    }
  }
  if (query.program != null && Object.keys(filter).length) {
    throw new FeedRequestError('"program" selects one programme; give it alone (with "lang"), or use the other filters without it', 'BAD_USER_INPUT', 'program');
  }
  return query;
}

/** Which URL parameter a GraphQL argument path came from. */
function parameterOf(error: GraphQLError): string | undefined {
  const path = error.extensions?.argumentPath as string[] | undefined;
  const field = path?.[0] === 'filter' ? path[1] : path?.[0] === 'slug' ? 'program' : undefined;
  if (field === 'program') return 'program';
  const found = Object.entries(FILTER_PARAMETERS).find(([, spec]) => spec.field === field);
  if (found) return found[0];
  const variable = /Variable "\$(\w+)"/.exec(error.message)?.[1];
  if (variable === 'lang') return 'lang';
  const inFilter = /at "filter\.(\w+)/.exec(error.message)?.[1];
  return Object.entries(FILTER_PARAMETERS).find(([, spec]) => spec.field === inFilter)?.[0];
}

/** Runs one of the feed's operations; a user's mistake becomes a FeedRequestError, anything else is thrown as it is. */
async function run<T>(schema: GraphQLSchema, ctx: RegistryContext, document: ReturnType<typeof parse>, variables: Record<string, unknown>): Promise<T> {
  const result = await execute({ schema, document, variableValues: variables, contextValue: ctx });
  const [error] = result.errors ?? [];
  if (error) {
    if (error.originalError instanceof DatabaseUnavailable) throw error.originalError;
    const code = error.extensions?.code as string | undefined;
    // Variable coercion (a bad date, an unknown status or language) has no path and no code.
    if (code === 'BAD_USER_INPUT' || (!code && !error.path)) {
      const parameter = parameterOf(error);
      const message = error.message.replace(/Variable "\$filter" got invalid value .*? at "filter\.(\w+)"; /, '').replace(/Variable "\$lang" got invalid value/, 'Parameter "lang" has the value');
      throw new FeedRequestError(message, 'BAD_USER_INPUT', parameter);
    }
    throw error.originalError ?? error;
  }
  return result.data as T;
}

/** Every session of a programme: the first page came with it, the rest (past 100) is paged here. */
async function allSessions(schema: GraphQLSchema, ctx: RegistryContext, program: FeedProgram, lang: string | undefined): Promise<FeedSession[]> {
  const sessions = [...program.sessions.nodes];
  let page = program.sessions.pageInfo;
  while (page.hasNextPage) {
    const data = await run<{ sessions: { pageInfo: typeof page; nodes: FeedSession[] } }>(schema, ctx, MORE_SESSIONS, { slug: program.slug, after: page.endCursor, lang });
    sessions.push(...data.sessions.nodes);
    page = data.sessions.pageInfo;
  }
  return sessions;
}

/** The programmes a feed shows, each with all its sessions, in the order of `orderBy` (by start date when not given). */
export async function feedPrograms(schema: GraphQLSchema, ctx: RegistryContext, query: FeedQuery, orderBy?: { field: string; direction: string }): Promise<Array<FeedProgram & { allSessions: FeedSession[] }>> {
  const { lang } = query;
  let programs: FeedProgram[];
  if (query.program != null) {
    const data = await run<{ forum: FeedProgram | null; internship: FeedProgram | null }>(schema, ctx, ONE, { slug: query.program, lang });
    const found = data.forum ?? data.internship;
    if (!found) throw new FeedRequestError(`No program has the slug "${query.program.slice(0, 120)}"`, 'BAD_USER_INPUT', 'program');
    programs = [found];
  } else {
    programs = [];
    let after: string | null = null;
    for (;;) {
      const data: { programs: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: FeedProgram[] } } = await run(schema, ctx, LIST, { filter: query.filter, orderBy, after, lang });
      programs.push(...data.programs.nodes);
      if (programs.length > MAX_FEED_PROGRAMS) {
        throw new FeedRequestError(`The feed would hold more than ${MAX_FEED_PROGRAMS} programmes; narrow it (region, organizer, status, startsFrom, …)`, 'FEED_TOO_LARGE');
      }
      if (!data.programs.pageInfo.hasNextPage) break;
      after = data.programs.pageInfo.endCursor;
    }
  }
  const out = [];
  for (const program of programs) out.push({ ...program, allSessions: await allSessions(schema, ctx, program, lang) });
  return out;
}

/** When each record was last changed (or created), by global id; records the registry has no time for (seeded ones) are left out. */
async function lastModified(ctx: RegistryContext, ids: string[]): Promise<Map<string, string>> {
  const byTable: Record<string, Array<{ id: string; pk: number }>> = {};
  const tables: Record<string, string> = { Forum: 'programs', Internship: 'programs', Session: 'sessions', Call: 'calls' };
  for (const id of ids) {
    const { typeName, pk } = fromGlobalId(id, ['id']);
    (byTable[tables[typeName]] ??= []).push({ id, pk });
  }
  const times = new Map<string, string>();
  for (const [table, entries] of Object.entries(byTable)) {
    const rows = await ctx.db.run<{ pk: number | string; at: string | null }>((p) => `SELECT id AS "pk", COALESCE(updated_at, created_at) AS "at" FROM ${table} WHERE ${p.in('id', entries.map((e) => e.pk))}`);
    const byPk = new Map(rows.map((r) => [Number(r.pk), r.at]));
    for (const { id, pk } of entries) {
      const at = byPk.get(pk);
      if (at) times.set(id, at);
    }
  }
  return times;
}

/** Fixed text of the calendar in each language the registry holds text in. */
const WORDS: Record<string, { calendar: string; closes: string; deadline: (local: string, zone: string) => string; apply: string }> = {
  EN: { calendar: 'Program Registry: sessions and deadlines', closes: 'Applications close', deadline: (local, zone) => `Applications close at ${local} (${zone}).`, apply: 'Apply' },
  RU: { calendar: 'Реестр программ: мероприятия и сроки', closes: 'Окончание приёма заявок', deadline: (local, zone) => `Приём заявок заканчивается ${local} (${zone}).`, apply: 'Подать заявку' },
};

/** The domain of the feed's UIDs: stable whatever host serves the feed. */
const UID_DOMAIN = 'program-registry';
/** DTSTAMP of a record the registry has no change time for (seeded records): fixed, so the feed and its ETag stay the same. */
const UNKNOWN_STAMP = '19700101T000000Z';

/**
 * The iCalendar feed: each dated programme as an all-day event, each session
 * with a known start as a timed event (UTC), each call's deadline as an event
 * at its instant. UIDs are the records' global ids; LOCATION is the
 * programme's region; URL the call's application address.
 */
export async function sessionsCalendar(schema: GraphQLSchema, ctx: RegistryContext, query: FeedQuery): Promise<string> {
  const programs = await feedPrograms(schema, ctx, query);
  const words = WORDS[query.lang ?? ''] ?? WORDS[ctx.languages.find((l) => WORDS[l.toUpperCase()])?.toUpperCase() ?? 'EN'] ?? WORDS.EN;
  const ids = programs.flatMap((p) => [p.id, ...p.allSessions.map((s) => s.id), ...(p.call ? [p.call.id] : [])]);
  const modified = ids.length ? await lastModified(ctx, ids) : new Map<string, string>();
  const stamp = (id: string): Property[] => {
    const at = modified.get(id);
    return at ? [['DTSTAMP', utcDateTime(at), true], ['LAST-MODIFIED', utcDateTime(at), true]] : [['DTSTAMP', UNKNOWN_STAMP, true]];
  };
  const events: CalendarEvent[] = [];
  for (const program of programs) {
    const location: Property[] = program.location ? [['LOCATION', program.location.name]] : [];
    const url: Property[] = program.call ? [['URL', program.call.applyUrl, true]] : [];
    if (program.startsOn) {
      const last = program.endsOn ?? program.startsOn;
      events.push({
        uid: `${program.id}@${UID_DOMAIN}`,
        properties: [
          ...stamp(program.id),
          ['DTSTART;VALUE=DATE', date(program.startsOn), true],
          ['DTEND;VALUE=DATE', date(nextDay(last)), true],
          ['SUMMARY', program.title],
          ...(program.description ? ([['DESCRIPTION', program.description]] as Property[]) : []),
          ...location,
          ...url,
          ['CATEGORIES', program.__typename.toUpperCase(), true],
        ],
      });
    }
    for (const session of program.allSessions) {
      if (!session.startsAt) continue;
      const end: Property[] = session.endsAt && session.endsAt > session.startsAt ? [['DTEND', utcDateTime(session.endsAt), true]] : [];
      events.push({
        uid: `${session.id}@${UID_DOMAIN}`,
        properties: [
          ...stamp(session.id),
          ['DTSTART', utcDateTime(session.startsAt), true],
          ...end,
          ['SUMMARY', `${session.title} (${program.title})`],
          ...(session.host ? ([['DESCRIPTION', session.host.name]] as Property[]) : []),
          ...location,
          ...url,
          ['CATEGORIES', session.kind, true],
        ],
      });
    }
    if (program.call) {
      const call = program.call;
      const local = localDateTime(call.closesAt, call.timeZone).replace('T', ' ').slice(0, 16);
      events.push({
        uid: `${call.id}@${UID_DOMAIN}`,
        properties: [
          ...stamp(call.id),
          // An instant: no DTEND, so the event ends when it starts (RFC 5545 3.6.1).
          ['DTSTART', utcDateTime(call.closesAt), true],
          ['SUMMARY', `${words.closes}: ${program.title}`],
          ['DESCRIPTION', `${words.deadline(local, call.timeZone)}\n${words.apply}: ${call.applyUrl}`],
          ...location,
          ['URL', call.applyUrl, true],
          ['CATEGORIES', 'DEADLINE', true],
        ],
      });
    }
  }
  return calendar(words.calendar, events);
}

/**
 * A JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the programmes whose
 * call is open now, soonest deadline first: one item per call, with the call
 * in the `_call` extension.
 */
export async function openCallsFeed(schema: GraphQLSchema, ctx: RegistryContext, query: FeedQuery, feedUrl: string): Promise<Record<string, unknown>> {
  if (query.program != null) throw new FeedRequestError('The calls feed lists every open call; narrow it with the filters, not "program"', 'BAD_USER_INPUT', 'program');
  if (query.filter.callStatus) throw new FeedRequestError('The calls feed holds open calls only; "callStatus" does not apply', 'BAD_USER_INPUT', 'callStatus');
  const programs = await feedPrograms(schema, ctx, { ...query, filter: { ...query.filter, callStatus: ['OPEN'] } }, { field: 'CLOSES_AT', direction: 'ASC' });
  const calls = programs.filter((p) => p.call);
  const modified = calls.length ? await lastModified(ctx, calls.map((p) => p.call!.id)) : new Map<string, string>();
  const words = WORDS[query.lang ?? ''] ?? WORDS.EN;
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: query.lang === 'RU' ? 'Реестр программ: открытые наборы' : 'Program Registry: open calls for applications',
    feed_url: feedUrl,
    ...(query.lang ? { language: query.lang.toLowerCase() } : {}),
    items: calls.map((program) => {
      const call = program.call!;
      const local = localDateTime(call.closesAt, call.timeZone).replace('T', ' ').slice(0, 16);
      const at = modified.get(call.id);
      return {
        id: call.id,
        url: call.applyUrl,
        title: program.title,
        content_text: [program.description, words.deadline(local, call.timeZone)].filter(Boolean).join('\n\n'),
        ...(at ? { date_modified: at } : {}),
        tags: [program.__typename.toUpperCase(), ...(program.location ? [program.location.code] : [])],
        _call: {
          program: { id: program.id, slug: program.slug, type: program.__typename, startsOn: program.startsOn, endsOn: program.endsOn, location: program.location },
          opensOn: call.opensOn,
          closesAt: call.closesAt,
          timeZone: call.timeZone,
          status: call.status,
          places: call.places,
          workingLanguages: call.workingLanguages,
          eligibleRegions: call.eligibleRegions,
          costs: call.costs,
        },
      };
    }),
  };
}

/** A strong ETag of a body: the same data gives the same tag on every replica. */
export function etagOf(body: string): string {
  return `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for GET). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
