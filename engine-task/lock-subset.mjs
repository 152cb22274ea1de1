// Writes DIR/package-lock.json holding only DIR/package.json's dependencies and what they depend
// on, each entry copied from the repository's package-lock.json (same versions, same integrity),
// so `npm ci` in DIR installs a few packages exactly as the whole project pins them. With NAMEs,
// first writes DIR/package.json depending on those packages at their locked versions; either way
// DIR/package.json gets package.json's `allowScripts` for the packages of the subset.
// The engine image uses it twice (engine-task/stage-image.sh): esbuild alone to build the bundle,
// and the bundle's externals (engine-task/dist/package.json, written by build.mjs) to run it.
//   node engine-task/lock-subset.mjs DIR [NAME...]     (from the repository root)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...names] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node engine-task/lock-subset.mjs DIR [NAME...]\n');
  process.exit(2);
}
const rootLock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const entries = rootLock.packages ?? {};

/** The lock key Node would load `name` from when `from` (a lock key, '' for the root) requires it. */
function resolve(name, from) {
  for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
    const key = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (entries[key]) return key;
    if (!at) return undefined;
  }
}

function fail(message) {
  process.stderr.write(`lock-subset: ${message}\n`);
  process.exit(1);
}

mkdirSync(dir, { recursive: true });
const manifestFile = join(dir, 'package.json');
if (names.length > 0) {
  const dependencies = {};
  for (const name of names) {
    const key = resolve(name, '');
    if (!key) fail(`${name} is not in package-lock.json`);
    dependencies[name] = entries[key].version;
  }
  writeFileSync(manifestFile, `${JSON.stringify({ name: 'arbfleet-subset', private: true, dependencies }, null, 2)}\n`);
}
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
const wanted = manifest.dependencies ?? {};

const packages = { '': { name: manifest.name, dependencies: wanted } };
const queue = [];
for (const [name, range] of Object.entries(wanted)) {
  const key = resolve(name, '');
  if (!key) fail(`${manifestFile} depends on ${name}, which is not in package-lock.json`);
  if (entries[key].version !== range) fail(`${manifestFile} wants ${name}@${range}, package-lock.json has ${entries[key].version}`);
  queue.push(key);
}
while (queue.length > 0) {
  const key = queue.pop();
  if (packages[key]) continue;
  const { dev, devOptional, peer, ...entry } = entries[key];
  packages[key] = entry;
  const optional = new Set([...Object.keys(entry.optionalDependencies ?? {}), ...Object.keys(entry.peerDependenciesMeta ?? {})]);
  for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
    const found = resolve(name, key);
    if (found) queue.push(found);
    else if (!optional.has(name)) fail(`${key} depends on ${name}, which is not in package-lock.json`);
  }
}
// npm ≥ 11 runs install scripts only of packages the manifest allows: keep the project's consent.
const allowed = JSON.parse(readFileSync('package.json', 'utf8')).allowScripts ?? {};
const subsetNames = new Set(Object.keys(packages).map((key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)));
const allowScripts = Object.fromEntries(Object.entries(allowed).filter(([name]) => subsetNames.has(name)));
if (Object.keys(allowScripts).length > 0) writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, allowScripts }, null, 2)}\n`);
const lock = { name: manifest.name, lockfileVersion: 3, requires: true, packages };
writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
