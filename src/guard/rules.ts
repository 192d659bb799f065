import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  type GraphQLNamedType,
} from 'graphql';
import type { GuardLimits } from './limits';

/**
 * The guard's reading of a document. Its own work is linear in the document:
 * every fragment's body is walked once and its totals remembered, so a ladder
 * of fragments that each spread the one below twice costs one walk per rung,
 * and the walk stops at the first limit passed. Counts are of the selections
 * as they will be executed, fragments expanded: a fragment spread five times
 * counts five times (an over-estimate where graphql-js would merge, never an
 * under-estimate).
 */

/** Which limit a document passed; names the variable that sets it. */
export type GuardLimitName = 'depth' | 'fields' | 'aliases' | 'rootFields' | 'directives' | 'cost';

/** A refusal: one error, the first limit passed. */
export class LimitPassed extends Error {
  /** Nodes the guard had walked when it stopped: a measure of its own work. */
  visited = 0;

  constructor(
    readonly limit: GuardLimitName | 'directive',
    message: string,
    readonly node?: { loc?: unknown },
  ) {
    super(message);
  }

  toGraphQLError(code = 'GRAPHQL_VALIDATION_FAILED', status = 400): GraphQLError {
    return new GraphQLError(this.message, {
      nodes: this.node as never,
      extensions: { code, limit: this.limit, http: { status } },
    });
  }
}

/** Totals of one selection set with its fragments expanded. */
interface Totals {
  fields: number;
  aliases: number;
  /** Deepest chain of fields below (a leaf field is 1). */
  depth: number;
  /** Fields at this level once fragments are collected (the root fields, for an operation). */
  level: number;
}

/** What the guard reads once per document, whatever the variables. */
export interface DocumentReading {
  /** Nodes of the document the guard walked: a measure of its own work, asserted by tests. */
  visited: number;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}

const BUILT_IN_DIRECTIVES = new Set(['skip', 'include', 'deprecated', 'specifiedBy', 'defer', 'stream', 'oneOf']);

/**
 * Checks a document's shape (depth, fields, aliases, root fields,
 * directives) against the limits; throws LimitPassed at the first one passed.
 * Answers how many nodes it walked.
 */
export function checkDocumentShape(schema: GraphQLSchema, document: DocumentNode, limits: GuardLimits): DocumentReading {
  const fragments = fragmentsOf(document);
  const known = new Set(schema.getDirectives().map((d) => d.name));
  for (const name of BUILT_IN_DIRECTIVES) known.add(name);
  const repeatable = new Set(schema.getDirectives().filter((d) => d.isRepeatable).map((d) => d.name));
  const memo = new Map<string, Totals>();
  const walking = new Set<string>();
  let visited = 0;
  let directives = 0;

  const checkDirectives = (nodes: readonly DirectiveNode[] | undefined) => {
    if (!nodes?.length) return;
    const here = new Set<string>();
    for (const directive of nodes) {
      visited++;
      const name = directive.name.value;
      if (!known.has(name)) throw new LimitPassed('directive', `The directive @${name} is not one this server knows`, directive);
      if (here.has(name) && !repeatable.has(name)) throw new LimitPassed('directive', `The directive @${name} is given more than once in one place`, directive);
      here.add(name);
      if (++directives > limits.maxDirectives) throw new LimitPassed('directives', `The document uses more than ${limits.maxDirectives} directives`, directive);
    }
  };

  const add = (into: Totals, more: Totals, at: { loc?: unknown }) => {
    into.fields += more.fields;
    into.aliases += more.aliases;
    into.level += more.level;
    into.depth = Math.max(into.depth, more.depth);
    if (into.fields > limits.maxFields) throw new LimitPassed('fields', `The query selects more than ${limits.maxFields} fields once its fragments are expanded`, at);
    if (into.aliases > limits.maxAliases) throw new LimitPassed('aliases', `The query uses more than ${limits.maxAliases} aliases once its fragments are expanded`, at);
  };

  /** Totals of a selection set; inside introspection (`introspective`) fields add no depth, so the depth limit never applies there. */
  const selectionTotals = (selectionSet: SelectionSetNode | undefined, introspective: boolean): Totals => {
    const totals: Totals = { fields: 0, aliases: 0, depth: 0, level: 0 };
    if (!selectionSet) return totals;
    for (const selection of selectionSet.selections) {
      visited++;
      checkDirectives(selection.directives);
      if (selection.kind === Kind.FIELD) {
        const inside = introspective || INTROSPECTION.has(selection.name.value);
        const below = selectionTotals(selection.selectionSet, inside);
        const aliased = selection.alias && selection.alias.value !== selection.name.value ? 1 : 0;
        add(totals, { fields: 1 + below.fields, aliases: aliased + below.aliases, depth: inside ? 1 : 1 + below.depth, level: 1 }, selection);
        if (totals.depth > limits.maxDepth) throw new LimitPassed('depth', `The query is more than ${limits.maxDepth} levels deep`, selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(totals, selectionTotals(selection.selectionSet, introspective || !!selection.typeCondition?.name.value.startsWith('__')), selection);
      } else {
        add(totals, fragmentTotals(selection.name.value), selection);
      }
    }
    return totals;
  };

  const fragmentTotals = (name: string): Totals => {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // An unknown fragment or a cycle is graphql-js's to report; here it adds nothing.
    if (!fragment || walking.has(name)) return { fields: 0, aliases: 0, depth: 0, level: 0 };
    walking.add(name);
    checkDirectives(fragment.directives);
    // A fragment on an introspection type (`__Type`) can only be spread inside introspection.
    const totals = selectionTotals(fragment.selectionSet, fragment.typeCondition.name.value.startsWith('__'));
    walking.delete(name);
    memo.set(name, totals);
    return totals;
  };

  try {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      checkDirectives(definition.directives);
      const totals = selectionTotals(definition.selectionSet, false);
      if (totals.level > limits.maxRootFields) {
        throw new LimitPassed('rootFields', `The operation asks for ${totals.level} root fields once its fragments are collected; at most ${limits.maxRootFields} are allowed`, definition);
      }
    }
    // Fragments no operation spreads are still read, once each, so their directives count too.
    for (const name of fragments.keys()) fragmentTotals(name);
  } catch (error) {
    if (error instanceof LimitPassed) error.visited = visited;
    throw error;
  }
  return { visited };
}

/** A field of a type, the introspection entry points included (graphql-js keeps them out of `getFields`). */
function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** Introspection's entry points: below them `ofType` chains follow the schema's own wrapping, so they add no depth; fields and cost still count. */
const INTROSPECTION = new Set([SchemaMetaFieldDef.name, TypeMetaFieldDef.name]);

const UNPAGED_CONNECTION = 20;
const OTHER_LIST = 10;

/** How many items an introspection list holds in this schema: what a full introspection query really returns. */
function introspectionSizes(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  // Averages over every type (most have no fields, say), so that `types` times `fields` is the schema's true total.
  const perType = (count: (type: GraphQLNamedType) => number) => types.reduce((sum, type) => sum + count(type), 0) / Math.max(1, types.length);
  const fields = types.flatMap((t) => (isObjectType(t) || isInterfaceType(t) ? Object.values(t.getFields()) : []));
  const directives = schema.getDirectives();
  const average = (counts: number[]) => counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  return {
    '__Schema.types': types.length,
    '__Schema.directives': directives.length,
    '__Type.fields': perType((t) => (isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0)),
    '__Type.inputFields': perType((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0)),
    '__Type.enumValues': perType((t) => (isEnumType(t) ? t.getValues().length : 0)),
    '__Type.interfaces': perType((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0)),
    '__Type.possibleTypes': perType((t) => (isAbstractType(t) ? schema.getPossibleTypes(t).length : 0)),
    '__Field.args': average(fields.map((f) => f.args.length)),
    '__Directive.args': average(directives.map((d) => d.args.length)),
    '__Directive.locations': average(directives.map((d) => d.locations.length)),
  };
}

const sizesBySchema = new WeakMap<GraphQLSchema, Record<string, number>>();

/**
 * How many items an operation may produce: each field counts once per item
 * of every list above it, lists sized by their `first`/`last` (or `ids`,
 * `representations`), introspection lists by what this schema holds. Each
 * fragment is costed once (its cost scales with the lists above it), and the
 * count stops as soon as it passes `stopAbove`.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  stopAbove = Number.POSITIVE_INFINITY,
  /** Counts the selections walked, for tests of the guard's own work. */
  work: { visited: number } = { visited: 0 },
): number {
  let sizes = sizesBySchema.get(schema);
  if (!sizes) sizesBySchema.set(schema, (sizes = introspectionSizes(schema)));
  const introspection = sizes;
  const fragments = fragmentsOf(document);
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const argument = (node: FieldNode, name: string): unknown => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
  };
  const unitCosts = new Map<string, number>();
  const walking = new Set<string>();
  let total = 0;
  const passed = (node: { loc?: unknown }) =>
    new LimitPassed('cost', `The query could return more than ${stopAbove} items, the most one query may ask for. Ask for smaller pages (first/last)`, node);

  const listSize = (parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: FieldNode): number => {
    const paged = argument(node, 'first') ?? argument(node, 'last');
    if (typeof paged === 'number' && Number.isFinite(paged)) return Math.max(paged, 1);
    const ids = argument(node, 'ids') ?? argument(node, 'representations');
    if (Array.isArray(ids)) return Math.max(ids.length, 1);
    if (field.args.some((a) => a.name === 'first')) return UNPAGED_CONNECTION;
    const own = introspection[`${parent.name}.${field.name}`];
    if (own) return own;
    if (isListType(getNullableType(field.type)) && !['edges', 'nodes'].includes(field.name)) return OTHER_LIST;
    return 1;
  };

  /**
   * Cost of a selection set for one item of its parent. With a multiplier
   * (items of the parent in the whole answer), every item is also added to
   * the running total, which ends the walk once past the limit; without one
   * (a fragment's own body), nothing is counted until it is spread.
   */
  const visit = (type: GraphQLCompositeType | null | undefined, selectionSet: SelectionSetNode | undefined, multiplier: number | null): number => {
    if (!selectionSet || !type) return 0;
    let cost = 0;
    const count = (items: number, node: { loc?: unknown }) => {
      cost += items;
      if (multiplier !== null && (total += items * multiplier) > stopAbove) throw passed(node);
    };
    for (const selection of selectionSet.selections) {
      work.visited++;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : type;
        cost += visit(narrowed, selection.selectionSet, multiplier);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        count(fragmentCost(selection.name.value), selection);
      } else {
        const field = fieldOf(type, selection.name.value);
        count(1, selection);
        if (!field || !selection.selectionSet) continue;
        const size = listSize(type, field, selection);
        const named = getNamedType(field.type);
        cost += size * visit(isCompositeType(named) ? named : null, selection.selectionSet, multiplier === null ? null : multiplier * size);
      }
    }
    return cost;
  };

  /** A fragment's cost per item of its parent, computed once. */
  const fragmentCost = (name: string): number => {
    const known = unitCosts.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || walking.has(name)) return 0;
    walking.add(name);
    const unit = visit(schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType, fragment.selectionSet, null);
    walking.delete(name);
    unitCosts.set(name, unit);
    return unit;
  };

  return visit(root, operation.selectionSet, 1);
}
