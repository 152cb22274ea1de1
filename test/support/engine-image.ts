/**
 * The engine as its container image runs it: `engine-task/build.mjs` (the Dockerfile's build
 * step) run in a scratch working directory so its `engine-task/dist` lands there and not in the
 * repository, then `main.mjs` copied ALONE into an image-like folder whose node_modules holds only
 * the bundle's one external, better-sqlite3, and that package's own dependencies (what
 * `npm prune --omit=dev` leaves the engine).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeProcess } from './engine-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the engine bundle into a scratch directory; returns the folder holding `main.mjs`. */
export function buildEngineBundle(): string {
  const scratch = mkdtempSync(path.join(tmpdir(), 'arbfleet-engine-build-'));
  // build.mjs writes engine-task/dist relative to its working directory and reads its sources the same way.
  mkdirSync(path.join(scratch, 'engine-task'));
  for (const [link, target] of [
    ['engine-task/src', 'engine-task/src'],
    // build.mjs checks what the bundle inlines against this list (what the image's build stage installs).
    ['engine-task/bundle-packages.json', 'engine-task/bundle-packages.json'],
    // build.mjs records its own inputs (BUILD_FILES, itself included) in engine-task/dist/build-inputs.json.
    ['engine-task/build.mjs', 'engine-task/build.mjs'],
    ['core', 'core'],
    ['configs', 'configs'],
    ['node_modules', 'node_modules'],
    ['package.json', 'package.json'],
    ['tsconfig.json', 'tsconfig.json'],
  ] as const) {
    symlinkSync(path.join(REPO_ROOT, target), path.join(scratch, link));
  }
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'engine-task', 'build.mjs')], { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] });
  const dist = path.join(scratch, 'engine-task', 'dist');
  if (!existsSync(path.join(dist, 'main.mjs'))) throw new Error(`engine-task/build.mjs wrote no main.mjs into ${dist}`);
  return dist;
}

/** A package and, recursively, its `dependencies`, linked into `nodeModules` from the repository's. */
function linkProductionPackage(name: string, nodeModules: string, linked = new Set<string>()): void {
  if (linked.has(name)) return;
  linked.add(name);
  const source = path.join(REPO_ROOT, 'node_modules', name);
  mkdirSync(path.dirname(path.join(nodeModules, name)), { recursive: true });
  symlinkSync(source, path.join(nodeModules, name));
  const manifest = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) linkProductionPackage(dependency, nodeModules, linked);
}

/** An image-like folder: `/app/engine-task/dist/main.mjs` (+ map) and `/app/node_modules/better-sqlite3` (+ its dependencies). */
export function stageEngineImage(dist: string): { appDir: string; main: string } {
  const appDir = mkdtempSync(path.join(tmpdir(), 'arbfleet-engine-image-'));
  const distDir = path.join(appDir, 'engine-task', 'dist');
  mkdirSync(distDir, { recursive: true });
  for (const file of ['main.mjs', 'main.mjs.map']) if (existsSync(path.join(dist, file))) copyFileSync(path.join(dist, file), path.join(distDir, file));
  linkProductionPackage('better-sqlite3', path.join(appDir, 'node_modules'));
  return { appDir, main: path.join(distDir, 'main.mjs') };
}

/** Starts the staged engine with exactly `environment` (plus PATH and the Dockerfile's ENV), as the container would. */
export function startEngineImage(image: { appDir: string; main: string }, environment: Record<string, string>): NodeProcess {
  const dockerfileEnv = { NODE_ENV: 'production', ARBFLEET_HEALTH_FILE: path.join(image.appDir, 'health.json') };
  const child = spawn(process.execPath, [image.main, '--json'], {
    cwd: image.appDir,
    env: { PATH: process.env.PATH ?? '', ...dockerfileEnv, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}
