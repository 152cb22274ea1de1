// Bundles the CLI (cli/arbfleet.ts and everything it imports, node_modules included, except the
// native better-sqlite3) into cli/dist/arbfleet.mjs, which bin/arbfleet.mjs runs: a start without
// tsx compiling some 200 TypeScript files (issue 19: the CLI's start was 2.8 s of a 9 s backtest).
// bin/cli-bundle.mjs runs this on first use and again whenever an input changed; by hand:
// `node cli/build.mjs`. The bundle sits two folders below the root, as the sources do, so their
// `new URL('../../…', import.meta.url)` paths (core/local/engine-bundle.ts's REPO_ROOT, the
// configs' JSON schema) name the same files.
// dist/build-inputs.json, written last, records every input esbuild read (its metafile) and this
// script, package.json and tsconfig.json, with size, mtime and SHA-256, and the outputs' hashes.
// Each file is written to a temporary name and renamed: a CLI starting meanwhile reads a whole
// old file or a whole new one, and two builds racing write the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
process.chdir(ROOT);
const OUTDIR = 'cli/dist';
/** What bin/cli-bundle.mjs reads to tell a fresh bundle from a stale one. */
const RECORD = `${OUTDIR}/build-inputs.json`;
/** Files that shape the bundle without being esbuild inputs. */
const BUILD_FILES = ['cli/build.mjs', 'package.json', 'tsconfig.json'];
/** Loaded from node_modules at run time: native code esbuild cannot inline. */
const EXTERNAL = ['better-sqlite3'];

function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const startedAt = Date.now();

const result = await build({
  entryPoints: { arbfleet: 'cli/arbfleet.ts' },
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
  process.stderr.write(`cli/build.mjs: esbuild found ${error.errors?.length ?? 'an'} error(s); nothing written\n`);
  process.exit(1);
});

const outputs = {};
for (const file of result.outputFiles) {
  const path = relative(ROOT, file.path);
  writeAtomically(path, file.contents);
  outputs[path] = { ...sizeAndTime(path), sha256: sha256(file.contents) };
}

// An input changed within SETTLE_MS of the build's start may have been read before the change:
// recorded with no hash, so it is never fresh and the next start builds again.
const SETTLE_MS = 50;
const inputs = {};
for (const input of [...new Set([...Object.keys(result.metafile.inputs), ...BUILD_FILES])].sort()) {
  const path = relative(ROOT, resolve(input));
  const { size, mtimeMs } = sizeAndTime(path);
  inputs[path] = mtimeMs < startedAt - SETTLE_MS ? { size, mtimeMs, sha256: sha256(readFileSync(path)) } : { size, mtimeMs: -1, sha256: '' };
}
writeAtomically(RECORD, `${JSON.stringify({ version: 1, builtAt: new Date().toISOString(), outputs, inputs })}\n`);

function sizeAndTime(path) {
  const { size, mtimeMs } = statSync(path);
  return { size, mtimeMs };
}
