import { type RegistryContext } from '../engine';
import { Arg, Ctx, Field, ID, InputType, ObjectType, Resolver } from 'type-graphql';
import { References } from '../graphql/references';
import { deleteRecord, DeletePayload, LocalizedInput, runWrite, WriteMutation, saveRecord, stopIfInvalid, UserError, UserErrorCode, type WriteScope } from '../graphql/writes';
import { regionById } from './loaders';
import { Region, RegionKind } from './region';

/** ISO 3166-1 alpha-2 (RU), ISO 3166-2 (RU-OMS), or a union's short name (CIS). */
const CODE = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^[A-Z]{3,10}$/;

@InputType()
class RegionFields {
  @Field(() => String, { nullable: true, description: 'ISO 3166 code (RU, RU-OMS) or a union\'s short name (CIS).' })
  code?: string | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'Name, in at least one language.' })
  name?: LocalizedInput | null;

  @Field(() => RegionKind, { nullable: true, description: 'What kind of place it is.' })
  kind?: RegionKind | null;

  @Field(() => String, { nullable: true, description: 'Code of the region it lies in; null makes it a top-level region.' })
  parentCode?: string | null;
}

@InputType('RegionCreateInput', { description: 'A new region.' })
export class RegionCreateInput extends RegionFields {
  @Field(() => String, { description: 'ISO 3166 code (RU, RU-OMS) or a union\'s short name (CIS).' })
  declare code: string;

  @Field(() => LocalizedInput, { description: 'Name, in at least one language.' })
  declare name: LocalizedInput;

  @Field(() => RegionKind, { description: 'What kind of place it is.' })
  declare kind: RegionKind;
}

@InputType('RegionUpdateInput', { description: 'Changes to a region: only the fields given change.' })
export class RegionUpdateInput extends RegionFields {}

@ObjectType('RegionPayload', { description: 'The region as written, or what was wrong with the input.' })
export class RegionPayload {
  @Field(() => Region, { nullable: true, description: 'The region; null when nothing was written.' })
  region: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

async function saveRegion(scope: WriteScope, input: RegionFields, existingId: number | null): Promise<number> {
  const { tx, errors } = scope;
  const refs = new References(tx, errors);
  const creating = existingId === null;
  if (creating || input.code !== undefined) {
    if (!input.code) errors.add(['input', 'code'], UserErrorCode.REQUIRED, 'A code is required');
    else if (!CODE.test(input.code)) errors.add(['input', 'code'], UserErrorCode.INVALID_FORMAT, 'Use an ISO 3166 code such as "RU" or "RU-OMS", or a short name such as "CIS"');
    else if (await refs.taken('regions', 'code', input.code, existingId ?? undefined)) errors.add(['input', 'code'], UserErrorCode.TAKEN, `The code "${input.code}" is taken`);
  }
  const name = errors.localized(['input', 'name'], input.name, 200, creating || input.name !== undefined);
  if (!creating && input.kind === null) errors.add(['input', 'kind'], UserErrorCode.REQUIRED, 'A region keeps its kind');
  const parentId = await refs.region(['input', 'parentCode'], input.parentCode);
  if (parentId != null && existingId != null) {
    // A region may not move below itself.
    const [loop] = await tx.query(
      'WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM regions WHERE id = $1 UNION ALL SELECT r.id, r.parent_id FROM regions r JOIN up ON r.id = up.parent_id) SELECT 1 AS "x" FROM up WHERE id = $2',
      [parentId, existingId],
    );
    if (loop) errors.add(['input', 'parentCode'], UserErrorCode.WRONG_KIND, 'A region cannot lie inside itself');
  }
  stopIfInvalid(errors);

  const values: Record<string, unknown> = {};
  if (input.code != null) values.code = input.code;
  if (name !== undefined) Object.assign(values, { name: JSON.stringify(name) });
  if (input.kind != null) values.kind = input.kind;
  if (parentId !== undefined) values.parent_id = parentId;
  return saveRecord(scope, 'regions', existingId, values);
}

@Resolver()
export class RegionMutations {
  @WriteMutation('admin', () => RegionPayload, { description: 'Records a new region.' })
  async regionCreate(@Arg('input', () => RegionCreateInput, { description: 'The region.' }) input: RegionCreateInput, @Ctx() ctx: RegistryContext): Promise<RegionPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveRegion(scope, input, null));
    return { region: result == null ? null : regionById(ctx).load(result), userErrors };
  }

  @WriteMutation('admin', () => RegionPayload, { description: 'Changes a region.' })
  async regionUpdate(
    @Arg('id', () => ID, { description: 'Global id of the region.' }) id: string,
    @Arg('input', () => RegionUpdateInput, { description: 'The fields to change.' }) input: RegionUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<RegionPayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const pk = new References(scope.tx, scope.errors).pk(['id'], id, ['Region']);
      const found = pk == null ? [] : await scope.tx.query('SELECT id FROM regions WHERE id = $1', [pk]);
      if (pk != null && !found.length) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, 'No region has this id');
      stopIfInvalid(scope.errors);
      return saveRegion(scope, input, pk);
    });
    return { region: result == null ? null : regionById(ctx).load(result), userErrors };
  }

  @WriteMutation('admin', () => DeletePayload, { description: 'Deletes a region nothing refers to: no sub-region, organization, program, participant origin or call for applications.' })
  async regionDelete(@Arg('id', () => ID, { description: 'Global id of the region.' }) id: string, @Ctx() ctx: RegistryContext): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const pk = new References(scope.tx, scope.errors).pk(['id'], id, ['Region']);
      const found = pk == null ? [] : await scope.tx.query('SELECT id FROM regions WHERE id = $1', [pk]);
      if (pk != null && !found.length) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, 'No region has this id');
      stopIfInvalid(scope.errors);
      const [uses] = await scope.tx.query<Record<string, number | string>>(
        `SELECT (SELECT COUNT(*) FROM regions WHERE parent_id = $1) AS "sub-regions", (SELECT COUNT(*) FROM organizations WHERE region_id = $1) AS "organizations",
           (SELECT COUNT(*) FROM programs WHERE location_id = $1) AS "programs", (SELECT COUNT(*) FROM participant_origins WHERE region_id = $1) AS "participant origins",
           (SELECT COUNT(*) FROM call_regions WHERE region_id = $1) AS "calls for applications"`,
        [pk],
      );
      const inUse = Object.entries(uses).filter(([, n]) => Number(n) > 0);
      if (inUse.length) scope.errors.add(['id'], UserErrorCode.IN_USE, `Still referred to by ${inUse.map(([what, n]) => `${n} ${what}`).join(', ')}`);
      stopIfInvalid(scope.errors);
      await deleteRecord(scope, 'regions', pk!);
      return id;
    });
    return { deletedId: result, userErrors };
  }
}
