/**
 * The engine's one seam: what the domains and the server use of it. Nothing
 * outside src/engine imports any other file of it (tests/structure.test.ts
 * holds this). How a request flows through it: src/engine/README.md.
 */

// Declaring fields and node types (what a domain says once, beside its type).
export { declareFields, declareNode, declareQueries, declaredResolvers, graphqlNameOf, nodeOf, classOfType, type ArgSpec, type FieldSpec } from './declare';
export { fieldsOf } from './fields';
export type { RenderField, RenderScope } from './render';

// A request's context and its loaders.
export { createContext, type RegistryContext, type RequestInfo } from './context';
export { childrenByParent, keyedQuery, recordsByKey, fetchPage, countRows, onLoaderBatch, whereClause, type ChildSource, type Source } from './loaders';
export { nodeTable, plainTable } from './records';

// Lists: Relay connections, cursors and orderings.
export { childConnection, rootConnection } from './connections';
export { connectionType, ForwardPageArgs, PageArgs, PageInfo, pageRequest, toConnection, MAX_PAGE_SIZE, type Ordering } from './paging';

// Rules with a JavaScript and an SQL form.
export { Language, LANG_ARG, LANGUAGE_NAMES, pickText, textChain, parseAcceptLanguage, FALLBACK_LANGUAGES, type Localized } from './rules/language';
export { toGlobalId, fromGlobalId, MAX_KEY } from './rules/ids';
export { CacheFor, CacheLikeParent, MAX_AGE, CACHE_CONTROL_SDL, restrictHint, typeHint, type CacheHint } from './rules/cache-hints';

// Errors a request can meet.
export { badUserInput, unavailableResponse } from './errors';

// Serving: the fast path and the renderer, derived from the declarations.
export { deriveFastPath } from './derive';
export { fastPathPlugin, withDynamicHint, type FastPath, type FastPathObserver, type FastResolver } from './fast-path';
export { stringifyResponse } from './rendered';
