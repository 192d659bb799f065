import { Directive } from 'type-graphql';

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

/** Federation entity key: other services resolve the type by its global id. */
export function EntityKey() {
  return Directive('@key(fields: "id")');
}
