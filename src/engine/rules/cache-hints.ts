import { getNamedType, isCompositeType, Kind, type ConstDirectiveNode, type GraphQLField, type GraphQLNamedType } from 'graphql';
import { Directive } from 'type-graphql';

/** A cache-control hint, as Apollo's cache-control plugin applies it to the response's policy. */
export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/** A plan's shape, as far as hints go: each field's hint and the plans of the objects below it. */
interface HintedPlan {
  fields: ReadonlyArray<{ hint: CacheHint; types?: ReadonlyMap<string, HintedPlan> }>;
}

/** How long clients and CDNs may reuse an answer, by how often the data changes. */
export const MAX_AGE = {
  /** Regions: the map of the CIS changes rarely. */
  reference: 86_400,
  /** Organizations. */
  directory: 3_600,
  /** Programs, sessions and statistics about them. */
  programs: 300,
  /** Search hits. */
  search: 60,
} as const;

/** The `@cacheControl` directive as Apollo Server's cache-control plugin reads it. */
export const CACHE_CONTROL_SDL = `
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

/** A cache hint on a type or field. */
export function CacheFor(maxAge: number) {
  return Directive(`@cacheControl(maxAge: ${maxAge})`);
}

/** Wrapper types (connections, edges) take their parent field's hint. */
export function CacheLikeParent() {
  return Directive('@cacheControl(inheritMaxAge: true)');
}


/*
 * Apollo's cache-control rules, as the fast path applies them to the
 * response's policy (one hint per field of the plan), and as the renderer
 * decides whether hints below an object it renders whole could change that
 * policy. The differential test (tests/fast-path.test.ts) holds the fast
 * path's Cache-Control header to Apollo's plugin's on every answer.
 */

function hintFromDirectives(directives: readonly ConstDirectiveNode[] | undefined): (CacheHint & { inheritMaxAge?: boolean }) | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive?.arguments) return undefined;
  const arg = (name: string) => directive.arguments!.find((a) => a.name.value === name)?.value;
  const scopeValue = arg('scope');
  const scopeText = scopeValue?.kind === Kind.ENUM ? scopeValue.value : undefined;
  const scope = scopeText === 'PUBLIC' || scopeText === 'PRIVATE' ? scopeText : undefined;
  const inherit = arg('inheritMaxAge');
  if (inherit?.kind === Kind.BOOLEAN && inherit.value) return { inheritMaxAge: true, scope };
  const maxAge = arg('maxAge');
  return { maxAge: maxAge?.kind === Kind.INT ? parseInt(maxAge.value, 10) : undefined, scope };
}

/** A type's own `@cacheControl` hint, as Apollo's plugin reads it (`cacheHintFromType`). */
export function typeHint(type: GraphQLNamedType): CacheHint & { inheritMaxAge?: boolean } {
  const own = hintFromDirectives(type.astNode?.directives);
  if (own) return own;
  for (const node of type.extensionASTNodes ?? []) {
    const hint = hintFromDirectives(node.directives);
    if (hint) return hint;
  }
  return {};
}

/** The hint a resolved field adds to the response's policy: Apollo's cache-control rules, computed once per field. */
export function fieldHint(definition: GraphQLField<unknown, unknown>, root: boolean): CacheHint {
  const hint: CacheHint = {};
  const replace = (h: CacheHint) => {
    if (h.maxAge !== undefined) hint.maxAge = h.maxAge;
    if (h.scope !== undefined) hint.scope = h.scope;
  };
  const target = getNamedType(definition.type);
  let inherit = false;
  if (isCompositeType(target)) {
    const annotation = typeHint(target);
    replace(annotation);
    inherit = !!annotation.inheritMaxAge;
  }
  const annotation = hintFromDirectives(definition.astNode?.directives) ?? {};
  if (annotation.inheritMaxAge && hint.maxAge === undefined) {
    inherit = true;
    if (annotation.scope) hint.scope = annotation.scope;
  } else {
    replace(annotation);
  }
  if (hint.maxAge === undefined && ((isCompositeType(target) && !inherit) || root)) hint.maxAge = 0;
  return hint;
}

/** Apollo's CachePolicy.restrict: the shorter age, and PRIVATE over PUBLIC. */
export function restrictHint(policy: CacheHint, hint: CacheHint): void {
  if (hint.maxAge !== undefined && (policy.maxAge === undefined || hint.maxAge < policy.maxAge)) policy.maxAge = hint.maxAge;
  if (hint.scope !== undefined && policy.scope !== 'PRIVATE') policy.scope = hint.scope;
}

/** Does `hint` restrict the response's policy beyond what `applied` already did? */
export function covered(hint: CacheHint, applied: readonly CacheHint[]): boolean {
  const ageCovered = hint.maxAge === undefined || applied.some((a) => a.maxAge !== undefined && a.maxAge <= hint.maxAge!);
  const scopeCovered = hint.scope !== 'PRIVATE' || applied.some((a) => a.scope === 'PRIVATE');
  return ageCovered && scopeCovered;
}

export function deeperHints(plan: HintedPlan, into: CacheHint[] = []): CacheHint[] {
  for (const field of plan.fields) {
    for (const child of field.types?.values() ?? []) {
      for (const grandchild of child.fields) into.push(grandchild.hint);
      deeperHints(child, into);
    }
  }
  return into;
}

