import { badUserInput, type Ordering, type RegistryContext } from '../engine';
import { Field, InputType, registerEnumType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import { NO_DEADLINE } from '../db/migrations/1733600000000-call-order';
import { CallStatus } from '../calls/call';
import { callStatusIn } from '../calls/status';
import { DateScalar, DateTimeScalar } from '../graphql/scalars';
import { organizationBySlug } from '../organizations/loaders';
import { regionAncestry, regionSubtree } from '../regions/loaders';
import { searchEngine } from '../search/engine';
import { queryWords } from '../search/query';
import { ProgramStatus } from './program';
import { programStatusCase } from './status';

@InputType('ProgramFilter', { description: 'Narrows a list of programs; all given conditions must hold.' })
export class ProgramFilter {
  @Field(() => String, {
    nullable: true,
    description: 'Only programs whose title, description, training programme or series holds every word, as in `search`: prefixes of words, any language, case and diacritics ignored. Empty is an error.',
  })
  query?: string | null;

  @Field(() => [ProgramStatus], { nullable: true, description: 'Only programs in one of these statuses.' })
  status?: ProgramStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Only programs located in this region or anywhere below it: "RU" finds programs in Omsk.' })
  regionCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only programs organized by the organization with this slug.' })
  organizerSlug?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Only programs starting on or after this date.' })
  startsFrom?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Only programs starting on or before this date.' })
  startsTo?: string | null;

  @Field(() => [CallStatus], { nullable: true, description: 'Only programs with a call for applications in one of these statuses now (`[OPEN]`: those taking applications).' })
  callStatus?: CallStatus[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Only programs whose call for applications closes before this instant.' })
  closesBefore?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Only programs with a call a resident of the region with this code may apply to: one open to that region or to any region above it ("RU-OMS" finds calls open to RU or CIS), or one with no condition of residence.',
  })
  eligibleFor?: string | null;
}

export enum ProgramOrderField {
  STARTS_ON = 'STARTS_ON',
  TITLE = 'TITLE',
  CLOSES_AT = 'CLOSES_AT',
}
registerEnumType(ProgramOrderField, {
  name: 'ProgramOrderField',
  description: 'What to order programs by.',
  valuesConfig: {
    STARTS_ON: { description: 'First day; programs without one sort after all dated ones (ascending).' },
    TITLE: { description: 'Title, case-insensitively.' },
    CLOSES_AT: { description: 'Deadline of the call for applications; programs without a call sort after all others (ascending).' },
  },
});

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Direction of an ordering.',
  valuesConfig: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } },
});

@InputType('ProgramOrder', { description: 'How to order programs; ties are broken by creation order.' })
export class ProgramOrder {
  @Field(() => ProgramOrderField, { description: 'What to order by.' })
  field: ProgramOrderField;

  @Field(() => OrderDirection, { description: 'Which way.' })
  direction: OrderDirection;
}

const SORT_KEYS: Record<ProgramOrderField, string> = {
  [ProgramOrderField.STARTS_ON]: "COALESCE(p.starts_on, '9999-12-31')",
  [ProgramOrderField.TITLE]: 'p.title_sort',
  // The programme's copy of its call's deadline, kept by triggers: an index serves it (src/db/migrations/1733600000000-call-order.ts).
  [ProgramOrderField.CLOSES_AT]: `COALESCE(p.call_closes_at, '${NO_DEADLINE}')`,
};

const KEY_TYPES: Record<ProgramOrderField, Ordering['keyType']> = {
  [ProgramOrderField.STARTS_ON]: 'date',
  [ProgramOrderField.TITLE]: 'text',
  [ProgramOrderField.CLOSES_AT]: 'text',
};

/** Programs are listed by start date, earliest first, unless asked otherwise. */
export function programOrdering(order?: ProgramOrder | null): Ordering {
  const field = order?.field ?? ProgramOrderField.STARTS_ON;
  const direction = order?.direction ?? OrderDirection.ASC;
  return { name: `${field}:${direction}`, key: SORT_KEYS[field], keyType: KEY_TYPES[field], pk: 'p.id', direction };
}

/** A program's status (aliased `p`) as one SQL expression, for grouping. */
export function programStatusExpression(today: string): SqlPart {
  return (p) => programStatusCase('p', p.add(today));
}

/** A filter on programs as SQL, and the lookups that tell an unknown region or organizer from an empty result. */
export interface ProgramFilterSql {
  where: SqlPart[];
  /** Reads what `where` binds; run before the statement. Throws BAD_USER_INPUT for an unknown region. */
  prepare: Array<() => Promise<void>>;
  /** Each throws BAD_USER_INPUT when the code or slug it looks up does not exist; needed only to explain an empty result. */
  lookups: Array<() => Promise<void>>;
}

/** What a filter gets wrong on its face (an empty query, dates the wrong way round), before anything is read. */
export function checkProgramFilter(filter: ProgramFilter | null | undefined, path: string[] = ['filter']): void {
  if (!filter) return;
  if (filter.query != null) queryWords(filter.query, [...path, 'query']);
  if (filter.startsFrom != null && filter.startsTo != null && filter.startsFrom > filter.startsTo) {
    throw badUserInput('"startsFrom" is after "startsTo"', [...path, 'startsTo']);
  }
}

/**
 * The SQL conditions of a filter on programs aliased `p`. A wrong date range
 * or an empty query throws here; an unknown region code is found by
 * `prepare`, which reads the region's subtree (held by the server, see
 * RegionDirectory) to bind its ids: inside the statement, a recursive
 * subquery made PostgreSQL misjudge its size and scan every program, or, as
 * an array, run the recursion for the page and again for its count. An
 * unknown organizer slug is found by `lookups`.
 */
export function programFilterSql(filter: ProgramFilter | null | undefined, ctx: RegistryContext, path: string[] = ['filter']): ProgramFilterSql {
  const where: SqlPart[] = [];
  const prepare: Array<() => Promise<void>> = [];
  const lookups: Array<() => Promise<void>> = [];
  if (!filter) return { where, prepare, lookups };
  checkProgramFilter(filter, path);
  const { query, status, regionCode, organizerSlug, startsFrom, startsTo, callStatus, closesBefore, eligibleFor } = filter;
  if (query != null) {
    const words = queryWords(query, [...path, 'query']);
    const engine = searchEngine(ctx.db.dialect);
    // Punctuation only holds no word, so it finds nothing.
    where.push(words.length ? (p) => `p.id IN (${engine.programIds(words)(p)})` : () => '1 = 0');
  }
  if (status?.length) {
    const wanted = [...new Set(status)];
    where.push((p) => `(${programStatusCase('p', p.add(ctx.today))}) IN (${wanted.map((s) => `'${s}'`).join(', ')})`);
  }
  if (regionCode != null) {
    let regions: number[] = [];
    prepare.push(async () => {
      regions = (await regionSubtree(ctx).load(regionCode)) ?? [];
      if (!regions.length) throw badUserInput(`No region has the code "${regionCode}"`, [...path, 'regionCode']);
    });
    where.push((p) => p.ids('p.location_id', regions));
  }
  if (organizerSlug != null) {
    where.push((p) => `p.id IN (SELECT po.program_id FROM program_organizers po JOIN organizations o ON o.id = po.organization_id WHERE o.slug = ${p.add(organizerSlug)})`);
    lookups.push(async () => {
      if (!(await organizationBySlug(ctx).load(organizerSlug))) throw badUserInput(`No organization has the slug "${organizerSlug}"`, [...path, 'organizerSlug']);
    });
  }
  if (startsFrom != null) where.push((p) => `p.starts_on >= ${p.add(startsFrom)}`);
  if (startsTo != null) where.push((p) => `p.starts_on <= ${p.add(startsTo)}`);
  if (callStatus?.length) {
    const wanted = [...new Set(callStatus)];
    // Its call, looked up by the programme (one each): so a page in deadline order checks its programmes one by one as the index gives them.
    where.push((p) => `EXISTS (SELECT 1 FROM calls c WHERE c.program_id = p.id AND ${callStatusIn('c', p.add(ctx.now), wanted)})`);
    // No closed call wanted: only programmes whose deadline is ahead, told by their own copy of it (one call per programme), so the deadline order's index is read from now on.
    if (!wanted.includes(CallStatus.CLOSED)) where.push((p) => `COALESCE(p.call_closes_at, '${NO_DEADLINE}') > ${p.add(ctx.now)}`);
  }
  if (closesBefore != null) where.push((p) => `p.id IN (SELECT c.program_id FROM calls c WHERE c.closes_at < ${p.add(closesBefore)})`);
  if (eligibleFor != null) {
    let ancestry: number[] = [];
    prepare.push(async () => {
      ancestry = (await regionAncestry(ctx).load(eligibleFor)) ?? [];
      if (!ancestry.length) throw badUserInput(`No region has the code "${eligibleFor}"`, [...path, 'eligibleFor']);
    });
    // A call naming no region sets no condition of residence.
    where.push(
      (p) =>
        `p.id IN (SELECT c.program_id FROM calls c WHERE NOT EXISTS (SELECT 1 FROM call_regions e WHERE e.call_id = c.id) OR EXISTS (SELECT 1 FROM call_regions e WHERE e.call_id = c.id AND ${p.in('e.region_id', ancestry)}))`,
    );
  }
  return { where, prepare, lookups };
}

/** The SQL conditions of a filter on programs aliased `p`; unknown region codes and organizer slugs are errors, not silently empty lists. */
export async function programConditions(filter: ProgramFilter | null | undefined, ctx: RegistryContext, path: string[] = ['filter']): Promise<SqlPart[]> {
  const { where, prepare, lookups } = programFilterSql(filter, ctx, path);
  for (const step of [...prepare, ...lookups]) await step();
  return where;
}
