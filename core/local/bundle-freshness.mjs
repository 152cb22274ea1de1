// The two bundles arbfleet runs from source, and the one freshness check and build lock both use:
// the engine's (engine-task/dist/main.mjs, the file the container image runs and the local fleet
// launches: core/local/engine-bundle.ts) and the CLI's (cli/dist/arbfleet.mjs and the chunks beside
// it, what bin/arbfleet.mjs starts). Each is built on first use and built again whenever a file it was
// built from changed, so a stale bundle is never run. Plain JavaScript (types in the .d.mts beside
// it) with Node's own modules only: bin/arbfleet.mjs runs it before anything could compile
// TypeScript, and the CLI bundle inlines it.
//
// Freshness: the build (core/local/bundle-build.mjs) writes `<outdir>/build-inputs.json` last,
// naming every file it read (esbuild's metafile inputs, its own sources and node_modules alike,
// plus the build scripts, package.json and tsconfig.json) and every file it wrote, each with its
// size, mtime and SHA-256. A file whose size and mtime are as recorded is taken as unchanged (as
// git's index does); any other is hashed and compared. An input that changed while the build read
// it is recorded without a hash: never fresh. The outputs are checked too, so a bundle written by
// another build since the record (two builds racing from different sources) is never taken for it,
// and every chunk of a split bundle (the CLI's) is one of them: a chunk changed or gone builds the
// bundle again before it starts, though the start would not load that chunk.
//
// Concurrency: several CLI processes and test files may start engines (or CLIs) at once on a fresh
// clone. One builds, holding `<outdir>/.build.lock` (created whole with `link`, holding its pid);
// the others wait for the lock to go, then find the bundle fresh. A lock whose pid is dead, or
// older than a build may last (5 min 10 s: its pid may have been reused), is taken over. The build
// writes each file to a temporary name and renames it, so a process starting meanwhile reads a
// whole file, old or new.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The engine's bundle: what the image runs and the local fleet launches. Paths from the repository root. */
export const ENGINE_BUNDLE = Object.freeze({
  name: 'engine',
  script: 'engine-task/build.mjs',
  outdir: 'engine-task/dist',
  main: 'engine-task/dist/main.mjs',
});

/** The CLI's bundle: what bin/arbfleet.mjs starts. Paths from the repository root. */
export const CLI_BUNDLE = Object.freeze({
  name: 'CLI',
  script: 'cli/build.mjs',
  outdir: 'cli/dist',
  main: 'cli/dist/arbfleet.mjs',
});

/** The build record's name in a bundle's outdir. */
export const RECORD_FILE = 'build-inputs.json';
/** The build lock's name in a bundle's outdir. */
export const LOCK_FILE = '.build.lock';

/** How long a start waits for another process's build before giving up (ms). */
const BUILD_LOCK_WAIT_MS = 300_000;
/** How often a waiting start looks at the lock again (ms). */
const BUILD_LOCK_POLL_MS = 100;
/** A build that takes longer than this is killed and reported (ms); one takes 1 to 4 s here. */
const BUILD_TIMEOUT_MS = 300_000;
/** A lock older than the build timeout and this is left by a build that no longer runs, whatever its pid says. */
const BUILD_LOCK_SLACK_MS = 10_000;
/** How much of the build's stderr a failure quotes (characters, from the end). */
const BUILD_STDERR_TAIL = 4_000;

/** The absolute paths of a bundle's files under `root` (the repository, or a copy of it in a test). */
export function bundlePaths(bundle, root) {
  return {
    root,
    main: join(root, bundle.main),
    record: join(root, bundle.outdir, RECORD_FILE),
    buildScript: join(root, bundle.script),
    lock: join(root, bundle.outdir, LOCK_FILE),
  };
}

/** SHA-256 of bytes, in hex: the record's file hashes. */
export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Why `bundle` under `root` must be built before it runs, or undefined when it is fresh: no record
 * or no bundle yet, a record of another shape, or the first file found changed or gone
 * (`engine-task/src/runner.ts changed since the last build`).
 */
export async function bundleStaleness(bundle, root) {
  const recordPath = `${bundle.outdir}/${RECORD_FILE}`;
  let record;
  try {
    record = JSON.parse(await readFile(join(root, recordPath), 'utf8'));
  } catch {
    return `never built (no ${recordPath})`;
  }
  if (record?.version !== 1 || typeof record.inputs !== 'object' || typeof record.outputs !== 'object')
    return `${recordPath} is not a build record of version 1`;
  if (record.outputs[bundle.main] === undefined) return `the build record names no ${bundle.main}`;
  // Looked at one by one, synchronously, the first change ending the look: about 850 files a bundle
  // (most under node_modules), 5 ms here where as many promised stats took 20-30 ms (and more CPU).
  for (const [path, recorded] of [...Object.entries(record.outputs), ...Object.entries(record.inputs)]) {
    const reason = fileChange(root, path, recorded);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function fileChange(root, path, recorded) {
  let now;
  try {
    now = statSync(resolve(root, path));
  } catch {
    return `${path} is gone since the last build`;
  }
  if (recorded.sha256 === '') return `${path} changed while the last build read it`;
  if (now.size === recorded.size && now.mtimeMs === recorded.mtimeMs) return undefined;
  if (now.size === recorded.size && sha256(readFileSync(resolve(root, path))) === recorded.sha256) return undefined;
  return `${path} changed since the last build`;
}

/**
 * Makes sure `bundle` under `root` is fresh and returns its path: at once when it is, else after
 * building it (or after waiting for another process's build of it).
 * @param fail makes the error thrown from a message and the build's own error (the engine's
 *   `EngineBuildError`); a plain Error by default.
 * @throws what `fail` makes, naming why it was built, the build's exit and the end of its stderr
 *   (a syntax error with its file and line, …), or the lock's holder after 5 minutes.
 */
export async function ensureBundle(bundle, root, fail = (message, cause) => new Error(message, { cause })) {
  const paths = bundlePaths(bundle, root);
  const deadline = Date.now() + BUILD_LOCK_WAIT_MS;
  for (;;) {
    const reason = await bundleStaleness(bundle, root);
    if (reason === undefined) return { main: paths.main };
    const holder = takeLock(paths.lock);
    if (holder === undefined) {
      try {
        // Another process may have finished building between the look above and the lock.
        const still = await bundleStaleness(bundle, root);
        if (still === undefined) return { main: paths.main };
        const startedAt = Date.now();
        await runBuild(bundle, paths, still, fail);
        return { main: paths.main, built: { reason: still, ms: Date.now() - startedAt } };
      } finally {
        releaseLock(paths.lock);
      }
    }
    if (Date.now() > deadline)
      throw fail(
        `the ${bundle.name} bundle (${paths.main}) is ${reason}, and the build lock ${paths.lock} has been held by pid ${holder} for over ${BUILD_LOCK_WAIT_MS / 1000} s: remove the lock if no build runs`,
      );
    await new Promise((wake) => setTimeout(wake, BUILD_LOCK_POLL_MS));
  }
}

/** Takes the lock (undefined) or says who holds it (a pid, or '?' when unreadable). A dead holder's lock is removed. */
function takeLock(lock) {
  mkdirSync(join(lock, '..'), { recursive: true });
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, lock);
    return undefined;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(mine);
  }
  let holder;
  let takenAt;
  try {
    holder = readFileSync(lock, 'utf8');
    takenAt = statSync(lock).mtimeMs;
  } catch {
    return '?'; // released meanwhile: the next look takes it
  }
  // Dead, or older than any build may last (its pid since reused, as in a CI container): taken over.
  if (!isAlive(Number(holder)) || Date.now() - takenAt > BUILD_TIMEOUT_MS + BUILD_LOCK_SLACK_MS) releaseLock(lock);
  return holder;
}

function releaseLock(lock) {
  try {
    unlinkSync(lock);
  } catch {
    // already gone
  }
}

function isAlive(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function runBuild(bundle, paths, reason, fail) {
  return new Promise((done, failed) => {
    execFile(
      process.execPath,
      [paths.buildScript],
      { cwd: paths.root, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (error === null) return done();
        const how = error.killed ? `killed after ${BUILD_TIMEOUT_MS / 1000} s` : `exit ${error.code ?? error.signal}`;
        failed(
          fail(
            `could not build the ${bundle.name} bundle (${reason}): ${process.execPath} ${paths.buildScript} in ${paths.root}, ${how}:\n${stderr.slice(-BUILD_STDERR_TAIL).trim()}`,
            error,
          ),
        );
      },
    );
  });
}
