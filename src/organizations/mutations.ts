import { type RegistryContext } from '../engine';
import { Arg, Ctx, Field, ID, InputType, ObjectType, Resolver } from 'type-graphql';
import { References } from '../graphql/references';
import { deleteRecord, DeletePayload, LocalizedInput, runWrite, WriteMutation, saveRecord, stopIfInvalid, UserError, UserErrorCode, type WriteScope } from '../graphql/writes';
import { organizationById } from './loaders';
import { Organization, OrganizationKind } from './organization';

const LIMITS = { slug: 100, name: 300 };

@InputType()
class OrganizationFields {
  @Field(() => String, { nullable: true, description: 'Stable, URL-safe handle: lower-case letters, digits, hyphens.' })
  slug?: string | null;

  @Field(() => LocalizedInput, { nullable: true, description: 'Name in its official form, in at least one language.' })
  name?: LocalizedInput | null;

  @Field(() => OrganizationKind, { nullable: true, description: 'What kind of body it is.' })
  kind?: OrganizationKind | null;

  @Field(() => String, { nullable: true, description: 'Code of the region where it is based; null clears it.' })
  regionCode?: string | null;
}

@InputType('OrganizationCreateInput', { description: 'A new organization.' })
export class OrganizationCreateInput extends OrganizationFields {
  @Field(() => String, { description: 'Stable, URL-safe handle: lower-case letters, digits, hyphens.' })
  declare slug: string;

  @Field(() => LocalizedInput, { description: 'Name in its official form, in at least one language.' })
  declare name: LocalizedInput;

  @Field(() => OrganizationKind, { description: 'What kind of body it is.' })
  declare kind: OrganizationKind;
}

@InputType('OrganizationUpdateInput', { description: 'Changes to an organization: only the fields given change.' })
export class OrganizationUpdateInput extends OrganizationFields {}

@ObjectType('OrganizationPayload', { description: 'The organization as written, or what was wrong with the input.' })
export class OrganizationPayload {
  @Field(() => Organization, { nullable: true, description: 'The organization; null when nothing was written.' })
  organization: unknown;

  @Field(() => [UserError], { description: 'Rules the input broke; empty when the write succeeded.' })
  userErrors: UserError[];
}

async function saveOrganization(scope: WriteScope, input: OrganizationFields, existingId: number | null): Promise<number> {
  const { tx, errors } = scope;
  const refs = new References(tx, errors);
  const creating = existingId === null;
  if (creating || input.slug !== undefined) {
    errors.slug(['input', 'slug'], input.slug, LIMITS.slug);
    if (input.slug && (await refs.taken('organizations', 'slug', input.slug, existingId ?? undefined))) errors.add(['input', 'slug'], UserErrorCode.TAKEN, `The slug "${input.slug}" is taken`);
  }
  const name = errors.localized(['input', 'name'], input.name, LIMITS.name, creating || input.name !== undefined);
  if (!creating && input.kind === null) errors.add(['input', 'kind'], UserErrorCode.REQUIRED, 'An organization keeps its kind');
  const regionId = await refs.region(['input', 'regionCode'], input.regionCode);
  stopIfInvalid(errors);

  const values: Record<string, unknown> = {};
  if (input.slug != null) values.slug = input.slug;
  if (name !== undefined) Object.assign(values, { name: JSON.stringify(name) });
  if (input.kind != null) values.kind = input.kind;
  if (regionId !== undefined) values.region_id = regionId;
  return saveRecord(scope, 'organizations', existingId, values);
}

async function organizationPk(scope: WriteScope, id: string): Promise<number> {
  const pk = new References(scope.tx, scope.errors).pk(['id'], id, ['Organization']);
  const found = pk == null ? [] : await scope.tx.query('SELECT id FROM organizations WHERE id = $1', [pk]);
  if (pk != null && !found.length) scope.errors.add(['id'], UserErrorCode.NOT_FOUND, 'No organization has this id');
  stopIfInvalid(scope.errors);
  return pk!;
}

@Resolver()
export class OrganizationMutations {
  @WriteMutation('editor', () => OrganizationPayload, { description: 'Records a new organization.' })
  async organizationCreate(@Arg('input', () => OrganizationCreateInput, { description: 'The organization.' }) input: OrganizationCreateInput, @Ctx() ctx: RegistryContext): Promise<OrganizationPayload> {
    const { result, userErrors } = await runWrite(ctx, (scope) => saveOrganization(scope, input, null));
    return { organization: result == null ? null : organizationById(ctx).load(result), userErrors };
  }

  @WriteMutation('editor', () => OrganizationPayload, { description: 'Changes an organization.' })
  async organizationUpdate(
    @Arg('id', () => ID, { description: 'Global id of the organization.' }) id: string,
    @Arg('input', () => OrganizationUpdateInput, { description: 'The fields to change.' }) input: OrganizationUpdateInput,
    @Ctx() ctx: RegistryContext,
  ): Promise<OrganizationPayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => saveOrganization(scope, input, await organizationPk(scope, id)));
    return { organization: result == null ? null : organizationById(ctx).load(result), userErrors };
  }

  @WriteMutation('admin', () => DeletePayload, { description: 'Deletes an organization. Refused while programs or sessions name it, unless detached.' })
  async organizationDelete(
    @Arg('id', () => ID, { description: 'Global id of the organization.' }) id: string,
    @Arg('detach', () => Boolean, { defaultValue: false, description: 'Remove it from the organizers of programs and the hosts of sessions first.' }) detach: boolean,
    @Ctx() ctx: RegistryContext,
  ): Promise<DeletePayload> {
    const { result, userErrors } = await runWrite(ctx, async (scope) => {
      const pk = await organizationPk(scope, id);
      const [{ programs, sessions }] = await scope.tx.query<{ programs: number | string; sessions: number | string }>(
        'SELECT (SELECT COUNT(*) FROM program_organizers WHERE organization_id = $1) AS "programs", (SELECT COUNT(*) FROM sessions WHERE host_id = $1) AS "sessions"',
        [pk],
      );
      if ((Number(programs) || Number(sessions)) && !detach) {
        scope.errors.add(['id'], UserErrorCode.IN_USE, `It organizes ${programs} program(s) and hosts ${sessions} session(s); pass detach: true to remove it from them`);
        stopIfInvalid(scope.errors);
      }
      await scope.tx.query('DELETE FROM program_organizers WHERE organization_id = $1', [pk]);
      await scope.tx.query('UPDATE sessions SET host_id = NULL, updated_at = $2, updated_by_key_id = $3 WHERE host_id = $1', [pk, scope.now, scope.keyId]);
      await deleteRecord(scope, 'organizations', pk);
      return id;
    });
    return { deletedId: result, userErrors };
  }
}
