// Loops between units, measured from the imports dependency-cruiser found. Two ways in:
//
// - `npm run depcheck`: dependency-cruiser's reporter plugin (the default export). It prints each
//   broken rule of .dependency-cruiser.cjs, then every loop between the units of
//   docs/architecture.md, and fails (exit code: broken rules + loops) on either. A unit loop is one
//   no rule of dependency-cruiser can see: its folder rule treats a parent folder and its child as
//   one, so `engine-task/src/engine.ts` ⇄ `engine-task/src/monitor/` passed it.
// - By hand, for a picture of the imports: every pair of units that import each other and every
//   loop (strongly connected group of units), first counting all imports, then run-time imports
//   only (type-only ones left out):
//     npx depcruise --config .dependency-cruiser.cjs -T json . | node scripts/folder-loops.mjs --units [--edges]
//   --units: the units of docs/architecture.md (below); without it, every directory is a unit.
//   --edges: the imports behind each pair.
//
// Units: each root file or first-level folder of core/, engine-task/src/ and infra/ (core/ports.ts,
// core/model, core/data with formats/ and live/), and every other directory (the repository's
// root files are one unit, `.`).
import { readFileSync } from 'node:fs';

/** The unit a path belongs to: architecture.md's units, or (`units` false) its directory. */
export function unitOf(path, units = true) {
  if (!units) return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  const m = /^(core|engine-task\/src|infra)\/([^/]+)/.exec(path);
  if (m) return `${m[1]}/${m[2]}`;
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
}

/**
 * The unit graphs of a cruise result: `all` imports and `run-time` ones (type-only left out), each
 * a Map from unit to the units it imports, with the imports (`from -> to`) behind each arrow.
 */
export function unitGraphs(result, units = true) {
  const graphs = { all: new Map(), 'run-time': new Map() };
  for (const m of result.modules) {
    if (m.source.includes('node_modules') || m.coreModule) continue;
    for (const d of m.dependencies) {
      if (d.resolved.includes('node_modules') || d.coreModule || d.couldNotResolve) continue;
      const [a, b] = [unitOf(m.source, units), unitOf(d.resolved, units)];
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
  return graphs;
}

/** The loops of a unit graph: its strongly connected groups of more than one unit, each sorted. */
export function unitLoops(g) {
  return stronglyConnected(g)
    .filter((c) => c.length > 1)
    .map((c) => c.sort());
}

/** The imports that close a loop: those from one of its units to another. */
function loopEdges(g, loop) {
  const inside = new Set(loop);
  return [...inside].flatMap((a) => [...(g.get(a) ?? new Map())].filter(([b]) => inside.has(b)).flatMap(([, edges]) => edges));
}

/**
 * dependency-cruiser's reporter plugin (`-T plugin:<absolute path of this file>`): the rules it
 * broke (severity, rule, from → to, the rule's comment) and the unit loops of all imports, with the
 * imports that close each; exit code the number of error-severity violations plus loops.
 */
export default function depcheckReport(result) {
  const lines = [];
  const rules = new Map((result.summary.ruleSetUsed?.forbidden ?? []).map((r) => [r.name, r.comment]));
  for (const v of result.summary.violations) {
    lines.push(`${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (round ${v.cycle.map((c) => c.name ?? c).join(' → ')})` : ''}`);
    if (rules.get(v.rule.name)) lines.push(`    ${rules.get(v.rule.name)}`);
  }
  const graph = unitGraphs(result).all;
  const loops = unitLoops(graph);
  for (const loop of loops) {
    lines.push(`error unit-loop: { ${loop.join(', ')} } import each other (scripts/folder-loops.mjs; units of docs/architecture.md), through:`);
    for (const edge of loopEdges(graph, loop)) lines.push(`    ${edge}`);
  }
  const errors = result.summary.error + loops.length;
  lines.push(
    `${errors === 0 ? 'no dependency rule broken and no unit loop' : `${result.summary.error} dependency rule(s) broken, ${loops.length} unit loop(s)`} (${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised ?? 0} dependencies cruised)`,
  );
  return { output: `${lines.join('\n')}\n`, exitCode: errors };
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

if (import.meta.main) {
  const graphs = unitGraphs(JSON.parse(readFileSync(0, 'utf8')), process.argv.includes('--units'));
  for (const [name, g] of Object.entries(graphs)) {
    console.log(`${name} imports: units that import each other`);
    for (const [a, edges] of g) {
      for (const b of edges.keys()) {
        if (a > b || !g.get(b)?.has(a)) continue;
        console.log(`  ${a} <-> ${b}`);
        if (process.argv.includes('--edges')) for (const e of [...edges.get(b), ...g.get(b).get(a)]) console.log(`      ${e}`);
      }
    }
    const loops = unitLoops(g);
    console.log(`${name} imports: ${loops.length} loop(s)`);
    for (const c of loops) console.log(`  { ${c.join(', ')} }`);
  }
}
