// Bundles the engine's entrypoint and health check into engine-task/dist/ for the container image
// (and for anyone who wants to run the engine without tsx). Everything is bundled except the
// externals below, which dist/package.json declares at the versions package.json pins: the
// image installs exactly those (engine-task/stage-image.sh), nothing else from node_modules.
// The packages it inlines are listed in engine-task/bundle-packages.json, which the image's build
// stage installs (and nothing else of package.json's dependencies): the build fails when the list
// and the bundle's inputs disagree.
// The local fleet runs this same main.mjs (core/local/engine-bundle.ts builds it on first use and
// again whenever a source changed): dist/build-inputs.json, written last, records every input
// esbuild read (its metafile) with size, mtime and SHA-256, and the outputs' hashes. Every file
// is written to a temporary name and renamed, so a process starting the engine meanwhile reads a
// whole old file or a whole new one, and two builds racing write the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const OUTDIR = 'engine-task/dist';
/** What core/local/engine-bundle.ts reads to tell a fresh bundle from a stale one. */
const RECORD = `${OUTDIR}/build-inputs.json`;
/** Files that shape the bundle without being esbuild inputs: this script and what it reads. */
const BUILD_FILES = ['engine-task/build.mjs', 'package.json', 'engine-task/bundle-packages.json', 'tsconfig.json'];

/** Writes `path` whole or not at all: a temporary file in the same folder, then a rename. */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
// Inputs changed after (about) this instant may have been read before the change: never recorded as fresh.
const startedAt = Date.now();

/** Packages the bundle loads from node_modules at run time: native code esbuild cannot inline. */
const EXTERNAL = ['better-sqlite3'];

/**
 * AWS clients the engine never calls (it talks to DynamoDB alone, through core/aws/dynamodb-client.ts):
 * the build fails if one is inlined, e.g. because an engine module imported core/aws/aws-clients.ts
 * (all four clients) instead of the DynamoDB one. Each weighs 0.1 to 0.4 MB of the bundle.
 */
const NEVER_INLINED = ['@aws-sdk/client-ecs', '@aws-sdk/client-s3', '@aws-sdk/client-sqs'];

const result = await build({
  entryPoints: { main: 'engine-task/src/main.ts', healthcheck: 'engine-task/src/healthcheck.ts' },
  outdir: OUTDIR,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: true,
  external: EXTERNAL,
  banner: { js: "import { createRequire as __arbfleetRequire } from 'node:module'; const require = __arbfleetRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
  write: false,
}).catch((error) => {
  // esbuild has printed each error above with its file, line and the code around it (logLevel).
  process.stderr.write(`engine-task/build.mjs: esbuild found ${error.errors?.length ?? 'an'} error(s); nothing written\n`);
  process.exit(1);
});

// ARBFLEET_BUNDLE_METAFILE=<path>: esbuild's metafile (every input and who imported it) written there (the tests read it).
if (process.env.ARBFLEET_BUNDLE_METAFILE) writeFileSync(process.env.ARBFLEET_BUNDLE_METAFILE, JSON.stringify(result.metafile));

const pinned = JSON.parse(readFileSync('package.json', 'utf8')).dependencies ?? {};
const inlined = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match && pinned[match[1]]) inlined.add(match[1]);
}
const unwanted = NEVER_INLINED.filter((name) => Object.keys(result.metafile.inputs).some((input) => input.includes(`node_modules/${name}/`)));
if (unwanted.length > 0) {
  const importers = Object.entries(result.metafile.inputs)
    .filter(([input]) => !input.includes('node_modules/'))
    .filter(([, { imports }]) => imports.some((i) => i.path.includes('core/aws/aws-clients') || i.path.includes('core/aws/control-plane-clients')))
    .map(([input]) => input);
  throw new Error(
    `engine-task/build.mjs: the engine bundle inlines ${JSON.stringify(unwanted)}, clients the engine never calls (NEVER_INLINED); expected only @aws-sdk/client-dynamodb: build its clients with core/aws/dynamodb-client.ts (importers of the wider client sets: ${JSON.stringify(importers)})`,
  );
}

const listed = JSON.parse(readFileSync('engine-task/bundle-packages.json', 'utf8'));
const found = [...inlined].sort();
if (JSON.stringify(found) !== JSON.stringify([...listed].sort())) {
  throw new Error(
    `engine-task/build.mjs: the bundle inlines ${JSON.stringify(found)} of package.json's dependencies, but engine-task/bundle-packages.json (what the image's build stage installs) lists ${JSON.stringify(listed)}: make the file say what the bundle inlines`,
  );
}

const dependencies = Object.fromEntries(
  EXTERNAL.map((name) => {
    if (!pinned[name]) throw new Error(`engine-task/build.mjs: external ${name} is not in package.json's dependencies`);
    return [name, pinned[name]];
  }),
);
const manifest = { name: 'arbfleet-engine', private: true, type: 'module', dependencies };

const outputs = {};
for (const file of result.outputFiles) {
  const path = relative(process.cwd(), file.path);
  writeAtomically(path, file.contents);
  outputs[path] = { ...sizeAndTime(path), sha256: sha256(file.contents) };
}
writeAtomically(`${OUTDIR}/package.json`, `${JSON.stringify(manifest, null, 2)}\n`);

// The build record, last: each input as it was read. An input whose mtime is within SETTLE_MS of
// the build's start (file times are coarse: a jiffy, up to 10 ms) may have changed while esbuild
// read it: recorded with no hash, so it is never fresh and the next launch builds again.
const SETTLE_MS = 50;
const inputs = {};
for (const input of [...new Set([...Object.keys(result.metafile.inputs), ...BUILD_FILES])].sort()) {
  const path = relative(process.cwd(), resolve(input));
  const { size, mtimeMs } = sizeAndTime(path);
  inputs[path] = mtimeMs < startedAt - SETTLE_MS ? { size, mtimeMs, sha256: sha256(readFileSync(path)) } : { size, mtimeMs: -1, sha256: '' };
}
writeAtomically(RECORD, `${JSON.stringify({ version: 1, builtAt: new Date().toISOString(), outputs, inputs })}\n`);

function sizeAndTime(path) {
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs };
}
