import type { FieldNode, GraphQLField, GraphQLLeafType, GraphQLObjectType } from 'graphql';
import type { RegistryContext } from './context';
import type { CacheHint } from './rules/cache-hints';
export type { CacheHint } from './rules/cache-hints';

/**
 * The fast path's plan of an operation (src/graphql/fast.ts), which the
 * renderer (src/graphql/render.ts) writes SQL from.
 */

/** A field as the fast path resolves it: the resolver without `info`. */
export type FastResolver<P = any, A = any> = (parent: P, args: A, ctx: RegistryContext) => unknown;


/** One selected field of one object type, with what resolving and completing it needs. */
export interface FieldPlan {
  /** Response key (the alias, or the field name). */
  key: string;
  name: string;
  nodes: readonly FieldNode[];
  definition: GraphQLField<unknown, unknown>;
  /** Undefined for `__typename`. */
  resolve?: FastResolver;
  /** The field only reads its record's property (it has no resolver of its own). */
  property?: boolean;
  nonNull: boolean;
  list: boolean;
  itemNonNull: boolean;
  leaf?: GraphQLLeafType;
  /** For composite fields: the plan of each concrete type the value can be. */
  types?: Map<string, TypePlan>;
  /** Checks the arguments before anything is read (the field's declaration). */
  validate?: (args: Record<string, unknown>) => void;
  /** Arguments when they depend on no variable; computed per request otherwise. */
  constantArgs?: Record<string, unknown>;
  hint: CacheHint;
}

/** The selection on one object type, in response order. */
export interface TypePlan {
  type: GraphQLObjectType;
  keys: string[];
  fields: FieldPlan[];
  /** Hints of the fields on the way from the root: applied whenever an object of this plan exists. */
  inherited: CacheHint[];
}
