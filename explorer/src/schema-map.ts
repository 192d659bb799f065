/**
 * The map an analyst reads: the registry's own types. The subgraph's
 * machinery (the federation's `_Any`, `_Entity`, `_Service`, `link__*`,
 * `federation__*`, and `CacheControlScope`), the `_service`/`_entities`
 * fields gateways call and the directives that use them are taken out of the
 * introspection answer the explorer builds its documentation from. The
 * server's schema is untouched: gateways still compose it.
 */

/** A type or field of the subgraph's machinery rather than of the registry. */
export function isMachinery(name: string): boolean {
  return (name.startsWith('_') && !name.startsWith('__')) || /[a-z]__[A-Za-z]/.test(name) || name === 'CacheControlScope';
}

/** Directives gateways and caches read; an analyst never writes them. */
const MACHINERY_DIRECTIVES = new Set(['link', 'key', 'cacheControl', 'shareable', 'inaccessible', 'override', 'external', 'provides', 'requires', 'tag', 'extends', 'composeDirective', 'interfaceObject', 'authenticated', 'requiresScopes', 'policy']);

interface TypeRef {
  kind: string;
  name?: string | null;
  ofType?: TypeRef | null;
}
interface IntrospectionField {
  name: string;
  type: TypeRef;
}
interface IntrospectionType {
  kind: string;
  name: string;
  fields?: readonly IntrospectionField[] | null;
}
interface IntrospectionDirective {
  name: string;
  args: ReadonlyArray<{ type: TypeRef }>;
}
export interface IntrospectionAnswer {
  data?: { __schema?: { types: readonly IntrospectionType[]; directives: readonly IntrospectionDirective[] } } | null;
}

const namedType = (ref: TypeRef): string => (ref.ofType ? namedType(ref.ofType) : (ref.name ?? ''));

/** The introspection answer without the subgraph's machinery; anything else passes through unchanged. */
export function cleanIntrospection<T extends IntrospectionAnswer>(answer: T): T {
  const schema = answer.data?.__schema;
  if (!schema) return answer;
  const types = schema.types
    .filter((type) => !isMachinery(type.name))
    .map((type) => (type.fields ? { ...type, fields: type.fields.filter((field) => !isMachinery(field.name) && !isMachinery(namedType(field.type))) } : type));
  const directives = schema.directives.filter(
    (directive) => !MACHINERY_DIRECTIVES.has(directive.name) && !isMachinery(directive.name) && !directive.args.some((arg) => isMachinery(namedType(arg.type))),
  );
  return { ...answer, data: { ...answer.data, __schema: { ...schema, types, directives } } };
}
