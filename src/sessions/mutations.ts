import { type RegistryContext } from '../engine';
import { Arg, Ctx, Field, ID, InputType, Int, ObjectType, Resolver } from 'type-graphql';
import { References } from '../graphql/references';
import { DateTimeScalar } from '../graphql/scalars';
import { deleteRecord, DeletePayload, LocalizedInput, runWrite, WriteMutation, saveRecord, stopIfInvalid, UserError, UserErrorCode, type WriteScope } from '../graphql/writes';
import { sessionFits } from './times';
import { sessionById } from './loaders';
import { Session, SessionKind } from './session';

const LIMITS = { slug: 120, title: 300 };

@InputType()
class SessionFields {
  @Field(() => String, { nullable: true, description: 'Handle within its program; made from the position when not given.' })
  slug?: string | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'Title, in at least one language.' })
  title?: LocalizedInput | null;

  @Field(() => SessionKind, { nullable: true, description: 'What kind of activity it is.' })
  kind?: SessionKind | null;

  @Field(() => String, { nullable: true, description: 'Slug of the hosting organization; null clears it.' })
  hostSlug?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "When it starts, inside the program's dates; null when unknown." })
  startsAt?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it ends, not before it starts; null when unknown.' })
  endsAt?: string | null;

  @Field(() => Int, { nullable: true, description: 'Place in the programme order; after the others when not given.' })
  position?: number | null;
}

@InputType('SessionCreateInput', { description: 'A new session of a program.' })
export class SessionCreateInput extends SessionFields {
  @Field(() => String, { description: 'Slug of the forum or internship it belongs to.' })
  programSlug: string;

  @Field(() => LocalizedInput, { description: 'Title, in at least one language.' })
  declare title: LocalizedInput;

  @Field(() => SessionKind, { description: 'What kind of activity it is.' })
  declare kind: SessionKind;
}

@InputType('SessionUpdateInput', { description: 'Changes to a session: only the fields given change.' })
export class SessionUpdateInput extends SessionFields {}

@ObjectType('SessionPayload', { description: 'The session as written, or what was wrong with the input.' })
export class SessionPayload {
  @Field(() => Session, { nullable: true, description: 'The session; null when nothing was written.' })
  session: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

interface SessionRow {
  id: number;
  program_id: number;
  title: string;
  starts_at: string | null;
  ends_at: string | null;
}

async function saveSession(scope: WriteScope, input: SessionFields & { programSlug?: string }, existing: SessionRow | null): Promise<number> {
  const { tx, errors } = scope;
  const refs = new References(tx, errors);
  const at = (name: string) => ['input', name];
  const creating = existing === null;

  let programId = existing?.program_id ?? null;
  let program: { starts_on: string | null; ends_on: string | null } | undefined;
  if (creating) {
    const [row] = await tx.query<{ id: number; starts_on: string | null; ends_on: string | null }>('SELECT id, starts_on, ends_on FROM programs WHERE slug = $1', [input.programSlug]);
    if (!row) errors.add(at('programSlug'), UserErrorCode.NOT_FOUND, `No program has the slug "${input.programSlug}"`);
    programId = row ? Number(row.id) : null;
    program = row;
  } else {
    [program] = await tx.query('SELECT starts_on, ends_on FROM programs WHERE id = $1', [programId]);
  }
  if (input.slug != null) {
    errors.slug(at('slug'), input.slug, LIMITS.slug);
    if (programId != null && (await refs.taken('sessions', 'slug', input.slug, existing?.id, { column: 'program_id', value: programId }))) {
      errors.add(at('slug'), UserErrorCode.TAKEN, `The program already has a session "${input.slug}"`);
    }
  }
  const title = errors.localized(at('title'), input.title, LIMITS.title, creating || input.title !== undefined);
  if (!creating && input.kind === null) errors.add(at('kind'), UserErrorCode.REQUIRED, 'A session keeps its kind');
  const hostId = await refs.organization(at('hostSlug'), input.hostSlug);
  const startsAt = input.startsAt !== undefined ? input.startsAt : (existing?.starts_at ?? null);
  const endsAt = input.endsAt !== undefined ? input.endsAt : (existing?.ends_at ?? null);
  errors.range(at('endsAt'), startsAt, endsAt);
  if (program && !sessionFits(startsAt, endsAt ?? startsAt, program.starts_on, program.ends_on)) {
    errors.add(at(input.startsAt !== undefined || !input.endsAt ? 'startsAt' : 'endsAt'), UserErrorCode.OUTSIDE_PROGRAM, `The session must fall within the program's dates (${program.starts_on ?? '…'} to ${program.ends_on ?? '…'})`);
  }
  stopIfInvalid(errors);

  const values: Record<string, unknown> = {};
  if (title !== undefined) Object.assign(values, { title: JSON.stringify(title) });
  if (input.kind != null) values.kind = input.kind;
  if (hostId !== undefined) values.host_id = hostId;
  if (input.startsAt !== undefined) values.starts_at = input.startsAt;
  if (input.endsAt !== undefined) values.ends_at = input.endsAt;
  if (input.position != null) values.position = input.position;
  if (input.slug != null) values.slug = input.slug;
  if (existing) return saveRecord(scope, 'sessions', existing.id, values);
  const [{ next }] = await tx.query<{ next: number | string }>('SELECT COALESCE(MAX(position), -1) + 1 AS "next" FROM sessions WHERE program_id = $1', [programId]);
  values.position ??= Number(next);
  if (values.slug == null) {
    // The first free "session-N" after the last position.
    let n = Number(next) + 1;
    while (await refs.taken('sessions', 'slug', `session-${n}`, undefined, { column: 'program_id', value: programId! })) n++;
    values.slug = `session-${n}`;
  }
  values.program_id = programId;
  return saveRecord(scope, 'sessions', null, values);
}

async function loadSession(scope: WriteScope, id: string): Promise<SessionRow | null> {
  const pk = new References(scope.tx, scope.errors).pk(['id'], id, ['Session']);
  const [row] = pk == null ? [] : await scope.tx.query<SessionRow>('SELECT id, program_id, title, starts_at, ends_at FROM sessions WHERE id = $1', [pk]);
  if (pk != null && !row) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, 'No session has this id');
  stopIfInvalid(scope.errors);
  return { ...row!, id: Number(row!.id), program_id: Number(row!.program_id) };
}

@Resolver()
export class SessionMutations {
  @WriteMutation('editor', () => SessionPayload, { description: 'Adds a session to a program.' })
  async sessionCreate(@Arg('input', () => SessionCreateInput, { description: 'The session.' }) input: SessionCreateInput, @Ctx() ctx: RegistryContext): Promise<SessionPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveSession(scope, input, null));
    return { session: result == null ? null : sessionById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => SessionPayload, { description: 'Changes a session.' })
  async sessionUpdate(
    @Arg('id', () => ID, { description: 'Global id of the session.' }) id: string,
    @Arg('input', () => SessionUpdateInput, { description: 'The fields to change.' }) input: SessionUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<SessionPayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => saveSession(scope, input, await loadSession(scope, id)));
    return { session: result == null ? null : sessionById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => DeletePayload, { description: 'Deletes a session.' })
  async sessionDelete(@Arg('id', () => ID, { description: 'Global id of the session.' }) id: string, @Ctx() ctx: RegistryContext): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const session = await loadSession(scope, id);
      await deleteRecord(scope, 'sessions', session!.id);
      return id;
    });
    return { deletedId: result, userErrors };
  }
}
