/**
 * Variables are checked as JSON, before graphql-js coerces them: coercion
 * reports every unknown key of an object with a rendering of the whole
 * object, so its cost grows with the square of a wide object, and it recurses
 * as deep as the value goes. Here the walk is iterative, stops at the first
 * limit passed, and is bounded by the limits themselves.
 */

export interface VariableLimits {
  /** Keys in any one object. */
  maxVariableKeys: number;
  /** Nesting of objects and lists, the variables object itself being level 1. */
  maxVariableDepth: number;
  /** Values in all, every object, list, string, number and boolean counting one. */
  maxVariableValues: number;
}

export interface VariablesProblem {
  message: string;
  /** Where in the variables, e.g. ["filter", "status", 3]. */
  path: Array<string | number>;
}

export interface VariablesReading {
  problem?: VariablesProblem;
  /** Values the walk looked at: a measure of its own work, asserted by tests. */
  visited: number;
}

/** Why PostgreSQL cannot store a text, or null when it can; the same rule for both databases. */
export function unstorableText(value: string): string | null {
  return value.includes('\u0000') ? 'Text may not contain the NUL character (U+0000)' : null;
}

interface Visit {
  value: unknown;
  depth: number;
  parent?: Visit;
  key?: string | number;
}

/** The path to a value, built only when a problem is reported (keeping one per value would cost the square of the depth). */
function pathOf(visit: Visit): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) path.unshift(at.key!);
  return path;
}

/** Reads `variables` as sent, answering the first problem found. */
export function checkVariables(variables: unknown, limits: VariableLimits): VariablesReading {
  let visited = 0;
  if (variables === undefined || variables === null) return { visited };
  if (typeof variables !== 'object' || Array.isArray(variables)) return { visited, problem: { message: '"variables" must be a JSON object', path: [] } };
  const stack: Visit[] = [{ value: variables, depth: 0 }];
  const refuse = (message: string, at: Visit): VariablesReading => ({ visited, problem: { message, path: pathOf(at) } });
  while (stack.length) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (++visited > limits.maxVariableValues) return refuse(`The variables hold more than ${limits.maxVariableValues} values`, visit);
    if (typeof value === 'string') {
      const unstorable = unstorableText(value);
      if (unstorable) return refuse(unstorable, visit);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxVariableDepth) return refuse(`The variables are nested more than ${limits.maxVariableDepth} levels deep`, visit);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: visit, key: i });
      continue;
    }
    let keys = 0;
    for (const key in value) {
      if (++keys > limits.maxVariableKeys) return refuse(`An object in the variables has more than ${limits.maxVariableKeys} keys`, visit);
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key });
    }
  }
  return { visited };
}
