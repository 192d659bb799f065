import fs from 'node:fs';
import path from 'node:path';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isIntrospectionType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { printRegistrySchema, registrySchema } from '../src/registry';

describe('the published schema', () => {
  it('is what the code builds: schema/schema.graphql is not stale (run `npm run schema:emit`)', async () => {
    const published = fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(await printRegistrySchema()).toBe(published);
  });

  it('describes every type, field, argument and enum value', async () => {
    const schema = await registrySchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      if (isScalarType(type) && !type.specifiedByURL) missing.push(`${type.name} (specifiedByURL)`);
    }
    expect(missing).toEqual([]);
  });

  it('holds the names of the public contract', async () => {
    const schema = await registrySchema();
    const query = schema.getQueryType()!.getFields();
    for (const field of ['node', 'nodes', 'region', 'regions', 'organization', 'organizations', 'forum', 'forums', 'internship', 'internships', 'programs', 'sessions', 'search', 'stats']) {
      expect(query[field]).toBeDefined();
    }
    expect(query.forums.args.map((a) => a.name).sort()).toEqual(['after', 'before', 'filter', 'first', 'last', 'orderBy']);
    const program = schema.getType('Program');
    expect(isInterfaceType(program)).toBe(true);
    expect(schema.getPossibleTypes(program as any).map((t) => t.name).sort()).toEqual(['Forum', 'Internship']);
    const node = schema.getType('Node') as any;
    expect(schema.getPossibleTypes(node).map((t) => t.name).sort()).toEqual(['Call', 'Forum', 'Internship', 'Organization', 'Region', 'Session']);
    for (const connection of ['RegionConnection', 'OrganizationConnection', 'ForumConnection', 'InternshipConnection', 'ProgramConnection', 'SessionConnection', 'SearchConnection']) {
      const fields = (schema.getType(connection) as any).getFields();
      expect(Object.keys(fields).sort()).toEqual(['edges', 'nodes', 'pageInfo', 'totalCount']);
    }
    expect((schema.getType('Language') as any).getValues().map((v: any) => v.name)).toEqual(['EN', 'RU']);
  });
});
