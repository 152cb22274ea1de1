/** Types of bundle-freshness.mjs: the two bundles, their freshness check and build lock. */

/** A bundle built from the repository's sources; paths from the repository root. */
export interface Bundle {
  /** As messages say it: `engine`, `CLI`. */
  readonly name: string;
  /** Its build script: `engine-task/build.mjs`. */
  readonly script: string;
  /** Where the build writes: `engine-task/dist`. */
  readonly outdir: string;
  /** The file that runs: `engine-task/dist/main.mjs`. */
  readonly main: string;
}

export declare const ENGINE_BUNDLE: Bundle;
export declare const CLI_BUNDLE: Bundle;
export declare const RECORD_FILE: string;
export declare const LOCK_FILE: string;

/** The files of one bundle under a root (the repository, or a copy of it in a test). */
export interface BundlePaths {
  root: string;
  /** The bundle that runs. */
  main: string;
  /** The build record the build writes last: `<outdir>/build-inputs.json`. */
  record: string;
  /** The build script. */
  buildScript: string;
  /** Held by the process building: `<outdir>/.build.lock`. */
  lock: string;
}

/** What `ensureBundle` did: the bundle to run, and whether (and why, and how long in ms) it was built. */
export interface EnsuredBundle {
  main: string;
  built?: { reason: string; ms: number };
}

export declare function bundlePaths(bundle: Bundle, root: string): BundlePaths;
export declare function sha256(bytes: Uint8Array): string;
export declare function bundleStaleness(bundle: Bundle, root: string): Promise<string | undefined>;
export declare function ensureBundle(bundle: Bundle, root: string, fail?: (message: string, cause?: unknown) => Error): Promise<EnsuredBundle>;
