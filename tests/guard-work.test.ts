import { parse, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_LIMITS, type GuardLimits } from '../src/guard/limits';
import { checkDocumentShape, LimitPassed, operationCost } from '../src/guard/rules';
import { checkVariables } from '../src/guard/variables';
import { servedSchema } from '../src/registry';

/**
 * The guard is itself attack surface: its own work must grow no faster than
 * the document it reads, and stop at the first limit passed. Counted exactly,
 * never timed.
 */

const ladder = (levels: number) => {
  const fragments = ['fragment F0 on Query { __typename }'];
  for (let k = 1; k <= levels; k++) fragments.push(`fragment F${k} on Query { ...F${k - 1} ...F${k - 1} }`);
  return parse(`query { ...F${levels} } ${fragments.join(' ')}`);
};

const unlimited: GuardLimits = { ...DEFAULT_LIMITS, maxDepth: 1e9, maxFields: 1e15, maxAliases: 1e15, maxRootFields: 1e15, maxDirectives: 1e9, maxCost: 1e15, maxVariableKeys: 1e9, maxVariableValues: 1e9 };

function shapeWork(levels: number, limits: GuardLimits): { visited: number; refused?: string } {
  try {
    return checkDocumentShape(schemaForTests, ladder(levels), limits);
  } catch (error) {
    if (!(error instanceof LimitPassed)) throw error;
    return { visited: error.visited, refused: error.limit };
  }
}

let schemaForTests: Awaited<ReturnType<typeof servedSchema>>;
beforeAll(async () => {
  schemaForTests = await servedSchema();
});

describe('the fragment ladder (each rung spreads the one below twice)', () => {
  it('is refused at the default limits, one step more a rung: four more at 24 levels than at 20', () => {
    const at20 = shapeWork(20, DEFAULT_LIMITS);
    const at24 = shapeWork(24, DEFAULT_LIMITS);
    expect(at20.refused).toBe('fields');
    expect(at24.refused).toBe('fields');
    // One step down each rung, then back up only until the expansion first passes 300 fields (rung 9).
    expect(at24.visited - at20.visited).toBe(4);
    expect(at24.visited).toBeLessThan(2 * 24);
  });

  it('is read in work linear in its rungs when no limit stops it: two spreads a rung, 2^24 fields counted in 50 steps', () => {
    const work = [20, 21, 22, 24].map((levels) => shapeWork(levels, unlimited));
    for (const w of work) expect(w.refused).toBeUndefined();
    const perRung = work[1].visited - work[0].visited;
    expect(perRung).toBe(2);
    expect(work[2].visited - work[1].visited).toBe(perRung);
    expect(work[3].visited - work[0].visited).toBe(4 * perRung);
    expect(work[3].visited).toBe(2 * 24 + 2);
  });

  it('is costed once per fragment: the cost function walks each rung once', () => {
    const walked = [20, 24].map((levels) => {
      const document = ladder(levels);
      const work = { visited: 0 };
      const cost = operationCost(schemaForTests, document, document.definitions[0] as OperationDefinitionNode, {}, Number.POSITIVE_INFINITY, work);
      expect(cost).toBe(2 ** levels);
      return work.visited;
    });
    expect(walked).toEqual([2 * 20 + 2, 2 * 24 + 2]);
  });

  it('stops costing at the first item past the limit', () => {
    const document = ladder(24);
    expect(() => operationCost(schemaForTests, document, document.definitions[0] as OperationDefinitionNode, {}, DEFAULT_LIMITS.maxCost)).toThrow(/more than 50000 items/);
  });
});

describe('a wide object of unknown keys in the variables', () => {
  const wide = (keys: number) => ({ f: Object.fromEntries(Array.from({ length: keys }, (_, i) => [i.toString(36), 0])) });

  it('is refused at its keys, after the same two values, at 1,000 and at 12,000 keys', () => {
    const at1k = checkVariables(wide(1_000), DEFAULT_LIMITS);
    const at12k = checkVariables(wide(12_000), DEFAULT_LIMITS);
    expect(at1k.problem?.path).toEqual(['f']);
    expect(at12k.problem?.message).toBe('An object in the variables has more than 100 keys');
    expect(at1k.visited).toBe(2);
    expect(at12k.visited).toBe(at1k.visited);
  });

  it('is read in one step a value when no limit stops it', () => {
    expect(checkVariables(wide(1_000), unlimited)).toEqual({ visited: 1_002 });
    expect(checkVariables(wide(12_000), unlimited)).toEqual({ visited: 12_002 });
  });

  it('is read iteratively: 30,000 levels of nesting stop at the depth limit, and without one do not overflow the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 30_000; i++) deep = [deep];
    expect(checkVariables({ f: deep }, DEFAULT_LIMITS).problem?.message).toBe('The variables are nested more than 10 levels deep');
    expect(checkVariables({ f: deep }, { ...unlimited, maxVariableDepth: 1e9 })).toEqual({ visited: 30_002 });
  });
});

describe('a request body read for its shape before JSON.parse', () => {
  const { jsonShapeProblem } = require('../src/guard/json') as typeof import('../src/guard/json');
  const limits = { maxKeys: 100, maxDepth: 13 };

  it('finds a wide object and names where it is', () => {
    const wide = JSON.stringify({ query: '{ a }', variables: { filter: Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [i.toString(36), 0])) } });
    expect(jsonShapeProblem(wide, limits)).toEqual({ message: 'An object in the request has more than 100 keys', path: ['variables', 'filter'] });
  });

  it('finds deep nesting in a batch, and keys with escapes', () => {
    const deep = `[{"query":"q"},{"query":"q","variables":{"a\\"b":${'['.repeat(100)}${']'.repeat(100)}}}]`;
    expect(jsonShapeProblem(deep, limits)).toEqual({ message: 'The request is nested more than 13 levels deep', path: [1, 'variables', 'a"b', ...new Array(10).fill(0)] });
  });

  it('lets ordinary bodies through, braces and colons inside strings included', () => {
    expect(jsonShapeProblem(JSON.stringify({ query: '{ forums(first: 2) { nodes { title } } }', variables: { text: '{{{[[[:::,,,"' } }), limits)).toBeNull();
    expect(jsonShapeProblem(JSON.stringify({ variables: { f: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, [1, 2, { x: 'y' }]])) } }), limits)).toBeNull();
  });
});
