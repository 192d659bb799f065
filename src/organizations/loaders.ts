import { childrenByParent, nodeTable, recordsByKey, type RegistryContext, type Source } from '../engine';
import type { Database } from '../db/database';
import { Organization } from './organization';

export function organizationSource(db: Database): Source<Organization> {
  return { table: nodeTable<Organization>(db, Organization, 'Organization'), alias: 'o' };
}

export const organizationById = (ctx: RegistryContext) =>
  ctx.loaders.use('organization.byId', (db) => recordsByKey<number, Organization>(db, organizationSource(db), 'o.id'));

export const organizationBySlug = (ctx: RegistryContext) =>
  ctx.loaders.use('organization.bySlug', (db) => recordsByKey<string, Organization>(db, organizationSource(db), 'o.slug'));

/** The organizers of each program, in the order the source names them. */
export const organizersOfProgram = (ctx: RegistryContext) =>
  ctx.loaders.use('organization.organizersOfProgram', (db) =>
    childrenByParent(
      db,
      { ...organizationSource(db), from: 'program_organizers po JOIN organizations o ON o.id = po.organization_id', parent: 'po.program_id' },
      'po.position, o.id',
    ),
  );
