/**
 * The engine artifact the local fleet runs: `engine-task/dist/main.mjs`, the very bundle the
 * container image runs (`engine-task/build.mjs`, the Dockerfile's build step), built on first use
 * and built again whenever a file it was built from changed, so a stale bundle is never run.
 *
 * Freshness: `build.mjs` writes `engine-task/dist/build-inputs.json` last, naming every file the
 * build read (esbuild's metafile inputs, its own sources and node_modules alike, plus build.mjs,
 * package.json, bundle-packages.json and tsconfig.json) and every file it wrote, each with its
 * size, mtime and SHA-256. A file whose size and mtime are as recorded is taken as unchanged (as
 * git's index does); any other is hashed and compared. An input that changed while the build read
 * it is recorded without a hash: never fresh. The outputs are checked too, so a bundle written by
 * another build since the record (two builds racing from different sources) is never taken for it.
 *
 * Concurrency: several CLI processes and test files may start engines at once on a fresh clone.
 * One builds, holding `engine-task/dist/.build.lock` (created whole with `link`, holding its pid);
 * the others wait for the lock to go, then find the bundle fresh. A lock whose pid is dead, or
 * older than a build may last (5 min 10 s: its pid may have been reused), is taken over.
 * `build.mjs` writes each file to a temporary name and renames it, so an engine starting
 * meanwhile reads a whole file, old or new.
 *
 * A path, not an import: core never imports `engine-task/`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArbfleetError, type ErrorKind } from '../errors.js';

/** The repository root: where `engine-task/build.mjs` runs and its paths start. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How long a launch waits for another process's build before giving up (ms). */
const BUILD_LOCK_WAIT_MS = 300_000;
/** How often a waiting launch looks at the lock again (ms). */
const BUILD_LOCK_POLL_MS = 100;
/** A build that takes longer than this is killed and reported (ms); one takes 1 to 4 s here. */
const BUILD_TIMEOUT_MS = 300_000;
/** A lock older than the build timeout and this is left by a build that no longer runs, whatever its pid says. */
const BUILD_LOCK_SLACK_MS = 10_000;
/** How much of the build's stderr an `EngineBuildError` quotes (characters, from the end). */
const BUILD_STDERR_TAIL = 4_000;

/** The files of one engine bundle under a root (the repository, or a copy of it in a test). */
export interface EngineBundlePaths {
  root: string;
  /** The bundle the engine runs from: `engine-task/dist/main.mjs`. */
  main: string;
  /** The build record `build.mjs` writes last: `engine-task/dist/build-inputs.json`. */
  record: string;
  /** The build: `engine-task/build.mjs`. */
  buildScript: string;
  /** Held by the process building: `engine-task/dist/.build.lock`. */
  lock: string;
}

export function engineBundlePaths(root = REPO_ROOT): EngineBundlePaths {
  const dist = join(root, 'engine-task', 'dist');
  return {
    root,
    main: join(dist, 'main.mjs'),
    record: join(dist, 'build-inputs.json'),
    buildScript: join(root, 'engine-task', 'build.mjs'),
    lock: join(dist, '.build.lock'),
  };
}

/**
 * The bundle could not be built (the build failed, timed out, or another process's build held
 * the lock too long): the launch fails with the build's own words. Kind `launch-failed`, not
 * retryable (the same sources fail the same way until someone changes them).
 */
export class EngineBuildError extends ArbfleetError {
  override readonly name = 'EngineBuildError';
  readonly kind: ErrorKind = 'launch-failed';
}

/** One file in the build record: what it was when the build read (or wrote) it. */
interface RecordedFile {
  size: number;
  /** −1 with an empty `sha256` for an input that changed while the build read it. */
  mtimeMs: number;
  sha256: string;
}

interface BuildRecord {
  version: 1;
  outputs: Record<string, RecordedFile>;
  inputs: Record<string, RecordedFile>;
}

/**
 * Why the bundle under `root` must be built before it runs, or undefined when it is fresh: no
 * record or no bundle yet, a record of another shape, or the first file found changed or gone
 * (`engine-task/src/runner.ts changed since the last build`).
 */
export async function engineBundleStaleness(root = REPO_ROOT): Promise<string | undefined> {
  const paths = engineBundlePaths(root);
  let record: BuildRecord;
  try {
    record = JSON.parse(await readFile(paths.record, 'utf8')) as BuildRecord;
  } catch {
    return 'never built (no engine-task/dist/build-inputs.json)';
  }
  if (record?.version !== 1 || typeof record.inputs !== 'object' || typeof record.outputs !== 'object')
    return 'engine-task/dist/build-inputs.json is not a build record of version 1';
  if (record.outputs['engine-task/dist/main.mjs'] === undefined) return 'the build record names no engine-task/dist/main.mjs';
  const files = [...Object.entries(record.outputs), ...Object.entries(record.inputs)];
  const reasons = await Promise.all(files.map(([path, recorded]) => fileChange(root, path, recorded)));
  return reasons.find((reason) => reason !== undefined);
}

async function fileChange(root: string, path: string, recorded: RecordedFile): Promise<string | undefined> {
  let now: { size: number; mtimeMs: number };
  try {
    now = await stat(resolve(root, path));
  } catch {
    return `${path} is gone since the last build`;
  }
  if (recorded.sha256 === '') return `${path} changed while the last build read it`;
  if (now.size === recorded.size && now.mtimeMs === recorded.mtimeMs) return undefined;
  if (now.size === recorded.size && sha256(await readFile(resolve(root, path))) === recorded.sha256) return undefined;
  return `${path} changed since the last build`;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What `ensureEngineBundle` did: the bundle to run, and whether (and why, and how long) it was built. */
export interface EnsuredBundle {
  main: string;
  built?: { reason: string; ms: number };
}

/**
 * Makes sure the engine bundle under `root` is fresh and returns its path: at once when it is,
 * else after building it (or after waiting for another process's build of it).
 * @throws EngineBuildError naming the build's exit and the end of its stderr (a TypeScript syntax
 *   error, a package the image would not install, …), or the lock's holder after 5 minutes.
 */
export async function ensureEngineBundle(root = REPO_ROOT): Promise<EnsuredBundle> {
  const paths = engineBundlePaths(root);
  const deadline = Date.now() + BUILD_LOCK_WAIT_MS;
  for (;;) {
    const reason = await engineBundleStaleness(root);
    if (reason === undefined) return { main: paths.main };
    const holder = takeLock(paths.lock);
    if (holder === undefined) {
      try {
        // Another process may have finished building between the look above and the lock.
        const still = await engineBundleStaleness(root);
        if (still === undefined) return { main: paths.main };
        const startedAt = Date.now();
        await runBuild(paths, still);
        return { main: paths.main, built: { reason: still, ms: Date.now() - startedAt } };
      } finally {
        releaseLock(paths.lock);
      }
    }
    if (Date.now() > deadline)
      throw new EngineBuildError(
        `the engine bundle (${paths.main}) is ${reason}, and the build lock ${paths.lock} has been held by pid ${holder} for over ${BUILD_LOCK_WAIT_MS / 1000} s: remove the lock if no build runs`,
      );
    await new Promise((wake) => setTimeout(wake, BUILD_LOCK_POLL_MS));
  }
}

/** Takes the lock (undefined) or says who holds it (a pid, or '?' when unreadable). A dead holder's lock is removed. */
function takeLock(lock: string): string | undefined {
  mkdirSync(join(lock, '..'), { recursive: true });
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, lock);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(mine);
  }
  let holder: string;
  let takenAt: number;
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

function releaseLock(lock: string): void {
  try {
    unlinkSync(lock);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runBuild(paths: EngineBundlePaths, reason: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [paths.buildScript],
      { cwd: paths.root, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (error === null) return done();
        const how = error.killed ? `killed after ${BUILD_TIMEOUT_MS / 1000} s` : `exit ${error.code ?? error.signal}`;
        fail(
          new EngineBuildError(
            `could not build the engine bundle (${reason}): ${process.execPath} ${paths.buildScript} in ${paths.root}, ${how}:\n${stderr.slice(-BUILD_STDERR_TAIL).trim()}`,
            { cause: error },
          ),
        );
      },
    );
  });
}
