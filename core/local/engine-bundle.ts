/**
 * The engine artifact the local fleet runs: `engine-task/dist/main.mjs`, the very bundle the
 * container image runs (`engine-task/build.mjs`, the Dockerfile's build step), built on first use
 * and built again whenever a file it was built from changed, so a stale bundle is never run.
 *
 * The freshness check (every file the build read or wrote, by size and mtime, else SHA-256) and the
 * build lock (one process builds, the others wait) are `bundle-freshness.mjs`'s, shared with the
 * CLI's bundle (`bin/cli-bundle.mjs`); this module names the engine's bundle and its error.
 *
 * A path, not an import: core never imports `engine-task/`.
 */
import { fileURLToPath } from 'node:url';
import { ArbfleetError, type ErrorKind } from '../errors.js';
import { type BundlePaths, bundlePaths, bundleStaleness, ENGINE_BUNDLE, type EnsuredBundle, ensureBundle } from './bundle-freshness.mjs';

/** The repository root: where `engine-task/build.mjs` runs and its paths start. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The files of one engine bundle under a root (the repository, or a copy of it in a test). */
export type EngineBundlePaths = BundlePaths;

export function engineBundlePaths(root = REPO_ROOT): EngineBundlePaths {
  return bundlePaths(ENGINE_BUNDLE, root);
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

/**
 * Why the bundle under `root` must be built before it runs, or undefined when it is fresh: no
 * record or no bundle yet, a record of another shape, or the first file found changed or gone
 * (`engine-task/src/runner.ts changed since the last build`).
 */
export function engineBundleStaleness(root = REPO_ROOT): Promise<string | undefined> {
  return bundleStaleness(ENGINE_BUNDLE, root);
}

export type { EnsuredBundle };

/**
 * Makes sure the engine bundle under `root` is fresh and returns its path: at once when it is,
 * else after building it (or after waiting for another process's build of it).
 * @throws EngineBuildError naming the build's exit and the end of its stderr (a TypeScript syntax
 *   error, a package the image would not install, …), or the lock's holder after 5 minutes.
 */
export function ensureEngineBundle(root = REPO_ROOT): Promise<EnsuredBundle> {
  return ensureBundle(ENGINE_BUNDLE, root, (message, cause) => new EngineBuildError(message, { cause }));
}
