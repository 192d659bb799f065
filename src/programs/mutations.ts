import { type RegistryContext } from '../engine';
import { Arg, Ctx, Field, ID, InputType, Int, ObjectType, Resolver } from 'type-graphql';
import { callDeadlineProblem } from '../calls/mutations';
import { References } from '../graphql/references';
import { DateScalar } from '../graphql/scalars';
import { deleteRecord, DeletePayload, InputErrors, LocalizedInput, runWrite, WriteMutation, saveRecord, stopIfInvalid, UserError, UserErrorCode, type WriteScope } from '../graphql/writes';
import { sessionFits } from '../sessions/times';
import { titleSort } from './title';
import { programById } from './loaders';
import { Forum, Internship, ProgramType } from './program';

const LIMITS = { slug: 120, title: 300, description: 5000, series: 200, trainingProgram: 300, audience: 300 };

@InputType('ParticipantOriginInput', { description: 'Where participants came from.' })
class ParticipantOriginInput {
  @Field(() => String, { description: 'Code of the region they came from.' })
  regionCode: string;

  @Field(() => Int, { nullable: true, description: 'How many; null when unknown.' })
  count?: number | null;
}

/** Fields every program input shares; create inputs require some of them. */
@InputType()
class ProgramInput {
  @Field(() => String, { nullable: true, description: 'Stable, URL-safe handle: lower-case letters, digits, hyphens.' })
  slug?: string | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'Title, in at least one language.' })
  title?: LocalizedInput | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'What the program is about; null clears it.' })
  description?: LocalizedInput | null;

  @Field(() => DateScalar, { nullable: true, description: 'First day.' })
  startsOn?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Last day; not before the first.' })
  endsOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Code of the region where it takes place; null clears it.' })
  locationCode?: string | null;

  @Field(() => [String], { nullable: true, description: 'Slugs of the organizing organizations, in order; replaces the list.' })
  organizerSlugs?: string[] | null;
}

@InputType('ForumCreateInput', { description: 'A new forum.' })
export class ForumCreateInput extends ProgramInput {
  @Field(() => String, { description: 'Stable, URL-safe handle: lower-case letters, digits, hyphens.' })
  declare slug: string;

  @Field(() => LocalizedInput, { description: 'Title, in at least one language.' })
  declare title: LocalizedInput;

  @Field(() => DateScalar, { description: 'First day.' })
  declare startsOn: string;

  @Field(() => DateScalar, { description: 'Last day; not before the first.' })
  declare endsOn: string;

  @Field(() => String, { nullable: true, description: 'The recurring event this edition belongs to.' })
  series?: string | null;

  @Field(() => Int, { nullable: true, description: 'The edition year; the year of `startsOn` when not given.' })
  year?: number | null;
}

@InputType('ForumUpdateInput', { description: 'Changes to a forum: only the fields given change.' })
export class ForumUpdateInput extends ProgramInput {
  @Field(() => String, { nullable: true, description: 'The recurring event this edition belongs to; null clears it.' })
  series?: string | null;

  @Field(() => Int, { nullable: true, description: 'The edition year; null clears it.' })
  year?: number | null;
}

@InputType()
class InternshipFields extends ProgramInput {
  @Field(() => String, { nullable: true, description: 'Slug of the forum it is part of; null detaches it.' })
  forumSlug?: string | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'The training programme it implements.' })
  trainingProgram?: LocalizedInput | null;

  @Field(() => Int, { nullable: true, description: 'How many people took part; not below the counted origins.' })
  participantCount?: number | null;

  @Field(() => [ParticipantOriginInput], { nullable: true, description: 'Where participants came from; replaces the list.' })
  participantOrigins?: ParticipantOriginInput[] | null;

  @Field(() => [LocalizedInput], { nullable: true, description: 'Categories of participants it is for; replaces the list.' })
  audience?: LocalizedInput[] | null;
}

@InputType('InternshipCreateInput', { description: 'A new internship.' })
export class InternshipCreateInput extends InternshipFields {
  @Field(() => String, { description: 'Stable, URL-safe handle: lower-case letters, digits, hyphens.' })
  declare slug: string;

  @Field(() => LocalizedInput, { description: 'Title, in at least one language.' })
  declare title: LocalizedInput;

  @Field(() => DateScalar, { description: 'First day.' })
  declare startsOn: string;

  @Field(() => DateScalar, { description: 'Last day; not before the first.' })
  declare endsOn: string;
}

@InputType('InternshipUpdateInput', { description: 'Changes to an internship: only the fields given change.' })
export class InternshipUpdateInput extends InternshipFields {}

@ObjectType('ForumPayload', { description: 'The forum as written, or what was wrong with the input.' })
export class ForumPayload {
  @Field(() => Forum, { nullable: true, description: 'The forum; null when nothing was written.' })
  forum: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

@ObjectType('InternshipPayload', { description: 'The internship as written, or what was wrong with the input.' })
export class InternshipPayload {
  @Field(() => Internship, { nullable: true, description: 'The internship; null when nothing was written.' })
  internship: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

type AnyProgramInput = Partial<ForumUpdateInput & InternshipUpdateInput>;

interface ProgramRow {
  id: number;
  type: ProgramType;
  starts_on: string | null;
  ends_on: string | null;
  participant_count: number | null;
  title: string;
  description: string | null;
  training_program: string | null;
  series: string | null;
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

function audienceOf(errors: InputErrors, items: LocalizedInput[] | null | undefined): Partial<Record<string, string[]>> | null | undefined {
  if (items == null) return items;
  const lists: Partial<Record<string, string[]>> = {};
  items.forEach((item, i) => {
    const text = errors.localized(['input', 'audience', String(i)], item, LIMITS.audience, true) ?? {};
    for (const [lang, value] of Object.entries(text)) (lists[lang] ??= []).push(value!);
  });
  return lists;
}

/**
 * Validates a program input against the rules and the stored record (for an
 * update), then writes it; returns the program's key. Every broken rule is
 * reported before anything is written.
 */
async function saveProgram(scope: WriteScope, type: ProgramType, input: AnyProgramInput, existing: ProgramRow | null): Promise<number> {
  const { tx, errors } = scope;
  const refs = new References(tx, errors);
  const creating = existing === null;
  const at = (name: string) => ['input', name];

  if (creating || input.slug !== undefined) {
    errors.slug(at('slug'), input.slug, LIMITS.slug);
    if (input.slug && (await refs.taken('programs', 'slug', input.slug, existing?.id))) errors.add(at('slug'), UserErrorCode.TAKEN, `The slug "${input.slug}" is taken`);
  }
  const title = errors.localized(at('title'), input.title, LIMITS.title, creating || input.title !== undefined);
  const description = errors.localized(at('description'), input.description, LIMITS.description, false);
  const trainingProgram = errors.localized(at('trainingProgram'), input.trainingProgram, LIMITS.trainingProgram, false);
  const audience = audienceOf(errors, input.audience);
  errors.text(at('series'), input.series, LIMITS.series);
  if (input.year != null && (input.year < 1900 || input.year > 2200)) errors.add(at('year'), UserErrorCode.INVALID_FORMAT, 'A year from 1900 to 2200');
  if (input.startsOn === null && !creating) errors.add(at('startsOn'), UserErrorCode.REQUIRED, 'A program keeps its first day');
  if (input.endsOn === null && !creating) errors.add(at('endsOn'), UserErrorCode.REQUIRED, 'A program keeps its last day');
  const startsOn = input.startsOn ?? existing?.starts_on ?? null;
  const endsOn = input.endsOn ?? existing?.ends_on ?? null;
  errors.range(at('endsOn'), startsOn, endsOn);
  // A call closes before its programme starts, whichever of the two changes.
  if (existing && input.startsOn != null) {
    const problem = await callDeadlineProblem(tx, existing.id, input.startsOn);
    if (problem) errors.add(at('startsOn'), UserErrorCode.INVALID_RANGE, problem);
  }

  const locationId = await refs.region(at('locationCode'), input.locationCode);
  const organizerIds = await refs.organizations(at('organizerSlugs'), input.organizerSlugs);
  let forumId: number | null | undefined = input.forumSlug === null ? null : undefined;
  if (input.forumSlug != null) {
    const [forum] = await tx.query<{ id: number; type: string }>('SELECT id, type FROM programs WHERE slug = $1', [input.forumSlug]);
    if (!forum) errors.add(at('forumSlug'), UserErrorCode.NOT_FOUND, `No forum has the slug "${input.forumSlug}"`);
    else if (forum.type !== ProgramType.FORUM) errors.add(at('forumSlug'), UserErrorCode.WRONG_KIND, `"${input.forumSlug}" is not a forum`);
    else forumId = Number(forum.id);
  }

  // Origins: known regions, each once, counts not negative; the total not below their sum.
  let origins: Array<{ regionId: number; count: number | null }> | undefined;
  if (input.participantOrigins != null) {
    origins = [];
    const seen = new Set<string>();
    for (const [i, origin] of input.participantOrigins.entries()) {
      const field = ['input', 'participantOrigins', String(i)];
      if (seen.has(origin.regionCode)) errors.add([...field, 'regionCode'], UserErrorCode.DUPLICATE, `"${origin.regionCode}" is given twice`);
      seen.add(origin.regionCode);
      if (origin.count != null && origin.count < 0) errors.add([...field, 'count'], UserErrorCode.INVALID_FORMAT, 'A count is zero or more');
      const regionId = await refs.region([...field, 'regionCode'], origin.regionCode);
      if (regionId != null) origins.push({ regionId, count: origin.count ?? null });
    }
  }
  if (input.participantCount != null && input.participantCount < 0) errors.add(at('participantCount'), UserErrorCode.INVALID_FORMAT, 'A count is zero or more');
  const total = input.participantCount !== undefined ? input.participantCount : (existing?.participant_count ?? null);
  const counted = origins
    ? origins.reduce((sum, o) => sum + (o.count ?? 0), 0)
    : existing
      ? Number((await tx.query<{ n: number | null }>('SELECT SUM(count) AS "n" FROM participant_origins WHERE program_id = $1', [existing.id]))[0].n ?? 0)
      : 0;
  if (total != null && total < counted) errors.add(at('participantCount'), UserErrorCode.TOO_FEW, `${total} participants, but the origins count ${counted}`);

  // A program's new dates must still hold its sessions.
  if (existing && (input.startsOn !== undefined || input.endsOn !== undefined)) {
    const [span] = await tx.query<{ first: string | null; last: string | null }>('SELECT MIN(starts_at) AS "first", MAX(COALESCE(ends_at, starts_at)) AS "last" FROM sessions WHERE program_id = $1', [existing.id]);
    if (!sessionFits(span.first, span.last, startsOn, endsOn)) {
      errors.add(at('startsOn'), UserErrorCode.OUTSIDE_PROGRAM, 'Sessions of this program would fall outside the new dates; move them first');
    }
  }
  stopIfInvalid(errors);

  const values: Record<string, unknown> = {};
  if (input.slug !== undefined) values.slug = input.slug;
  if (title !== undefined) Object.assign(values, { title: json(title), title_sort: titleSort(title!) });
  if (input.description !== undefined) values.description = json(description);
  if (input.startsOn !== undefined) values.starts_on = input.startsOn;
  if (input.endsOn !== undefined) values.ends_on = input.endsOn;
  if (locationId !== undefined) values.location_id = locationId;
  if (input.series !== undefined) values.series = input.series;
  if (input.year != null || (!creating && input.year !== undefined)) values.year = input.year;
  // A new forum without a year is the edition of the year it starts in.
  else if (creating && type === ProgramType.FORUM && startsOn) values.year = Number(startsOn.slice(0, 4));
  if (input.trainingProgram !== undefined) values.training_program = json(trainingProgram);
  if (forumId !== undefined) values.forum_id = forumId;
  if (input.participantCount !== undefined) values.participant_count = input.participantCount;
  if (audience !== undefined) values.audience = json(audience);
  if (creating) values.type = type;
  const id = await saveRecord(scope, 'programs', existing?.id ?? null, values);
  if (organizerIds) {
    await tx.query('DELETE FROM program_organizers WHERE program_id = $1', [id]);
    for (const [position, organizationId] of organizerIds.entries()) {
      await tx.query('INSERT INTO program_organizers (program_id, organization_id, position) VALUES ($1, $2, $3)', [id, organizationId, position]);
    }
  }
  if (origins) {
    await tx.query('DELETE FROM participant_origins WHERE program_id = $1', [id]);
    for (const [position, origin] of origins.entries()) {
      await tx.query('INSERT INTO participant_origins (program_id, region_id, count, position) VALUES ($1, $2, $3, $4)', [id, origin.regionId, origin.count, position]);
    }
  }
  return id;
}

async function loadProgram(scope: WriteScope, refs: References, id: string, type: ProgramType): Promise<ProgramRow | null> {
  const typeName = type === ProgramType.FORUM ? 'Forum' : 'Internship';
  const pk = refs.pk(['id'], id, [typeName]);
  if (pk == null) return null;
  const [row] = await scope.tx.query<ProgramRow>('SELECT id, type, starts_on, ends_on, participant_count, title, description, training_program, series FROM programs WHERE id = $1 AND type = $2', [pk, type]);
  if (!row) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, `No ${typeName.toLowerCase()} has this id`);
  return row ? { ...row, id: Number(row.id) } : null;
}

async function updateProgram(scope: WriteScope, type: ProgramType, id: string, input: AnyProgramInput): Promise<number> {
  const existing = await loadProgram(scope, new References(scope.tx, scope.errors), id, type);
  stopIfInvalid(scope.errors);
  return saveProgram(scope, type, input, existing);
}

@Resolver()
export class ProgramMutations {
  @WriteMutation('editor', () => ForumPayload, { description: 'Records a new forum.' })
  async forumCreate(@Arg('input', () => ForumCreateInput, { description: 'The forum.' }) input: ForumCreateInput, @Ctx() ctx: RegistryContext): Promise<ForumPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveProgram(scope, ProgramType.FORUM, input, null));
    return { forum: result == null ? null : programById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => ForumPayload, { description: 'Changes a forum.' })
  async forumUpdate(
    @Arg('id', () => ID, { description: 'Global id of the forum.' }) id: string,
    @Arg('input', () => ForumUpdateInput, { description: 'The fields to change.' }) input: ForumUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<ForumPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => updateProgram(scope, ProgramType.FORUM, id, input));
    return { forum: result == null ? null : programById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => DeletePayload, { description: "Deletes a forum with its sessions. Refused while internships belong to it, unless they are detached." })
  async forumDelete(
    @Arg('id', () => ID, { description: 'Global id of the forum.' }) id: string,
    @Arg('detachInternships', () => Boolean, { defaultValue: false, description: 'Keep its internships, no longer part of any forum.' }) detachInternships: boolean,
    @Ctx() ctx: RegistryContext,
  ): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const forum = await loadProgram(scope, new References(scope.tx, scope.errors), id, ProgramType.FORUM);
      stopIfInvalid(scope.errors);
      const [{ n }] = await scope.tx.query<{ n: number | string }>('SELECT COUNT(*) AS "n" FROM programs WHERE forum_id = $1', [forum!.id]);
      if (Number(n) > 0 && !detachInternships) {
        scope.errors.add(['id'], UserErrorCode.IN_USE, `${n} internship(s) belong to this forum; delete them or pass detachInternships: true`);
        stopIfInvalid(scope.errors);
      }
      await scope.tx.query('UPDATE programs SET forum_id = NULL, updated_at = $2, updated_by_key_id = $3 WHERE forum_id = $1', [forum!.id, scope.now, scope.keyId]);
      await deleteRecord(scope, 'programs', forum!.id);
      return id;
    });
    return { deletedId: result, userErrors };
  }

  @WriteMutation('editor', () => InternshipPayload, { description: 'Records a new internship.' })
  async internshipCreate(@Arg('input', () => InternshipCreateInput, { description: 'The internship.' }) input: InternshipCreateInput, @Ctx() ctx: RegistryContext): Promise<InternshipPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveProgram(scope, ProgramType.INTERNSHIP, input, null));
    return { internship: result == null ? null : programById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => InternshipPayload, { description: 'Changes an internship.' })
  async internshipUpdate(
    @Arg('id', () => ID, { description: 'Global id of the internship.' }) id: string,
    @Arg('input', () => InternshipUpdateInput, { description: 'The fields to change.' }) input: InternshipUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<InternshipPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => updateProgram(scope, ProgramType.INTERNSHIP, id, input));
    return { internship: result == null ? null : programById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => DeletePayload, { description: 'Deletes an internship with its sessions and origins.' })
  async internshipDelete(@Arg('id', () => ID, { description: 'Global id of the internship.' }) id: string, @Ctx() ctx: RegistryContext): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const internship = await loadProgram(scope, new References(scope.tx, scope.errors), id, ProgramType.INTERNSHIP);
      stopIfInvalid(scope.errors);
      await deleteRecord(scope, 'programs', internship!.id);
      return id;
    });
    return { deletedId: result, userErrors };
  }
}
