/**
 * What the registry refuses from any client in production, and why each
 * default is what it is. Every value can be set from the environment.
 */
export interface GuardLimits {
  /** Field nesting. The dashboard query is 10 deep (forums > edges > node > internships > nodes > sessions > nodes > host > region > code). */
  maxDepth: number;
  /** Items a query may ask for, multiplying list sizes down the tree (`first`, or 20 for an unpaged connection, 10 for other lists). The dashboard (20 x 5 x 5) costs about 9,000; 100 x 100 x 100 costs millions. */
  maxCost: number;
  /** Aliased fields per operation, `__typename` included: aliases are how one request repeats work. */
  maxAliases: number;
  /** Root fields per operation. */
  maxRootFields: number;
  /** Field selections in the whole document, repeated ones included. */
  maxFields: number;
  /** Directive uses per document (`@include`, `@skip`, unknown ones). */
  maxDirectives: number;
  /** Lexical tokens per document, enforced by the parser itself (answers 400). */
  maxTokens: number;
  /** Operations in one batched HTTP request (a JSON array). */
  maxBatch: number;
  /** Request body size in bytes; larger bodies get 413. */
  maxBodyBytes: number;
  /** Keys in any one object of a request's variables (checked before coercion, in development too). */
  maxVariableKeys: number;
  /** Nesting of a request's variables, the variables object being level 1. */
  maxVariableDepth: number;
  /** Values in a request's variables, each object, list, string, number or boolean counting one. */
  maxVariableValues: number;
  /** Requests per minute from one address, and with one API key. */
  perAddressPerMinute: number;
  perKeyPerMinute: number;
}

export const DEFAULT_LIMITS: GuardLimits = {
  maxDepth: 12,
  maxCost: 50_000,
  maxAliases: 30,
  maxRootFields: 20,
  maxFields: 300,
  maxDirectives: 20,
  maxTokens: 3_000,
  maxBatch: 5,
  maxBodyBytes: 100_000,
  maxVariableKeys: 100,
  maxVariableDepth: 10,
  maxVariableValues: 10_000,
  perAddressPerMinute: 600,
  perKeyPerMinute: 1_200,
};

const ENV: Record<keyof GuardLimits, string> = {
  maxDepth: 'REGISTRY_MAX_DEPTH',
  maxCost: 'REGISTRY_MAX_COST',
  maxAliases: 'REGISTRY_MAX_ALIASES',
  maxRootFields: 'REGISTRY_MAX_ROOT_FIELDS',
  maxFields: 'REGISTRY_MAX_FIELDS',
  maxDirectives: 'REGISTRY_MAX_DIRECTIVES',
  maxTokens: 'REGISTRY_MAX_TOKENS',
  maxBatch: 'REGISTRY_MAX_BATCH',
  maxBodyBytes: 'REGISTRY_MAX_BODY_BYTES',
  maxVariableKeys: 'REGISTRY_MAX_VARIABLE_KEYS',
  maxVariableDepth: 'REGISTRY_MAX_VARIABLE_DEPTH',
  maxVariableValues: 'REGISTRY_MAX_VARIABLE_VALUES',
  perAddressPerMinute: 'REGISTRY_RATE_PER_ADDRESS',
  perKeyPerMinute: 'REGISTRY_RATE_PER_KEY',
};

/** Limits from the environment; a value that is not a positive whole number is a configuration error. */
export function limitsFromEnv(env: NodeJS.ProcessEnv, fail: (message: string) => never): GuardLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(ENV) as Array<[keyof GuardLimits, string]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) fail(`${name} must be a whole number of at least 1, got "${raw}"`);
    limits[key] = Number(raw);
  }
  return limits;
}
