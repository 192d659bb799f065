import { type Localized, type RegistryContext } from '../engine';
import { Arg, Ctx, Field, Float, ID, InputType, Int, ObjectType, Resolver } from 'type-graphql';
import { insertRow } from '../db/rows';
import { References } from '../graphql/references';
import { DateScalar, DateTimeScalar } from '../graphql/scalars';
import { deleteRecord, DeletePayload, LocalizedInput, runWrite, saveRecord, stopIfInvalid, UserError, UserErrorCode, WriteMutation, type WriteScope } from '../graphql/writes';
import { Call } from './call';
import { callById } from './loaders';
import { isTimeZone, localDateTime } from './zone';

const LIMITS = { applyUrl: 500, notes: 2000, regions: 100, languages: 20, fee: 1_000_000_000 };
const LANGUAGE_CODE = /^[a-z]{2,3}$/;
const CURRENCY = /^[A-Z]{3}$/;

@InputType('MoneyInput', { description: 'An amount of money in a currency.' })
export class MoneyInput {
  @Field(() => Float, { description: 'The amount, not negative, with at most two decimals.' })
  amount: number;

  @Field(() => String, { description: 'ISO 4217 currency code in capitals, e.g. "EUR".' })
  currency: string;
}

@InputType('CallCostsInput', { description: 'What taking part costs: only the fields given change; null clears one.' })
export class CallCostsInput {
  @Field(() => MoneyInput, { nullable: true, description: 'Participation fee; null when there is none.' })
  fee?: MoneyInput | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether travel is paid for; null when the call does not say.' })
  travelCovered?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether accommodation is paid for; null when the call does not say.' })
  accommodationCovered?: boolean | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'Notes on costs, in one or more languages; null clears them.' })
  notes?: LocalizedInput | null;
}

@InputType()
class CallFields {
  @Field(() => DateScalar, { nullable: true, description: 'First day applications are taken (UTC date).' })
  opensOn?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'The deadline, with its offset or in UTC; not before the opening day, and before the programme starts.' })
  closesAt?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone the deadline is set in, e.g. "Europe/Moscow".' })
  timeZone?: string | null;

  @Field(() => String, { nullable: true, description: 'Where to apply: an http(s) address.' })
  applyUrl?: string | null;

  @Field(() => [String], { nullable: true, description: 'Codes of the regions whose residents may apply (each with everything below it); empty for no condition of residence.' })
  eligibleRegionCodes?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'How many participants will be selected; null when the call does not say.' })
  places?: number | null;

  @Field(() => [String], { nullable: true, description: 'ISO 639-1 codes of the working languages, in lower case ("ru", "en").' })
  workingLanguages?: string[] | null;

  @Field(() => CallCostsInput, { nullable: true, description: 'What taking part costs.' })
  costs?: CallCostsInput | null;
}

@InputType('CallCreateInput', { description: 'A call for applications to a programme that has none yet.' })
export class CallCreateInput extends CallFields {
  @Field(() => String, { description: 'Slug of the forum or internship the call is for.' })
  programSlug: string;

  @Field(() => DateScalar, { description: 'First day applications are taken (UTC date).' })
  declare opensOn: string;

  @Field(() => DateTimeScalar, { description: 'The deadline, with its offset or in UTC; not before the opening day, and before the programme starts.' })
  declare closesAt: string;

  @Field(() => String, { description: 'IANA time zone the deadline is set in, e.g. "Europe/Moscow".' })
  declare timeZone: string;

  @Field(() => String, { description: 'Where to apply: an http(s) address.' })
  declare applyUrl: string;
}

@InputType('CallUpdateInput', { description: 'Changes to a call: only the fields given change.' })
export class CallUpdateInput extends CallFields {}

@ObjectType('CallPayload', { description: 'The call as written, or what was wrong with the input.' })
export class CallPayload {
  @Field(() => Call, { nullable: true, description: 'The call; null when nothing was written.' })
  call: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

interface CallRow {
  id: number;
  program_id: number;
  opens_on: string;
  closes_at: string;
  time_zone: string;
}

function isHttpUrl(value: string): boolean {
  // Whitespace and control characters would be dropped by the URL parser, yet kept in the stored text (and in a feed's lines).
  if (/[\s\x00-\x1f\x7f]/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Checks a list for duplicates, reporting each at its place. */
function duplicates(scope: WriteScope, field: string[], items: string[]): void {
  items.forEach((item, i) => {
    if (items.indexOf(item) !== i) scope.errors.add([...field, String(i)], UserErrorCode.DUPLICATE, `"${item}" is given twice`);
  });
}

async function saveCall(scope: WriteScope, input: CallFields & { programSlug?: string }, existing: CallRow | null): Promise<number> {
  const { tx, errors } = scope;
  const refs = new References(tx, errors);
  const at = (...path: string[]) => ['input', ...path];
  const creating = existing === null;

  let programId = existing?.program_id ?? null;
  let programStartsOn: string | null = null;
  if (creating) {
    const [row] = await tx.query<{ id: number; starts_on: string | null }>('SELECT id, starts_on FROM programs WHERE slug = $1', [input.programSlug]);
    if (!row) errors.add(at('programSlug'), UserErrorCode.NOT_FOUND, `No program has the slug "${input.programSlug}"`);
    else if ((await tx.query('SELECT 1 AS "x" FROM calls WHERE program_id = $1', [row.id])).length) {
      errors.add(at('programSlug'), UserErrorCode.TAKEN, `The program "${input.programSlug}" already has a call; change it with callUpdate`);
    }
    programId = row ? Number(row.id) : null;
    programStartsOn = row?.starts_on ?? null;
  } else {
    [{ starts_on: programStartsOn }] = await tx.query<{ starts_on: string | null }>('SELECT starts_on FROM programs WHERE id = $1', [programId]);
  }

  for (const name of ['opensOn', 'closesAt', 'timeZone', 'applyUrl'] as const) {
    if (!creating && input[name] === null) errors.add(at(name), UserErrorCode.REQUIRED, `A call keeps its ${name}`);
  }
  if (input.timeZone != null && !isTimeZone(input.timeZone)) errors.add(at('timeZone'), UserErrorCode.INVALID_FORMAT, `"${input.timeZone.slice(0, 80)}" is not an IANA time zone such as "Europe/Moscow"`);
  if (input.applyUrl != null) {
    if (input.applyUrl.length > LIMITS.applyUrl) errors.add(at('applyUrl'), UserErrorCode.TOO_LONG, `At most ${LIMITS.applyUrl} characters (got ${input.applyUrl.length})`);
    else if (!isHttpUrl(input.applyUrl)) errors.add(at('applyUrl'), UserErrorCode.INVALID_FORMAT, 'Give an http or https address, e.g. "https://example.org/apply"');
  }
  if (input.places != null && input.places < 1) errors.add(at('places'), UserErrorCode.INVALID_FORMAT, 'Places must be at least 1 (leave it out when the call does not say)');

  const opensOn = input.opensOn ?? existing?.opens_on ?? null;
  const closesAt = input.closesAt ?? existing?.closes_at ?? null;
  const timeZone = input.timeZone ?? existing?.time_zone ?? null;
  if (opensOn && closesAt && timeZone && isTimeZone(timeZone)) {
    // Both checks on the deadline's own calendar day, where it was set.
    const closesOn = localDateTime(closesAt, timeZone).slice(0, 10);
    const field = at(input.closesAt != null || input.opensOn == null ? 'closesAt' : 'opensOn');
    if (closesOn < opensOn) errors.add(field, UserErrorCode.INVALID_RANGE, `Closes (${closesOn} in ${timeZone}) before it opens (${opensOn})`);
    else if (programStartsOn != null && closesOn >= programStartsOn) {
      errors.add(field, UserErrorCode.INVALID_RANGE, `Closes (${closesOn} in ${timeZone}) after its programme starts (${programStartsOn}); a call must close before`);
    }
  }

  let regionIds: number[] | undefined;
  if (input.eligibleRegionCodes != null) {
    const codes = input.eligibleRegionCodes;
    if (codes.length > LIMITS.regions) errors.add(at('eligibleRegionCodes'), UserErrorCode.TOO_LONG, `At most ${LIMITS.regions} regions`);
    else {
      duplicates(scope, at('eligibleRegionCodes'), codes);
      regionIds = [];
      for (const [i, code] of codes.entries()) {
        if (codes.indexOf(code) !== i) continue;
        const id = await refs.region(at('eligibleRegionCodes', String(i)), code);
        if (id != null) regionIds.push(id);
      }
    }
  }
  if (input.workingLanguages != null) {
    const languages = input.workingLanguages;
    if (languages.length > LIMITS.languages) errors.add(at('workingLanguages'), UserErrorCode.TOO_LONG, `At most ${LIMITS.languages} languages`);
    languages.forEach((code, i) => {
      if (!LANGUAGE_CODE.test(code)) errors.add(at('workingLanguages', String(i)), UserErrorCode.INVALID_FORMAT, `"${code.slice(0, 20)}" is not an ISO 639-1 code in lower case, such as "ru"`);
    });
    duplicates(scope, at('workingLanguages'), languages);
  }
  const costs = input.costs;
  let notes: Localized | null | undefined;
  if (costs?.fee) {
    const { amount, currency } = costs.fee;
    if (!Number.isFinite(amount) || amount < 0 || amount > LIMITS.fee || Math.abs(Math.round(amount * 100) - amount * 100) > 1e-6) {
      errors.add(at('costs', 'fee', 'amount'), UserErrorCode.INVALID_FORMAT, `A fee is an amount from 0 to ${LIMITS.fee} with at most two decimals`);
    }
    if (!CURRENCY.test(currency)) errors.add(at('costs', 'fee', 'currency'), UserErrorCode.INVALID_FORMAT, `"${currency.slice(0, 20)}" is not an ISO 4217 currency code such as "EUR"`);
  }
  if (costs && costs.notes !== undefined) notes = errors.localized(at('costs', 'notes'), costs.notes, LIMITS.notes, false);
  stopIfInvalid(errors);

  const values: Record<string, unknown> = {};
  if (input.opensOn != null) values.opens_on = input.opensOn;
  if (input.closesAt != null) values.closes_at = input.closesAt;
  if (input.timeZone != null) values.time_zone = input.timeZone;
  if (input.applyUrl != null) values.apply_url = input.applyUrl;
  if (input.places !== undefined) values.places = input.places;
  if (input.workingLanguages != null) values.working_languages = JSON.stringify(input.workingLanguages);
  if (costs) {
    if (costs.fee !== undefined) Object.assign(values, { fee_minor: costs.fee ? Math.round(costs.fee.amount * 100) : null, fee_currency: costs.fee?.currency ?? null });
    if (costs.travelCovered !== undefined) values.travel_covered = costs.travelCovered;
    if (costs.accommodationCovered !== undefined) values.accommodation_covered = costs.accommodationCovered;
    if (notes !== undefined) values.cost_notes = notes === null ? null : JSON.stringify(notes);
  }
  let id: number;
  if (existing) id = await saveRecord(scope, 'calls', existing.id, values);
  else {
    values.program_id = programId;
    values.working_languages ??= '[]';
    id = await saveRecord(scope, 'calls', null, values);
  }
  if (regionIds) {
    await tx.query('DELETE FROM call_regions WHERE call_id = $1', [id]);
    for (const [position, regionId] of regionIds.entries()) await insertRow(tx, 'call_regions', { call_id: id, region_id: regionId, position });
  }
  return id;
}

async function loadCall(scope: WriteScope, id: string): Promise<CallRow> {
  const pk = new References(scope.tx, scope.errors).pk(['id'], id, ['Call']);
  const [row] = pk == null ? [] : await scope.tx.query<CallRow>('SELECT id, program_id, opens_on, closes_at, time_zone FROM calls WHERE id = $1', [pk]);
  if (pk != null && !row) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, 'No call has this id');
  stopIfInvalid(scope.errors);
  return { ...row!, id: Number(row!.id), program_id: Number(row!.program_id) };
}

@Resolver()
export class CallMutations {
  @WriteMutation('editor', () => CallPayload, { description: 'Opens a call for applications to a programme that has none.' })
  async callCreate(@Arg('input', () => CallCreateInput, { description: 'The call.' }) input: CallCreateInput, @Ctx() ctx: RegistryContext): Promise<CallPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveCall(scope, input, null));
    return { call: result == null ? null : callById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => CallPayload, { description: 'Changes a call for applications.' })
  async callUpdate(
    @Arg('id', () => ID, { description: 'Global id of the call.' }) id: string,
    @Arg('input', () => CallUpdateInput, { description: 'The fields to change.' }) input: CallUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<CallPayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => saveCall(scope, input, await loadCall(scope, id)));
    return { call: result == null ? null : callById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => DeletePayload, { description: 'Deletes a call for applications (its programme stays).' })
  async callDelete(@Arg('id', () => ID, { description: 'Global id of the call.' }) id: string, @Ctx() ctx: RegistryContext): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const call = await loadCall(scope, id);
      await deleteRecord(scope, 'calls', call.id);
      return id;
    });
    return { deletedId: result, userErrors };
  }
}
