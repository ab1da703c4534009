// The layout's arrows, read from the import lines of src/ (type imports included: a circle of types
// is still a circle to a reader): no import circle, and parse/, settings and the engine never import
// what sits above them (DESIGN: main/post -> modes -> rollout -> platform -> AWS; platform
// implements the engine's port, so it may import rollout/'s port and vocabulary).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Module (path under src/) -> the src/ modules it imports, from `import`/`export ... from` lines. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const spec = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(spec)) {
      const target = resolve(dirname(file), (m[1] ?? m[2] ?? '').replace(/\.js$/, '.ts'));
      if (target.startsWith(SRC + '/')) deps.add(relative(SRC, target));
    }
    graph.set(relative(SRC, file), [...deps]);
  }
  return graph;
}

/** The strongly connected groups of more than one module (or a module importing itself): circles. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('circles', () => {
  it.each([
    { graph: { a: ['b'], b: ['c'], c: [] }, want: [] },
    { graph: { a: ['b'], b: ['a'] }, want: [['a', 'b']] },
    { graph: { a: ['b'], b: ['c'], c: ['a'], d: ['a'] }, want: [['a', 'b', 'c']] },
    { graph: { a: ['a'] }, want: [['a']] },
  ])('finds the circles of $graph', ({ graph, want }) => {
    expect(circles(new Map(Object.entries(graph)))).toEqual(want);
  });
});

describe('src/ imports', () => {
  const graph = importGraph();
  const arrows = [...graph].flatMap(([from, deps]) => deps.map((to) => `${from} -> ${to}`));

  it('reads the graph (the entries reach most of src/)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('entry/main.ts')).toEqual(['main.ts']);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it.each([
    { layer: 'parse/', may: [/^parse\//] },
    { layer: 'settings', may: [/^parse\//, /^settings\//, /^settings\.ts$/, /^secrets\.ts$/] },
    { layer: 'rollout/', may: [/^rollout\//, /^parse\//] },
    { layer: 'platform/', not: [/^modes\//, /^report\//, /^settings/] },
  ])('$layer imports nothing above it', ({ layer, may, not }) => {
    const up = arrows.filter((a) => {
      const [from = '', to = ''] = a.split(' -> ');
      if (!from.startsWith(layer)) return false;
      return may ? !may.some((r) => r.test(to)) : not!.some((r) => r.test(to));
    });
    expect(up).toEqual([]);
  });
});
