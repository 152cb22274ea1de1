// The one build of arbfleet's bundles (the engine's: engine-task/build.mjs; the CLI's:
// cli/build.mjs): esbuild's settings, the outputs written whole, and the build record the
// freshness check reads (core/local/bundle-freshness.mjs). Each build script names its entry
// points and the files that shape its bundle, and may check what esbuild read before anything is
// written. Plain JavaScript, run by Node before anything could compile TypeScript.
//
// esbuild comes from the caller: the image's build stage installs it under engine-task/ only
// (engine-task/stage-image.sh), where this module, under core/, would not find it.
//
// Every file is written to a temporary name and renamed, so a process starting the bundle meanwhile
// reads a whole old file or a whole new one, and two builds racing write the same bytes. The
// record, `<outdir>/build-inputs.json`, is written last: every input esbuild read (its metafile)
// and the build files, with size, mtime and SHA-256, and the outputs' hashes.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { RECORD_FILE, sha256 } from './bundle-freshness.mjs';

/** This module: it shapes every bundle, so each build records it among its inputs. */
const SELF = 'core/local/bundle-build.mjs';
/** Files that shape every bundle without being esbuild inputs. */
const SHARED_BUILD_FILES = [SELF, 'package.json', 'tsconfig.json'];
/** Packages the bundles load from node_modules at run time: native code esbuild cannot inline. */
export const EXTERNAL = ['better-sqlite3'];
/**
 * An input whose mtime is within this of the build's start (file times are coarse: a jiffy, up to
 * 10 ms) may have changed while esbuild read it: recorded with no hash, so it is never fresh and the
 * next start builds again (ms).
 */
const SETTLE_MS = 50;

/** Writes `path` whole or not at all: a temporary file in the same folder, then a rename. */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function sizeAndTime(path) {
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs };
}

/**
 * `node:http` and `node:https` loaded through `require`, not `import`: Node's ESM facade of a
 * built-in reads every export once, and `node:http`'s lazy `WebSocket`/`MessageEvent` getters then
 * load undici: about 60 ms at every start of a process that imports them (the CLI: its local API
 * server), used or not. Through `require`, a named import is a property read when the code runs.
 */
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(build) {
    // The `require` inside the stand-in resolves as esbuild's own external built-in (not to itself).
    build.onResolve({ filter: /^node:https?$/ }, (args) =>
      args.namespace === 'builtin-require' ? undefined : { path: args.path, namespace: 'builtin-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * Builds one bundle under `root` (paths in the record are relative to it) and exits 1 when esbuild
 * finds an error (it has printed each with its file, line and the code around it).
 * @param build esbuild's `build`.
 * @param options.bundle the bundle (bundle-freshness.mjs: ENGINE_BUNDLE or CLI_BUNDLE).
 * @param options.entryPoints esbuild's entry points: output name → source.
 * @param options.buildFiles files besides the shared ones that shape the bundle (the script, lists it reads).
 * @param options.splitting ESM code splitting (the CLI's): code only some commands use goes to
 *   chunks their `import()` loads when they run, `<name>-<hash>.mjs` beside the entry (in its
 *   folder, so that the sources' `import.meta.url` paths hold), each in the record as an output;
 *   chunks older than the previous build are removed (`removeOldChunks`).
 * @param options.check given esbuild's metafile before anything is written: throws to refuse the
 *   bundle, or returns more files to write before the record (path → text).
 * @returns esbuild's metafile.
 */
export async function buildBundle(build, { root, bundle, entryPoints, buildFiles = [], splitting = false, check = () => ({}) }) {
  const startedAt = Date.now();
  const previousOutputs = splitting ? recordedOutputs(root, bundle.outdir) : {};
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: bundle.outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting,
    chunkNames: '[name]-[hash]',
    platform: 'node',
    target: 'node24',
    format: 'esm',
    sourcemap: true,
    external: EXTERNAL,
    banner: { js: "import { createRequire as __arbfleetRequire } from 'node:module'; const require = __arbfleetRequire(import.meta.url);" },
    plugins: [builtinsThroughRequire],
    logLevel: 'warning',
    metafile: true,
    write: false,
  }).catch((error) => {
    process.stderr.write(`${bundle.script}: esbuild found ${error.errors?.length ?? 'an'} error(s); nothing written\n`);
    process.exit(1);
  });
  // ARBFLEET_BUNDLE_METAFILE=<path>: esbuild's metafile (every input and who imported it) written there (the tests read it).
  if (process.env.ARBFLEET_BUNDLE_METAFILE) writeFileSync(process.env.ARBFLEET_BUNDLE_METAFILE, JSON.stringify(result.metafile));
  const extra = check(result.metafile);

  const outputs = {};
  for (const file of result.outputFiles) {
    const path = relative(root, file.path);
    writeAtomically(file.path, file.contents);
    outputs[path] = { ...sizeAndTime(file.path), sha256: sha256(file.contents) };
  }
  for (const [path, text] of Object.entries(extra)) writeAtomically(join(root, path), text);

  const inputs = {};
  for (const input of [
    ...new Set([...Object.keys(result.metafile.inputs).filter((i) => !i.startsWith('builtin-require:')), ...SHARED_BUILD_FILES, ...buildFiles]),
  ].sort()) {
    const path = relative(root, resolve(root, input));
    const { size, mtimeMs } = sizeAndTime(join(root, path));
    inputs[path] = mtimeMs < startedAt - SETTLE_MS ? { size, mtimeMs, sha256: sha256(readFileSync(join(root, path))) } : { size, mtimeMs: -1, sha256: '' };
  }
  writeAtomically(join(root, bundle.outdir, RECORD_FILE), `${JSON.stringify({ version: 1, builtAt: new Date().toISOString(), outputs, inputs })}\n`);
  if (splitting) removeOldChunks(root, bundle.outdir, [outputs, previousOutputs]);
  return result.metafile;
}

/**
 * Chunks are named by their content, so each build that changed one leaves the old file behind.
 * Removed: the outdir's `.mjs` and `.mjs.map` files that neither this build nor the one before it
 * wrote. The previous build's are kept: a CLI started on it loads its chunks when a command runs,
 * maybe after this build (`import()` of a file since removed would fail it).
 */
function removeOldChunks(root, outdir, kept) {
  for (const name of readdirSync(join(root, outdir))) {
    const path = `${outdir}/${name}`;
    if (!/\.mjs(\.map)?$/.test(name) || kept.some((outputs) => outputs[path] !== undefined)) continue;
    rmSync(join(root, path), { force: true });
  }
}

/** The outputs the build record in `outdir` names (path → size, mtime, hash), or none when there is no readable record. */
function recordedOutputs(root, outdir) {
  try {
    return JSON.parse(readFileSync(join(root, outdir, RECORD_FILE), 'utf8')).outputs ?? {};
  } catch {
    return {};
  }
}
