// Bundles the engine's entrypoint and health check into engine-task/dist/ for the container image
// (and for anyone who wants to run the engine without tsx). Everything is bundled except the
// externals below, which dist/package.json declares at the versions package.json pins: the
// image installs exactly those (engine-task/stage-image.sh), nothing else from node_modules.
// The packages it inlines are listed in engine-task/bundle-packages.json, which the image's build
// stage installs (and nothing else of package.json's dependencies): the build fails when the list
// and the bundle's inputs disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

/** Packages the bundle loads from node_modules at run time: native code esbuild cannot inline. */
const EXTERNAL = ['better-sqlite3'];

const result = await build({
  entryPoints: { main: 'engine-task/src/main.ts', healthcheck: 'engine-task/src/healthcheck.ts' },
  outdir: 'engine-task/dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: true,
  external: EXTERNAL,
  banner: { js: "import { createRequire as __arbfleetRequire } from 'node:module'; const require = __arbfleetRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

const pinned = JSON.parse(readFileSync('package.json', 'utf8')).dependencies ?? {};
const inlined = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match && pinned[match[1]]) inlined.add(match[1]);
}
const listed = JSON.parse(readFileSync('engine-task/bundle-packages.json', 'utf8'));
const found = [...inlined].sort();
if (JSON.stringify(found) !== JSON.stringify([...listed].sort())) {
  throw new Error(`engine-task/build.mjs: the bundle inlines ${JSON.stringify(found)} of package.json's dependencies, but engine-task/bundle-packages.json (what the image's build stage installs) lists ${JSON.stringify(listed)}: make the file say what the bundle inlines`);
}

const dependencies = Object.fromEntries(
  EXTERNAL.map((name) => {
    if (!pinned[name]) throw new Error(`engine-task/build.mjs: external ${name} is not in package.json's dependencies`);
    return [name, pinned[name]];
  }),
);
const manifest = { name: 'arbfleet-engine', private: true, type: 'module', dependencies };
writeFileSync('engine-task/dist/package.json', `${JSON.stringify(manifest, null, 2)}\n`);
