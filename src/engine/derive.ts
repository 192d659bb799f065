import { getMetadataArgsStorage } from 'typeorm';
import { isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { allDeclarations, entityOf, graphqlNameOf, nodeOf, resolveRoot, tableOf } from './declare';
import { propertyResolver, type FastFields, type FastPath, type FastResolver, type TableColumns } from './fast-path';
import type { RenderField, RenderTypes } from './render';

/**
 * What the fast path and the renderer know, derived from the declarations
 * (src/engine/declare.ts) and the schema: no table is written by hand.
 */

/** The type-graphql class of each GraphQL object and interface type. */
function classesByName(): Map<string, Function> {
  const storage = getMetadataStorage();
  return new Map([...storage.objectTypes, ...storage.interfaceTypes].map((t) => [t.name, t.target]));
}

/** The types a field declared on `name` applies to: the type itself, or every implementation of an interface. */
function implementations(schema: GraphQLSchema, name: string): GraphQLObjectType[] {
  const type = schema.getType(name);
  if (!type) return [];
  if (isObjectType(type)) return [type];
  return [...schema.getPossibleTypes(type as never)];
}

/**
 * The fast path of a schema: every field without a resolver of its own reads
 * its record's property; every declared field resolves as declared; columns
 * and SQL follow from what the declarations read and say.
 */
export function deriveFastPath(schema: GraphQLSchema): FastPath {
  const fields: FastFields = {};
  const validators: FastPath['validators'] = {};
  const sql = new Map<string, Record<string, RenderField>>();
  // Plain fields (type-graphql gave them no resolver): a property of the record.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.resolve) (fields[type.name] ??= {})[field.name] = propertyResolver(field.name);
    }
  }
  const reads = new Map<string, Map<string, string[]>>();
  for (const { target, fields: declared } of allDeclarations()) {
    const typeName = target ? graphqlNameOf(target) : schema.getQueryType()!.name;
    for (const [name, spec] of Object.entries(declared)) {
      const resolve: FastResolver = target ? (record, args, ctx) => spec.resolve(record, args, ctx) : (_, args, ctx) => resolveRoot(name, spec, args, ctx);
      for (const concrete of target ? implementations(schema, typeName) : [schema.getQueryType()!]) {
        (fields[concrete.name] ??= {})[name] = resolve;
        if (spec.validate) (validators[concrete.name] ??= {})[name] = spec.validate;
        if (spec.sql) (sql.get(concrete.name) ?? sql.set(concrete.name, {}).get(concrete.name)!)[name] = spec.sql;
        let byField = reads.get(concrete.name);
        if (!byField) reads.set(concrete.name, (byField = new Map()));
        byField.set(name, [...spec.reads]);
      }
    }
  }
  return { fields, validators, columns: tableColumns(schema, reads), render: renderTypes(schema, sql) };
}

/**
 * For each table, which fields read each property of its records: plain
 * fields read their own property, declared fields what they declare, `id`
 * is read by `id`. A property no selected field reads is left out of the
 * operation's statements (and, in tests, throws when read anyway).
 */
function tableColumns(schema: GraphQLSchema, reads: Map<string, Map<string, string[]>>): TableColumns[] {
  const classes = classesByName();
  const byTable = new Map<string, TableColumns>();
  const columns = getMetadataArgsStorage().columns;
  for (const type of Object.values(schema.getTypeMap())) {
    const target = isObjectType(type) ? classes.get(type.name) : undefined;
    const entity = target && entityOf(target);
    if (!entity) continue;
    const table = tableOf(entity);
    let entry = byTable.get(table);
    if (!entry) {
      const properties: string[] = [];
      for (let at: Function | null = entity; at && at !== Function.prototype; at = Object.getPrototypeOf(at)) {
        for (const column of columns) if (column.target === at && !column.options.primary && !properties.includes(column.propertyName)) properties.push(column.propertyName);
      }
      const always = new Set(nodeOf(entity)?.always ?? []);
      byTable.set(table, (entry = { table, properties: [...properties, 'id'], readBy: new Map(), always }));
    }
    const read = (property: string, field: string) => {
      let readers = entry!.readBy.get(property);
      if (!readers) entry!.readBy.set(property, (readers = []));
      readers.push([type.name, field]);
    };
    for (const field of Object.keys((type as GraphQLObjectType).getFields())) if (entry.properties.includes(field)) read(field, field);
    for (const [field, properties] of reads.get(type.name) ?? []) for (const property of properties) read(property, field);
  }
  return [...byTable.values()];
}

/** Types whose objects the database can render whole: stored in a table, with the SQL of their declared fields. */
function renderTypes(schema: GraphQLSchema, sql: Map<string, Record<string, RenderField>>): RenderTypes {
  const classes = classesByName();
  const types: RenderTypes = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const target = classes.get(type.name);
    const entity = target && entityOf(target);
    if (!entity) continue;
    types[type.name] = { entity, node: type.getInterfaces().some((i) => i.name === 'Node'), fields: sql.get(type.name) ?? {}, source: nodeOf(entity)?.source };
  }
  return types;
}
