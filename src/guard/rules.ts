import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  getNullableType,
  isCompositeType,
  type GraphQLCompositeType,
  isObjectType,
  isInterfaceType,
  valueFromASTUntyped,
} from 'graphql';
import type { GuardLimits } from './limits';

/** Depth, aliases, root fields, field count and directives: checked on the document, before anything runs. */
export function documentLimitRules(limits: GuardLimits): ValidationRule[] {
  return [
    (context: ValidationContext): ASTVisitor => {
      const doc = context.getDocument();
      const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
      let aliases = 0;
      let fields = 0;
      let directives = 0;
      return {
        Field(node) {
          fields++;
          if (node.alias && node.alias.value !== node.name.value) aliases++;
        },
        Directive() {
          directives++;
        },
        OperationDefinition(operation) {
          const depth = depthOf(operation.selectionSet, fragments, new Set());
          if (depth > limits.maxDepth) context.reportError(new GraphQLError(`The query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`, { nodes: operation }));
          const roots = operation.selectionSet.selections.length;
          if (roots > limits.maxRootFields) context.reportError(new GraphQLError(`The operation asks for ${roots} root fields; at most ${limits.maxRootFields} are allowed`, { nodes: operation }));
        },
        Document: {
          leave() {
            if (aliases > limits.maxAliases) context.reportError(new GraphQLError(`The document uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`));
            if (fields > limits.maxFields) context.reportError(new GraphQLError(`The document selects ${fields} fields; at most ${limits.maxFields} are allowed`));
            if (directives > limits.maxDirectives) context.reportError(new GraphQLError(`The document uses ${directives} directives; at most ${limits.maxDirectives} are allowed`));
          },
        },
      };
    },
  ];
}

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, visiting));
    else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, visiting));
    else if (!visiting.has(selection.name.value)) {
      // A fragment cycle is reported by graphql's own rules; here it just stops.
      visiting.add(selection.name.value);
      deepest = Math.max(deepest, depthOf(fragments.get(selection.name.value)?.selectionSet, fragments, visiting));
      visiting.delete(selection.name.value);
    }
  }
  return deepest;
}

const UNPAGED_CONNECTION = 20;
const OTHER_LIST = 10;

/**
 * How many items an operation may produce: each field counts once per item
 * of every list above it, with lists sized by their `first`/`last` (or `ids`).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const argument = (node: FieldNode, name: string): unknown => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
  };
  const visit = (type: GraphQLCompositeType | null | undefined, selectionSet: SelectionSetNode | undefined, multiplier: number, seen: Set<string>): number => {
    if (!selectionSet || !type) return 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType) : type;
        cost += visit(narrowed, selection.selectionSet, multiplier, seen);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        cost += visit(schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType, fragment.selectionSet, multiplier, new Set([...seen, fragment.name.value]));
      } else {
        cost += multiplier;
        const field: GraphQLField<unknown, unknown> | undefined = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field || !selection.selectionSet) continue;
        const paged = argument(selection, 'first') ?? argument(selection, 'last');
        const ids = argument(selection, 'ids') ?? argument(selection, 'representations');
        let size = 1;
        if (typeof paged === 'number') size = paged;
        else if (Array.isArray(ids)) size = ids.length;
        else if (field.args.some((a) => a.name === 'first')) size = UNPAGED_CONNECTION;
        else if (isListType(getNullableType(field.type)) && !['edges', 'nodes'].includes(selection.name.value)) size = OTHER_LIST;
        const named = getNamedType(field.type);
        cost += visit(isCompositeType(named) ? named : null, selection.selectionSet, multiplier * Math.max(size, 1), seen);
      }
    }
    return cost;
  };
  return visit(root, operation.selectionSet, 1, new Set());
}

