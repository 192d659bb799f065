import { Arg, Ctx, Field, ID, ObjectType, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import type { PubSub } from 'type-graphql';
import { badUserInput, createContext, toGlobalId, whereClause, type RegistryContext } from '../engine';
import { Call } from '../calls/call';
import { callById } from '../calls/loaders';
import { regionAncestry } from '../regions/loaders';
import { checkProgramFilter, ProgramFilter, programFilterSql } from '../programs/filter';
import { programById, programBySlug } from '../programs/loaders';
import { Program } from '../programs/program';
import { sessionById } from '../sessions/loaders';
import { Session } from '../sessions/session';
import type { ClosingSoonReasonName, ClosingSoonScheduler } from './closing';
import { DurationScalar, MAX_DURATION_TEXT } from './duration';
import type { LiveEvent } from './events';
import type { LiveHub } from './hub';

export enum ChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}

registerEnumType(ChangeKind, {
  name: 'ChangeKind',
  description: 'What a committed write did to a record.',
  valuesConfig: {
    CREATED: { description: 'The record was created.' },
    UPDATED: { description: 'The record was changed.' },
    DELETED: { description: 'The record was deleted; only its id is left.' },
  },
});

@ObjectType('ProgramChange', { description: 'A committed write to a forum or internship, as a subscription reports it.' })
export class ProgramChange {
  @Field(() => ChangeKind, { description: 'What the write did.' })
  kind: ChangeKind;

  @Field(() => ID, { description: 'Global id of the program, also when it was deleted.' })
  id: string;

  @Field(() => Program, { nullable: true, description: 'The program as it is now, read when the event is sent; null once it is deleted.' })
  program: unknown;

  @Field(() => String, { description: 'The write generation the write committed: a number (as text) that increases with every committed write through any replica, so events can be ordered.' })
  generation: string;
}

@ObjectType('SessionChange', { description: 'A committed write to a session of a program, as a subscription reports it.' })
export class SessionChange {
  @Field(() => ChangeKind, { description: 'What the write did.' })
  kind: ChangeKind;

  @Field(() => ID, { description: 'Global id of the session, also when it was deleted.' })
  id: string;

  @Field(() => Session, { nullable: true, description: 'The session as it is now, read when the event is sent; null once it is deleted.' })
  session: unknown;

  @Field(() => Program, { nullable: true, description: 'The program the session belongs to; null once it is deleted.' })
  program: unknown;

  @Field(() => String, { description: 'The write generation the write committed: a number (as text) that increases with every committed write through any replica.' })
  generation: string;
}

export enum ClosingSoonReason {
  ENTERED = 'ENTERED',
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  LEFT = 'LEFT',
}

registerEnumType(ClosingSoonReason, {
  name: 'ClosingSoonReason',
  description: 'Why a `callClosingSoon` subscriber is told of a call.',
  valuesConfig: {
    ENTERED: { description: 'As time passed, its deadline came within the window (or, inside it, the call opened). Told once per entry.' },
    CREATED: { description: 'It was created open, eligible and inside the window.' },
    UPDATED: { description: 'A write left it open, eligible and inside the window: it moved in, or it changed while in.' },
    LEFT: { description: 'A write moved a call this subscription was told of out of the window (a later deadline, other regions) or deleted it; it may enter again.' },
  },
});

@ObjectType('CallClosingSoon', { description: 'A call for applications that concerns a `callClosingSoon` subscriber: open, eligible and closing within its window, or just out of it.' })
export class CallClosingSoon {
  @Field(() => ClosingSoonReason, { description: 'Why it is told.' })
  reason: ClosingSoonReason;

  @Field(() => ID, { description: 'Global id of the call, also when it was deleted.' })
  id: string;

  @Field(() => Call, { nullable: true, description: 'The call as it is now, read when the event is sent; null once it is deleted.' })
  call: unknown;

  @Field(() => Program, { nullable: true, description: 'The forum or internship the call is for; null once it is deleted.' })
  program: unknown;

  @Field(() => String, { nullable: true, description: 'The write generation of the write that caused the event; null when time passing did (ENTERED).' })
  generation: string | null;
}

/** What a subscription's resolvers see: the request's context and the replica's event hub (src/live/server.ts). */
export type LiveContext = RegistryContext & { live: LiveHub; closing?: ClosingSoonScheduler; /** Closes the subscriber's connection when it falls behind. */ overflowed?: () => void };

/** Listens on the context's hub; subscriptions are served over graphql-ws only (src/live/server.ts). */
function listen(ctx: RegistryContext, accept: (event: LiveEvent) => boolean | LiveEvent | Promise<boolean | LiveEvent>, onStop?: () => void): AsyncIterableIterator<LiveEvent> {
  const { live, overflowed } = ctx as Partial<LiveContext>;
  if (!live) throw badUserInput('Subscriptions are served over WebSocket (the graphql-ws protocol) at the same address', []);
  return live.listen(accept, overflowed, onStop);
}

/** Whether a program matches a filter now: one statement per event and distinct filter, shared by the replica's subscribers. */
function matches(event: LiveEvent, filter: ProgramFilter, ctx: RegistryContext): Promise<boolean> {
  event.memo ??= new Map();
  const key = `filter:${JSON.stringify(filter)}`;
  let answer = event.memo.get(key) as Promise<boolean> | undefined;
  if (!answer) {
    answer = (async () => {
      const fresh = createContext(ctx.db);
      const { where, prepare } = programFilterSql(filter, fresh);
      for (const step of prepare) await step();
      const rows = await ctx.db.run((p) => `SELECT p.id FROM programs p ${whereClause([(q) => `p.id = ${q.add(event.pk)}`, ...where], p)}`);
      return rows.length > 0;
    })();
    event.memo.set(key, answer);
  }
  return answer;
}

/** A plain object of the filter's given fields, so equal filters share their answer. */
function plainFilter(filter: ProgramFilter): ProgramFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as ProgramFilter;
}

@Resolver()
export class LiveResolver {
  @Subscription(() => ProgramChange, {
    description:
      'Each committed write to a forum or internship matching the filter, in commit order, once, whichever replica took the write. The filter is checked when the event is sent; a deletion reaches every subscriber, as a deleted program matches no filter.',
    subscribe: async ({ args, context }) => {
      const ctx = context as RegistryContext;
      const filter = args.filter ? plainFilter(args.filter as ProgramFilter) : undefined;
      checkProgramFilter(filter);
      if (filter) {
        // An unknown region or organizer is refused now, as a query's filter is.
        const { prepare, lookups } = programFilterSql(filter, ctx);
        for (const step of [...prepare, ...lookups]) await step();
      }
      return listen(ctx, (event) => event.topic === 'program' && (event.kind === 'DELETED' || !filter || matches(event, filter, ctx)));
    },
  })
  programChanged(
    @Root() event: LiveEvent,
    @Ctx() ctx: RegistryContext,
    @Arg('filter', () => ProgramFilter, { nullable: true, description: 'Which programs to hear of; all when not given.' }) _filter?: ProgramFilter,
  ): ProgramChange {
    return {
      kind: event.kind as ChangeKind,
      id: toGlobalId(event.typeName, event.pk),
      program: event.kind === 'DELETED' ? null : programById(ctx).load(event.pk),
      generation: event.generation,
    };
  }

  @Subscription(() => SessionChange, {
    description: 'Each committed write to a session of the program with this slug, in commit order, once, whichever replica took the write.',
    subscribe: async ({ args, context }) => {
      const ctx = context as RegistryContext;
      const program = await programBySlug(ctx).load(String(args.programSlug));
      if (!program) throw badUserInput(`No program has the slug "${args.programSlug}"`, ['programSlug']);
      return listen(ctx, (event) => event.topic === 'session' && event.programPk === program.pk);
    },
  })
  sessionChanged(
    @Root() event: LiveEvent,
    @Ctx() ctx: RegistryContext,
    @Arg('programSlug', () => String, { description: 'Slug of the forum or internship whose sessions to hear of.' }) _programSlug: string,
  ): SessionChange {
    return {
      kind: event.kind as ChangeKind,
      id: toGlobalId(event.typeName, event.pk),
      session: event.kind === 'DELETED' ? null : sessionById(ctx).load(event.pk),
      program: programById(ctx).load(event.programPk),
      generation: event.generation,
    };
  }

  @Subscription(() => CallClosingSoon, {
    description: `Calls for applications that are open to a resident of the region and close within \`within\` from now, each told when it enters that window: as time passes (ENTERED, once per entry), or by a write (CREATED, UPDATED), whichever replica took it; and LEFT when a write takes a call it was told of out again. Calls already inside the window when the subscription starts are not told: list them with \`programs(filter: { callStatus: [OPEN], closesBefore, eligibleFor }, orderBy: { field: CLOSES_AT, direction: ASC })\`.`,
    subscribe: async ({ args, context }) => {
      const ctx = context as RegistryContext;
      const { closing } = ctx as Partial<LiveContext>;
      if (!closing) throw badUserInput('Subscriptions are served over WebSocket (the graphql-ws protocol) at the same address', []);
      let ancestry: number[] | null = null;
      if (args.regionCode != null) {
        ancestry = (await regionAncestry(ctx).load(String(args.regionCode))) ?? [];
        if (!ancestry.length) throw badUserInput(`No region has the code "${args.regionCode}"`, ['regionCode']);
      }
      const watch = closing.add(Number(args.within), ancestry);
      return listen(ctx, (event) => closing.accept(watch, event), () => closing.remove(watch));
    },
  })
  callClosingSoon(
    @Root() event: LiveEvent,
    @Ctx() ctx: RegistryContext,
    @Arg('within', () => DurationScalar, { description: `How soon a call must close to be told of, from now: an ISO 8601 duration such as "P3D" or "PT48H", at most ${MAX_DURATION_TEXT}.` }) _within: number,
    @Arg('regionCode', () => String, {
      nullable: true,
      description: 'Code of the region the applicant lives in: only calls open to it or to a region above it ("RU-OMS" hears of calls open to RU or CIS), or with no condition of residence. Without it, calls whoever may apply.',
    })
    _regionCode?: string,
  ): CallClosingSoon {
    const gone = event.kind === 'DELETED';
    return {
      reason: event.reason as ClosingSoonReasonName as ClosingSoonReason,
      id: toGlobalId('Call', event.pk),
      call: gone ? null : callById(ctx).load(event.pk),
      program: programById(ctx).load(event.programPk),
      generation: event.generation || null,
    };
  }
}

/** type-graphql asks for a PubSub when a schema has subscriptions; these bring their own event source (LiveHub), so it is never used. */
export const unusedPubSub: PubSub = {
  publish() {
    throw new Error('subscriptions publish through LiveHub (src/live/hub.ts)');
  },
  subscribe() {
    throw new Error('subscriptions listen through LiveHub (src/live/hub.ts)');
  },
};
