// Folder loops, measured from the imports: reads dependency-cruiser's JSON on stdin and prints every
// pair of units that import each other and every loop (strongly connected group of units), first
// counting all imports, then run-time imports only (type-only ones left out).
//   npx depcruise --config .dependency-cruiser.cjs -T json . | node scripts/folder-loops.mjs --units [--edges]
// --units: the units of docs/architecture.md: each root file or first-level folder of core/,
//   engine-task/src/ and infra/ (core/ports.ts, core/model, core/data with formats/ and live/);
//   without it, every directory is a unit. --edges: the imports behind each pair.
import { readFileSync } from 'node:fs';

const result = JSON.parse(readFileSync(0, 'utf8'));
const units = process.argv.includes('--units');
const unitOf = (path) => {
  const m = units ? /^(core|engine-task\/src|infra)\/([^/]+)/.exec(path) : null;
  if (m) return `${m[1]}/${m[2]}`;
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
};
const graphs = { all: new Map(), 'run-time': new Map() };
for (const m of result.modules) {
  if (m.source.includes('node_modules') || m.coreModule) continue;
  for (const d of m.dependencies) {
    if (d.resolved.includes('node_modules') || d.coreModule || d.couldNotResolve) continue;
    const [a, b] = [unitOf(m.source), unitOf(d.resolved)];
    if (a === b) continue;
    for (const [name, g] of Object.entries(graphs)) {
      if (name === 'run-time' && d.dependencyTypes.includes('type-only')) continue;
      if (!g.has(a)) g.set(a, new Map());
      const edges = g.get(a);
      if (!edges.has(b)) edges.set(b, []);
      edges.get(b).push(`${m.source} -> ${d.resolved}`);
    }
  }
}
for (const [name, g] of Object.entries(graphs)) {
  console.log(`${name} imports: units that import each other`);
  for (const [a, edges] of g) {
    for (const b of edges.keys()) {
      if (a > b || !g.get(b)?.has(a)) continue;
      console.log(`  ${a} <-> ${b}`);
      if (process.argv.includes('--edges')) for (const e of [...edges.get(b), ...g.get(b).get(a)]) console.log(`      ${e}`);
    }
  }
  const loops = stronglyConnected(g).filter((c) => c.length > 1);
  console.log(`${name} imports: ${loops.length} loop(s)`);
  for (const c of loops) console.log(`  { ${c.sort().join(', ')} }`);
}

/** Tarjan's strongly connected components of a graph given as Map<node, Map<node, unknown>>. */
function stronglyConnected(g) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    groups.push(group);
  };
  for (const v of new Set([...g.keys(), ...[...g.values()].flatMap((e) => [...e.keys()])])) if (!index.has(v)) visit(v);
  return groups;
}
