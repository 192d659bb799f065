import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  visit,
  BREAK,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import type { DataSource } from 'typeorm';
import type { Dialect } from '../db/database';
import { isUnavailable } from '../db/unavailable';
import type { RegistryContext } from './context';
import { unavailableResponse } from './errors';
import { fieldHint } from './rules/cache-hints';
import { LoaderRegistry, observeBatch } from './loaders';
import type { CacheHint, FastResolver, FieldPlan, TypePlan } from './plan';
import { Renderer, type RenderTypes } from './render';
import { RenderedObject } from './rendered';

/**
 * The fast path answers read operations without graphql-js's per-field
 * machinery: it plans the operation's selections once per document, then
 * resolves each field for all parents of a level in one pass (so loaders batch
 * as they do in the plain path) and builds the response objects directly.
 * Anything it does not know, it leaves to the plain path, which stays the
 * reference: the differential test holds the two to identical answers.
 */


export type { FastResolver } from './plan';

/** Fast resolvers by type name and field name; a type-graphql interface's entries apply to its implementations. */
export type FastFields = Record<string, Record<string, FastResolver>>;

/** For one table: which fields read each property of its records (derived from the declarations, src/engine/derive.ts). */
export interface TableColumns {
  table: string;
  /** Every property of its records but the primary key (and `id`, the global id, encoded only when read). */
  properties: string[];
  /** Property → the [type, field] pairs that read it. */
  readBy: Map<string, Array<[string, string]>>;
  /** Properties kept whatever is selected (read by code outside the fields). */
  always: ReadonlySet<string>;
}

/** What the fast path knows: how to resolve fields, which columns it may leave out, and which objects the database can render whole. */
export interface FastPath {
  fields: FastFields;
  /** Checks of fields' arguments, run before anything is read. */
  validators: Record<string, Record<string, (args: any) => void>>;
  columns: TableColumns[];
  /** Types whose objects the database renders as JSON; none: every object is built here. */
  render?: RenderTypes;
  /** Told of every fallback and declined render. */
  observer?: FastPathObserver;
}

/** Told when the fast path leaves an operation to the plain path, or the renderer leaves objects to the fast path: counted and logged, never silent. */
export interface FastPathObserver {
  fallback(reason: string, detail: string, ctx: RegistryContext): void;
  declined(reason: string, detail: string): void;
}

/** Thrown when the fast path meets what it leaves to the plain path; `detail` names the field. */
class Unsupported extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${reason} ${detail}`);
  }
}

/** Thrown while executing: the plain path must answer, with its own errors. */
class Fallback extends Error {}

function containsVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(containsVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((f) => containsVariable(f.value));
  return false;
}

const hasVariableReference = (nodes: readonly FieldNode[]) => nodes.some((node) => (node.arguments ?? []).some((a) => containsVariable(a.value)));

/** Plans one operation; throws Unsupported when any selected field is not one the fast path knows. */
class Planner {
  /** Field names selected on each concrete type, anywhere in the operation. */
  readonly selected = new Map<string, Set<string>>();
  /** Fields whose arguments are checked before anything is read. */
  readonly validating: FieldPlan[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fields: FastFields,
    private readonly validators: FastPath['validators'],
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
  ) {}

  typePlan(type: GraphQLObjectType, fieldMap: Map<string, readonly FieldNode[]>, root: boolean, inherited: CacheHint[] = []): TypePlan {
    let names = this.selected.get(type.name);
    if (!names) this.selected.set(type.name, (names = new Set()));
    for (const nodes of fieldMap.values()) names.add(nodes[0].name.value);
    const fields: FieldPlan[] = [];
    for (const [key, nodes] of fieldMap) fields.push(this.fieldPlan(type, key, nodes, root, inherited));
    return { type, keys: fields.map((f) => f.key), fields, inherited };
  }

  private resolverOf(type: GraphQLObjectType, name: string): FastResolver | undefined {
    const own = this.fields[type.name]?.[name];
    if (own) return own;
    for (const iface of type.getInterfaces()) {
      const inherited = this.fields[iface.name]?.[name];
      if (inherited) return inherited;
    }
    return undefined;
  }

  private fieldPlan(parent: GraphQLObjectType, key: string, nodes: readonly FieldNode[], root: boolean, inherited: CacheHint[]): FieldPlan {
    const name = nodes[0].name.value;
    if (name === '__typename') {
      return { key, name, nodes, definition: undefined as never, nonNull: true, list: false, itemNonNull: false, hint: {} };
    }
    if (name.startsWith('__')) throw new Unsupported('introspection', name);
    const definition = parent.getFields()[name];
    if (!definition) throw new Unsupported('unknown-field', `${parent.name}.${name}`);
    const resolve = this.resolverOf(parent, name);
    if (!resolve) throw new Unsupported('field', `${parent.name}.${name}`);
    let type: GraphQLOutputType = definition.type;
    const nonNull = isNonNullType(type);
    if (isNonNullType(type)) type = type.ofType;
    const list = isListType(type);
    let itemNonNull = false;
    if (isListType(type)) {
      type = type.ofType;
      itemNonNull = isNonNullType(type);
      if (isNonNullType(type)) type = type.ofType;
      if (isListType(type)) throw new Unsupported('list-of-lists', `${parent.name}.${name}`);
    }
    const plan: FieldPlan = { key, name, nodes, definition, resolve, property: propertyResolvers.has(resolve), nonNull, list, itemNonNull, hint: fieldHint(definition, root) };
    const validate = this.validators[parent.name]?.[name];
    if (validate) {
      plan.validate = validate;
      this.validating.push(plan);
    }
    if (!hasVariableReference(nodes)) plan.constantArgs = getArgumentValues(definition, nodes[0], {});
    if (isLeafType(type)) {
      plan.leaf = type;
      return plan;
    }
    const possible = isAbstractType(type) ? this.schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    plan.types = new Map();
    for (const concrete of possible) {
      const subfields = collectSubfields(this.schema, this.fragments, this.variables, concrete, nodes);
      plan.types.set(concrete.name, this.typePlan(concrete, subfields, false, [...inherited, plan.hint]));
    }
    return plan;
  }
}

/** Resolvers that only read a property of the record: a field the database can read straight from its column. */
export const propertyResolvers = new WeakSet<FastResolver>();

/** Reads a property, as graphql-js's default resolver does (a function is called: connections' lazy `totalCount`). */
export function propertyResolver(name: string): FastResolver {
  const resolve: FastResolver = (parent, args, ctx) => {
    const value = parent[name];
    return typeof value === 'function' ? value.call(parent, args, ctx) : value;
  };
  propertyResolvers.add(resolve);
  return resolve;
}

/** Fields whose hint depends on their arguments, as a resolver that sets `info.cacheControl` in the plain path makes it (federation's `_entities`). */
const dynamicHints = new WeakMap<FastResolver, (args: any) => CacheHint>();

/** Gives a resolver the hint it sets from its arguments in place of the field's own: what Apollo's plugin records for it. */
export function withDynamicHint(resolve: FastResolver, hintOf: (args: any) => CacheHint): FastResolver {
  dynamicHints.set(resolve, hintOf);
  return resolve;
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | null)?.then === 'function';

/** One execution of a plan: arguments for this request's variables, the response's cache policy. */
class Execution {
  private readonly args = new Map<FieldPlan, Record<string, unknown>>();
  private readonly hinted = new Set<FieldPlan>();
  /** Objects the database rendered whole. */
  rendered = 0;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly variables: Record<string, unknown>,
    private readonly restrict: ((hint: CacheHint) => void) | undefined,
    private readonly renderer?: Renderer,
  ) {}

  /** Applies a field's cache hint to the response's policy, once per field of the plan, as Apollo's cache-control plugin does. */
  private hint(field: FieldPlan): void {
    if (this.restrict && !this.hinted.has(field)) {
      this.hinted.add(field);
      const dynamic = field.resolve && dynamicHints.get(field.resolve);
      this.restrict(dynamic ? dynamic(this.argsOf(field)) : field.hint);
    }
  }

  argsOf(field: FieldPlan): Record<string, unknown> {
    if (field.constantArgs) return field.constantArgs;
    let args = this.args.get(field);
    if (!args) this.args.set(field, (args = getArgumentValues(field.definition, field.nodes[0], this.variables)));
    return args;
  }

  /** Fills `outs[i]` with the fields of `objects[i]`, each object of its own concrete type. */
  async objects(types: Map<string, TypePlan>, objects: unknown[], outs: Record<string, unknown>[]): Promise<void> {
    if (!objects.length) return;
    // An object type's values are taken as they come, as graphql-js does; abstract types go by `__typename`.
    if (types.size === 1) return this.fields(types.values().next().value!, objects, outs);
    const groups = new Map<TypePlan, { objects: unknown[]; outs: Record<string, unknown>[] }>();
    objects.forEach((object, i) => {
      const plan = types.get((object as { __typename?: string }).__typename ?? '');
      if (!plan) throw new Fallback('an object of an unplanned type');
      let group = groups.get(plan);
      if (!group) groups.set(plan, (group = { objects: [], outs: [] }));
      group.objects.push(object);
      group.outs.push(outs[i]);
    });
    await Promise.all([...groups].map(([plan, group]) => this.fields(plan, group.objects, group.outs)));
  }

  private async fields(plan: TypePlan, objects: unknown[], outs: Record<string, unknown>[]): Promise<void> {
    // Keys in selection order, as graphql-js writes them.
    for (const out of outs) for (const key of plan.keys) out[key] = null;
    const pending: Promise<void>[] = [];
    for (const field of plan.fields) {
      if (!field.resolve) {
        for (const out of outs) out[field.key] = plan.type.name;
        continue;
      }
      let done: Promise<void> | undefined;
      try {
        done = this.field(field, objects, outs);
      } catch (error) {
        // Still awaited with the others, so that none of their failures goes unhandled.
        done = Promise.reject(error);
      }
      if (done) pending.push(done);
    }
    if (pending.length) await Promise.all(pending);
  }

  /** Resolves one field for every parent; returns a promise only when something is still loading. */
  private field(field: FieldPlan, parents: unknown[], outs: Record<string, unknown>[]): Promise<void> | undefined {
    this.hint(field);
    const args = this.argsOf(field);
    const resolve = field.resolve!;
    const values = new Array<unknown>(parents.length);
    let waiting = false;
    for (let i = 0; i < parents.length; i++) {
      let value: unknown;
      try {
        value = resolve(parents[i], args, this.ctx);
      } catch (error) {
        value = Promise.reject(error);
      }
      if (isPromise(value)) waiting = true;
      values[i] = value;
    }
    if (waiting) return Promise.all(values).then((resolved) => this.complete(field, resolved, outs));
    return this.complete(field, values, outs);
  }

  private complete(field: FieldPlan, values: unknown[], outs: Record<string, unknown>[]): Promise<void> | undefined {
    // A list of promises (each item resolved on its own, as `nodes` does) is awaited whole first.
    if (field.list) {
      let waiting: Promise<void>[] | undefined;
      values.forEach((value, i) => {
        if (Array.isArray(value) && value.some(isPromise)) (waiting ??= []).push(Promise.all(value).then((items) => void (values[i] = items)));
      });
      if (waiting) return Promise.all(waiting).then(() => this.complete(field, values, outs));
    }
    const leaf = field.leaf;
    const children: unknown[] = [];
    const childOuts: Record<string, unknown>[] = [];
    // Objects the database renders whole, by plan: their place in the answer is kept until the statement returns.
    let rendered: Map<TypePlan, { objects: Array<{ pk: number }>; slots: RenderedObject[] }> | undefined;
    // A field of one object type is decided once for all its values; an abstract one by each value's type.
    const only = field.types?.size === 1 ? field.types.values().next().value! : undefined;
    const renderOnly = only && this.renderer?.accepts(only) ? only : undefined;
    const item = (value: unknown): unknown => {
      if (value == null) {
        if (field.list ? field.itemNonNull : field.nonNull) throw new Fallback(`null at a non-null ${field.name}`);
        return null;
      }
      if (leaf) {
        const serialized = leaf.serialize(value);
        if (serialized === undefined) throw new Fallback(`${field.name} cannot be serialized`);
        return serialized;
      }
      const plan = only ? renderOnly && typeof (value as { pk?: unknown }).pk === 'number' && renderOnly : this.renderer && this.renderable(field, value);
      if (plan) {
        rendered ??= new Map();
        let batch = rendered.get(plan);
        if (!batch) rendered.set(plan, (batch = { objects: [], slots: [] }));
        const slot = new RenderedObject();
        batch.objects.push(value as { pk: number });
        batch.slots.push(slot);
        return slot;
      }
      const out: Record<string, unknown> = {};
      children.push(value);
      childOuts.push(out);
      return out;
    };
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!field.list || value == null) {
        if (value == null && field.nonNull) throw new Fallback(`null at a non-null ${field.name}`);
        outs[i][field.key] = value == null ? null : item(value);
        continue;
      }
      if (!Array.isArray(value)) throw new Fallback(`${field.name} did not return a list`);
      const list = new Array<unknown>(value.length);
      for (let j = 0; j < value.length; j++) list[j] = item(value[j]);
      outs[i][field.key] = list;
    }
    if (!rendered) return children.length ? this.objects(field.types!, children, childOuts) : undefined;
    const pending = [...rendered].map(([plan, batch]) => this.render(plan, batch.objects, batch.slots));
    if (children.length) pending.push(this.objects(field.types!, children, childOuts));
    return Promise.all(pending).then(() => undefined);
  }

  /** The plan a value of an abstract type would be rendered with in the database, when it can be. */
  private renderable(field: FieldPlan, value: unknown): TypePlan | undefined {
    const plan = field.types!.get((value as { __typename?: string }).__typename ?? '');
    if (!plan || typeof (value as { pk?: unknown }).pk !== 'number' || !this.renderer!.accepts(plan)) return undefined;
    return plan;
  }

  /** Renders a batch of objects in one statement; when this request cannot, resolves them here instead. */
  private async render(plan: TypePlan, objects: Array<{ pk: number }>, slots: RenderedObject[]): Promise<void> {
    const { ctx } = this;
    const statement = this.renderer!.statement(
      plan,
      objects.map((o) => o.pk),
      { argsOf: (field) => this.argsOf(field), languages: ctx.languages, today: ctx.today, now: ctx.now, db: ctx.loaders.db },
    );
    if (!statement) {
      const outs = slots.map((slot) => (slot.value = {}) as Record<string, unknown>);
      return this.fields(plan, objects, outs);
    }
    for (const field of plan.fields) this.hint(field);
    observeBatch('render', this.renderer!.tableOf(plan), objects.length);
    const rows = await ctx.loaders.db.query<{ json: string | null }>(statement.sql, statement.values);
    rows.forEach((row, i) => {
      // Gone since its parent was read: the plain path answers from a fresh start.
      if (row.json == null) throw new Fallback(`${plan.type.name} ${objects[i].pk} is gone`);
      // The JSON text, as JSON.stringify would write it: it goes into the response unparsed.
      slots[i].text = String(row.json);
    });
    this.rendered += rows.length;
  }
}

interface OperationPlan {
  root: TypePlan;
  /** Properties no selected field reads, by table. */
  omit: Map<string, Set<string>>;
  /** Fields whose arguments are checked before anything is read. */
  validating: FieldPlan[];
}

/** What the plan could not be, when it could not: the plain path answers, and the reason is counted. */
interface NoPlan {
  reason: string;
  detail: string;
}

function omittedColumns(columns: TableColumns[], selected: Map<string, Set<string>>): Map<string, Set<string>> {
  const omit = new Map<string, Set<string>>();
  for (const { table, properties, readBy, always } of columns) {
    const unread = properties.filter((property) => !always.has(property) && !(readBy.get(property) ?? []).some(([type, field]) => selected.get(type)?.has(field)));
    if (unread.length) omit.set(table, new Set(unread));
  }
  return omit;
}

/** Plans are kept per document (Apollo keeps one parsed document per query text) and operation. */
const plans = new WeakMap<DocumentNode, { conditional: boolean; operations: Map<string, OperationPlan | NoPlan> }>();

/** @skip and @include make the selection depend on variables; such documents are planned per request. */
function isConditional(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'skip' || node.name.value === 'include') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function planOperation(schema: GraphQLSchema, fast: FastPath, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): OperationPlan | NoPlan {
  const query = schema.getQueryType();
  if (operation.operation !== 'query' || !query) return { reason: operation.operation, detail: '' };
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  try {
    const planner = new Planner(schema, fast.fields, fast.validators, fragments, variables);
    const root = planner.typePlan(query, collectFields(schema, fragments, variables, query, operation.selectionSet), true);
    return { root, omit: omittedColumns(fast.columns, planner.selected), validating: planner.validating };
  } catch (error) {
    // Unsupported, or anything unexpected while planning: the plain path answers.
    return error instanceof Unsupported ? { reason: error.reason, detail: error.detail } : { reason: 'planning', detail: (error as Error).name };
  }
}

function plan(schema: GraphQLSchema, fast: FastPath, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): OperationPlan | NoPlan {
  let perDocument = plans.get(document);
  if (!perDocument) plans.set(document, (perDocument = { conditional: isConditional(document), operations: new Map() }));
  if (perDocument.conditional) return planOperation(schema, fast, document, operation, variables);
  const key = operation.name?.value ?? '';
  let cached = perDocument.operations.get(key);
  if (cached === undefined) perDocument.operations.set(key, (cached = planOperation(schema, fast, document, operation, variables)));
  return cached;
}

const renderers = new WeakMap<DataSource, Renderer>();

/** The database renders objects whole, so their rows need not cross into JavaScript. */
function rendererOf(fast: FastPath, dataSource: DataSource, dialect: Dialect): Renderer | undefined {
  if (!fast.render) return undefined;
  let renderer = renderers.get(dataSource);
  if (!renderer) renderers.set(dataSource, (renderer = new Renderer(dataSource, fast.render, dialect, fast.observer)));
  return renderer;
}

/** The fast path's answer, or why the plain path must give it. */
export type FastResult = { data: Record<string, unknown> } | { fallback: NoPlan };

/**
 * Executes a query operation through the fast path, or says why the plain
 * path must answer (an unknown field, a mutation, arguments a field refuses,
 * or an error met while executing, whose exact report is the plain path's
 * to give). Arguments are checked before anything is read, so a mistake costs
 * no statement; after an error met while executing, the plain path gets this
 * execution's loaders, so what was read is not read again.
 */
export async function executeFast(
  schema: GraphQLSchema,
  fast: FastPath,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | undefined,
  ctx: RegistryContext,
  restrict?: (hint: CacheHint) => void,
): Promise<FastResult> {
  // Coerced once before execution (the operation guard); coerced here only when nothing did.
  let variables = ctx.variables;
  if (!variables) {
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
    if (coerced.errors) return { fallback: { reason: 'variables', detail: '' } };
    variables = coerced.coerced;
  }
  const operationPlan = plan(schema, fast, document, operation, variables);
  if (!('root' in operationPlan)) return { fallback: operationPlan };
  const data: Record<string, unknown> = {};
  // Loaders of its own: they leave out the columns this operation does not read, and a batch of operations shares the context.
  const loaders = new LoaderRegistry(ctx.db);
  loaders.db.omit = operationPlan.omit;
  const execution = new Execution({ ...ctx, loaders }, variables, restrict, rendererOf(fast, ctx.db.dataSource, ctx.db.dialect));
  for (const field of operationPlan.validating) {
    try {
      field.validate!(execution.argsOf(field));
    } catch {
      return { fallback: { reason: 'arguments', detail: `${field.definition.name}` } };
    }
  }
  try {
    await execution.objects(new Map([[operationPlan.root.type.name, operationPlan.root]]), [undefined], [data]);
  } catch (error) {
    // A database that does not answer would not answer the plain path either: say so now, not after a second deadline.
    if (isUnavailable(error)) throw error;
    // Whatever else went wrong, the plain path runs the operation again and reports it its own way, reading through these loaders.
    ctx.loaders = loaders;
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    return { fallback: { reason: 'error', detail: typeof code === 'string' ? code : error instanceof Fallback ? 'fallback' : 'exception' } };
  }
  ctx.rendered = execution.rendered;
  return { data };
}

/** How the fast path plugs into Apollo Server: it answers the operations it can, before execution starts. */
export function fastPathPlugin(fast: FastPath): ApolloServerPlugin<RegistryContext> {
  const { observer } = fast;
  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext: GraphQLRequestContext<RegistryContext>) {
          const { operation, document, schema, request, contextValue, overallCachePolicy } = requestContext;
          if (!operation || !document) return null;
          // As Apollo's cache-control plugin: a policy already restricted before execution is left as it is.
          const restricted = overallCachePolicy.maxAge !== undefined || overallCachePolicy.scope !== undefined;
          let result: FastResult;
          try {
            result = await executeFast(schema, fast, document, operation, request.variables, contextValue, restricted ? undefined : (hint) => overallCachePolicy.restrict(hint));
          } catch (error) {
            if (isUnavailable(error)) return unavailableResponse(error);
            throw error;
          }
          if ('fallback' in result) {
            observer?.fallback(result.fallback.reason, result.fallback.detail, contextValue);
            return null;
          }
          contextValue.executor = 'fast';
          return { body: { kind: 'single', singleResult: { data: result.data } }, http: { status: undefined, headers: new HeaderMap() } };
        },
      };
    },
  };
}
