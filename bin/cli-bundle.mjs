// The CLI bundle bin/arbfleet.mjs runs: cli/dist/arbfleet.mjs (cli/build.mjs), built on first use
// and built again whenever a file it was built from changed, so a stale bundle is never run (as
// core/local/engine-bundle.ts does for the engine's). Plain JavaScript: it runs before anything
// could compile TypeScript.
//
// Freshness: cli/dist/build-inputs.json, written last by the build, names every file the build
// read (esbuild's metafile inputs, plus cli/build.mjs, package.json, tsconfig.json) and every
// file it wrote, each with size, mtime and SHA-256. A file whose size and mtime are as recorded
// is taken as unchanged (as git's index does); any other is hashed and compared. An input that
// changed while the build read it is recorded without a hash: never fresh.
//
// Concurrency: no lock. Two CLIs starting on a stale bundle both build; the build writes each
// file to a temporary name and renames it, and two builds of the same sources write the same
// bytes, so a CLI starting meanwhile reads a whole bundle, old or new, and the record's output
// hashes tell a bundle written by a build of other sources from its own.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where cli/build.mjs runs and the record's paths start. */
export const CLI_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The bundle bin/arbfleet.mjs imports. */
export const CLI_BUNDLE = join(CLI_ROOT, 'cli', 'dist', 'arbfleet.mjs');
const RECORD = join(CLI_ROOT, 'cli', 'dist', 'build-inputs.json');
/** A build takes 1 to 4 s here; one that takes longer than this is killed and reported (ms). */
const BUILD_TIMEOUT_MS = 300_000;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Why the bundle under `root` must be built before it runs, or undefined when it is fresh. */
export function cliBundleStaleness(root = CLI_ROOT) {
  let record;
  try {
    record = JSON.parse(readFileSync(join(root, 'cli', 'dist', 'build-inputs.json'), 'utf8'));
  } catch {
    return 'never built (no cli/dist/build-inputs.json)';
  }
  if (record?.version !== 1 || typeof record.inputs !== 'object' || typeof record.outputs !== 'object')
    return 'cli/dist/build-inputs.json is not a build record of version 1';
  if (record.outputs['cli/dist/arbfleet.mjs'] === undefined) return 'the build record names no cli/dist/arbfleet.mjs';
  for (const [path, recorded] of [...Object.entries(record.outputs), ...Object.entries(record.inputs)]) {
    let now;
    try {
      now = statSync(join(root, path));
    } catch {
      return `${path} is gone since the last build`;
    }
    if (recorded.sha256 === '') return `${path} changed while the last build read it`;
    if (now.size === recorded.size && now.mtimeMs === recorded.mtimeMs) continue;
    if (now.size === recorded.size && sha256(readFileSync(join(root, path))) === recorded.sha256) continue;
    return `${path} changed since the last build`;
  }
  return undefined;
}

/**
 * Builds the bundle when it is stale and returns its path.
 * @throws Error naming why it was built, the build's exit and the end of its stderr.
 */
export function ensureCliBundle(root = CLI_ROOT) {
  const reason = cliBundleStaleness(root);
  if (reason === undefined) return join(root, 'cli', 'dist', 'arbfleet.mjs');
  try {
    execFileSync(process.execPath, [join(root, 'cli', 'build.mjs')], {
      cwd: root,
      timeout: BUILD_TIMEOUT_MS,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const how = error.signal ? `killed (${error.signal})` : `exit ${error.status}`;
    throw new Error(
      `could not build the CLI bundle (${reason}): ${process.execPath} cli/build.mjs in ${root}, ${how}:\n${String(error.stderr ?? '')
        .slice(-4000)
        .trim()}`,
      {
        cause: error,
      },
    );
  }
  return join(root, 'cli', 'dist', 'arbfleet.mjs');
}

export { RECORD as CLI_BUNDLE_RECORD };
