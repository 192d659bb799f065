import { getMetadataArgsStorage } from 'typeorm';
import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root, getMetadataStorage, type ClassType } from 'type-graphql';
import type { Database } from '../db/database';
import { CacheFor } from './rules/cache-hints';
import type { RegistryContext } from './context';
import type { Source } from './loaders';
import type { RenderField } from './render';

/**
 * A field is declared once, beside its type: its GraphQL shape, what it reads
 * of its record, how it resolves, and (optionally) its SQL form. The
 * type-graphql field, the fast path's resolver, the columns the fast path
 * selects and the renderer's SQL all come from the declaration
 * (`declareFields`); relations are built by `fieldsOf(Type)`, which derives
 * both their loader and their SQL from one description.
 */

/** The GraphQL type of a field or argument, as type-graphql takes it. */
export type TypeOf = () => unknown;

export interface ArgSpec {
  type: TypeOf;
  nullable?: boolean;
  description: string;
  defaultValue?: unknown;
}

/** A field's arguments: each by name, or an @ArgsType class (pages, filters). */
export type ArgsSpec = Record<string, ArgSpec> | ClassType;

/** One field of a type, whole. */
export interface FieldSpec<T = any, A = any> {
  type: TypeOf;
  nullable?: boolean | 'items' | 'itemsAndList';
  description: string;
  args?: ArgsSpec;
  /** Properties of the record the field reads: the columns the fast path selects when it is asked for. */
  reads: readonly string[];
  resolve(record: T, args: A, ctx: RegistryContext): unknown;
  /** The same value in SQL, for objects the database renders whole; without it, objects that select the field are built in JavaScript. */
  sql?: RenderField;
  /** Checks the arguments before anything is read, so a mistake costs no statement on either path. */
  validate?(args: A): void;
  /** Cache hint (seconds) of the field, as @cacheControl(maxAge). */
  cacheFor?: number;
}

/** The fields declared for one GraphQL type (or the root query type). */
export interface Declaration {
  /** The type-graphql class of the type; undefined for root queries. */
  target?: Function;
  fields: Record<string, FieldSpec>;
}

const declarations: Declaration[] = [];
const resolverClasses: Function[] = [];

/** Type-graphql resolver classes for every declared field: what the schema is built from. */
export function declaredResolvers(): Function[] {
  return [...resolverClasses];
}

/** Every declaration, for the fast path and the renderer. */
export function allDeclarations(): readonly Declaration[] {
  return declarations;
}

/**
 * A root field's answer, made once per request for its arguments: when the
 * fast path meets an error and graphql-js answers instead, it reads nothing
 * the fast path already read (the page of a list, its lookups).
 */
export function resolveRoot(name: string, spec: FieldSpec<undefined>, args: Record<string, unknown>, ctx: RegistryContext): unknown {
  return ctx.loaders.once(`root:${name}:${JSON.stringify(args)}`, () => spec.resolve(undefined, args, ctx));
}

/** Defines a method on `prototype` with type-graphql's parameter and method decorators, from a spec. */
function defineMethod(prototype: object, name: string, spec: FieldSpec, root: boolean, decorate: (descriptor: PropertyDescriptor) => void): void {
  const named = spec.args && typeof spec.args !== 'function' ? Object.keys(spec.args) : [];
  const argsClass = typeof spec.args === 'function' ? spec.args : undefined;
  const method = function (this: unknown, ...params: unknown[]) {
    let at = root ? 1 : 0;
    const record = root ? params[0] : undefined;
    let args: Record<string, unknown>;
    if (argsClass) args = params[at++] as Record<string, unknown>;
    else {
      args = {};
      for (const arg of named) args[arg] = params[at++];
    }
    // The same check the fast path makes before reading anything.
    spec.validate?.(args);
    const ctx = params[at] as RegistryContext;
    return root ? spec.resolve(record, args, ctx) : resolveRoot(name, spec, args, ctx);
  };
  Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
  let index = 0;
  if (root) Root()(prototype, name, index++);
  if (argsClass) Args(() => argsClass)(prototype, name, index++);
  for (const arg of named) {
    const a = (spec.args as Record<string, ArgSpec>)[arg];
    Arg(arg, a.type as never, { nullable: a.nullable, description: a.description, ...(a.defaultValue !== undefined ? { defaultValue: a.defaultValue } : {}) })(prototype, name, index++);
  }
  Ctx()(prototype, name, index);
  const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
  if (spec.cacheFor !== undefined) CacheFor(spec.cacheFor)(prototype, name, descriptor);
  decorate(descriptor);
}

/** Declares resolved fields of a type: the type-graphql field resolvers and everything the engine derives. */
export function declareFields<T>(target: Function, fields: Record<string, FieldSpec<T>>): void {
  class Declared {}
  for (const [name, spec] of Object.entries(fields)) {
    defineMethod(Declared.prototype, name, spec, true, (descriptor) =>
      FieldResolver(spec.type as never, { nullable: spec.nullable, description: spec.description })(Declared.prototype, name, descriptor),
    );
  }
  Resolver(() => target)(Declared);
  Object.defineProperty(Declared, 'name', { value: `${target.name}Fields` });
  declarations.push({ target, fields });
  resolverClasses.push(Declared);
}

/** Declares fields of the root query type. */
export function declareQueries(fields: Record<string, FieldSpec<undefined>>): void {
  class Queries {}
  for (const [name, spec] of Object.entries(fields)) {
    defineMethod(Queries.prototype, name, spec, false, (descriptor) =>
      Query(spec.type as never, { nullable: spec.nullable as boolean | undefined, description: spec.description })(Queries.prototype, name, descriptor),
    );
  }
  Resolver()(Queries);
  declarations.push({ fields });
  resolverClasses.push(Queries);
}

/** The GraphQL name of a type-graphql class (object or interface type). */
export function graphqlNameOf(target: Function): string {
  const storage = getMetadataStorage();
  const found = [...storage.objectTypes, ...storage.interfaceTypes].find((t) => t.target === target);
  if (!found) throw new Error(`${target.name} is not a GraphQL object or interface type`);
  return found.name;
}

/** The type-graphql class of a GraphQL object or interface type, by its name. */
export function classOfType(name: string): Function | undefined {
  const storage = getMetadataStorage();
  return [...storage.objectTypes, ...storage.interfaceTypes].find((t) => t.name === name)?.target;
}

/** The TypeORM entity a GraphQL type's values are rows of: the class itself or the nearest ancestor with @Entity. */
export function entityOf(target: Function): Function | undefined {
  const tables = getMetadataArgsStorage().tables;
  for (let at: Function | null = target; at && at !== Function.prototype; at = Object.getPrototypeOf(at)) {
    if (tables.some((t) => t.target === at)) return at;
  }
  return undefined;
}

/** The column name of an entity's property, from its TypeORM metadata (the entity and its ancestors). */
export function columnOf(entity: Function, property: string): string {
  const columns = getMetadataArgsStorage().columns;
  for (let at: Function | null = entity; at && at !== Function.prototype; at = Object.getPrototypeOf(at)) {
    const column = columns.find((c) => c.target === at && c.propertyName === property);
    if (column) return column.options.name ?? property;
  }
  throw new Error(`${entity.name}.${property} is not a column`);
}

/** The table of an entity. */
export function tableOf(entity: Function): string {
  const table = getMetadataArgsStorage().tables.find((t) => t.target === entity);
  if (!table?.name) throw new Error(`${entity.name} is not an entity with a table name`);
  return table.name;
}

/** How records of a node type are found by key, and how its rows are read. */
export interface NodeSpec {
  /** The request's loader of records by primary key. */
  byId(ctx: RegistryContext): { load(pk: number): Promise<unknown> };
  /** Where its records are read from, for relations to it (their loaders and joins). */
  source(db: Database): Source<unknown>;
  /** Properties every record keeps, whatever the fields asked for (read by code outside the fields, such as a type check). */
  always?: readonly string[];
}

const nodes = new Map<Function, NodeSpec>();

/** Declares how a node type's records are found: relations to it and `node(id)` go through this loader. */
export function declareNode(target: Function, spec: NodeSpec): void {
  nodes.set(target, spec);
}

/** The node spec of a class or of its nearest declared ancestor. */
export function nodeOf(target: Function): NodeSpec | undefined {
  for (let at: Function | null = target; at && at !== Function.prototype; at = Object.getPrototypeOf(at)) {
    const spec = nodes.get(at);
    if (spec) return spec;
  }
  return undefined;
}

/** Every declared node type. */
export function declaredNodes(): ReadonlyMap<Function, NodeSpec> {
  return nodes;
}

/** What a relation's SQL and loaders need of the request's database. */
export type SourceOf<S> = (db: Database) => S;
