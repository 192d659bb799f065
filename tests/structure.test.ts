import fs from 'node:fs';
import path from 'node:path';

/**
 * The structure the code promises (issue 16): the import graph of src/ has
 * no cycle; the engine (src/engine) is reached only through its seam,
 * src/engine/index.ts; and the engine imports no domain, so domains read as
 * data and rules on top of it.
 */

const SRC = path.join(__dirname, '..', 'src');
const DOMAINS = ['regions', 'organizations', 'programs', 'sessions', 'search', 'stats', 'nodes', 'languages', 'graphql', 'guard', 'cache', 'ops'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/** Relative imports of a file (type-only ones included), as files of src/. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
    const spec = match[1] ?? match[2];
    const target = path.resolve(path.dirname(file), spec);
    const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
    const hit = candidates.find((c) => fs.existsSync(c));
    if (hit && hit.startsWith(SRC)) found.push(hit);
  }
  return found;
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => path.relative(path.join(SRC, '..'), f);

it('has no cycle of imports in src/', () => {
  // Tarjan's strongly connected components: any with more than one file is a cycle.
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    indexes.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexes.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexes.get(w)!));
    }
    if (low.get(v) === indexes.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const file of files) if (!indexes.has(file)) connect(file);
  expect(cycles).toEqual([]);
});

it('reaches the engine only through its seam, src/engine/index.ts', () => {
  const engine = path.join(SRC, 'engine');
  const seam = path.join(engine, 'index.ts');
  const through = [...graph].flatMap(([file, imports]) => (file.startsWith(engine) ? [] : imports.filter((i) => i.startsWith(engine) && i !== seam).map((i) => `${rel(file)} -> ${rel(i)}`)));
  expect(through).toEqual([]);
});

it('keeps the engine free of the domains and of the schema helpers built on it', () => {
  const engine = path.join(SRC, 'engine');
  const upward = [...graph].flatMap(([file, imports]) =>
    file.startsWith(engine) ? imports.filter((i) => DOMAINS.some((d) => i.startsWith(path.join(SRC, d) + path.sep))).map((i) => `${rel(file)} -> ${rel(i)}`) : [],
  );
  expect(upward).toEqual([]);
});
