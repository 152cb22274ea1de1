/**
 * The local fleet runs the engine bundle the image runs (`core/local/engine-bundle.ts`), built on
 * first use and again whenever a file it was built from changed. Exercised on a copy of the
 * sources (so the repository's own bundle is left alone): the real `engine-task/build.mjs`, real
 * files changed, the real lock.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineBuildError, engineBundlePaths, engineBundleStaleness, ensureEngineBundle } from '../../core/local/engine-bundle.js';
import { ROOT } from '../support/engine-process.js';

/** The files `build.mjs` reads, copied (sources) or linked (node_modules) into a scratch root. */
function copyOfTheSources(): string {
  const root = mkdtempSync(join(tmpdir(), 'arbfleet-bundle-fresh-'));
  mkdirSync(join(root, 'engine-task'));
  for (const path of ['core', 'engine-task/src', 'engine-task/build.mjs', 'engine-task/bundle-packages.json', 'package.json', 'tsconfig.json'])
    cpSync(join(ROOT, path), join(root, path), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

describe('the engine bundle the local fleet runs: built on first use, rebuilt when a source changed', () => {
  let root: string;
  beforeAll(() => {
    root = copyOfTheSources();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds a bundle that was never built, taking over a lock older than any build (its pid reused), then finds it fresh', async () => {
    const paths = engineBundlePaths(root);
    expect(await engineBundleStaleness(root)).toMatch(/^never built/);
    mkdirSync(join(root, 'engine-task/dist'));
    writeFileSync(paths.lock, String(process.pid)); // a live pid...
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(paths.lock, hourAgo, hourAgo); // ...on a lock taken an hour ago
    const first = await ensureEngineBundle(root);
    expect(first.built?.reason).toMatch(/^never built/);
    expect(first.main).toBe(join(root, 'engine-task/dist/main.mjs'));
    expect(statSync(first.main).size).toBeGreaterThan(1_000_000);
    expect(existsSync(paths.lock)).toBe(false);
    expect(await engineBundleStaleness(root)).toBeUndefined();
    expect(await ensureEngineBundle(root)).toEqual({ main: first.main });
  });

  it('a file touched but not changed stays fresh; a source changed makes the next launch rebuild, once for two launches at once', async () => {
    const runner = join(root, 'engine-task/src/runner.ts');
    const earlier = new Date(Date.now() - 10_000);
    utimesSync(runner, earlier, earlier);
    expect(await engineBundleStaleness(root)).toBeUndefined();

    const main = join(root, 'engine-task/src/main.ts');
    const probe = `probe-${process.pid}-${Date.now()}`;
    writeFileSync(main, `${readFileSync(main, 'utf8')}\nexport const FRESHNESS_PROBE = '${probe}';\n`);
    utimesSync(main, new Date(Date.now() - 5_000), new Date(Date.now() - 5_000)); // settled before the build starts
    expect(await engineBundleStaleness(root)).toBe('engine-task/src/main.ts changed since the last build');
    const both = await Promise.all([ensureEngineBundle(root), ensureEngineBundle(root)]);
    expect(both.filter((b) => b.built !== undefined).map((b) => b.built?.reason)).toEqual(['engine-task/src/main.ts changed since the last build']);
    expect(readFileSync(engineBundlePaths(root).main, 'utf8')).toContain(probe);
    expect(await engineBundleStaleness(root)).toBeUndefined();
  });

  it('a bundle replaced behind its record is stale (two builds racing from different sources)', async () => {
    const { main } = engineBundlePaths(root);
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n// another build's bytes\n`);
    expect(await engineBundleStaleness(root)).toBe('engine-task/dist/main.mjs changed since the last build');
  });

  it('a source that does not build fails the launch with the build’s own words (file, line, what is wrong), after taking over a dead process’s lock', async () => {
    const broken = join(root, 'engine-task/src/healthcheck.ts');
    writeFileSync(broken, `${readFileSync(broken, 'utf8')}\nconst = ;\n`);
    writeFileSync(engineBundlePaths(root).lock, '2147483646'); // above any pid Linux hands out: a holder that died
    const error = await ensureEngineBundle(root).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EngineBuildError);
    expect((error as EngineBuildError).kind).toBe('launch-failed');
    expect((error as Error).message).toMatch(/^could not build the engine bundle \(engine-task\/\S+ changed since the last build\): /);
    expect((error as Error).message).toMatch(/\[ERROR\] Expected identifier but found "="\n\n\s+engine-task\/src\/healthcheck\.ts:\d+:\d+:/);
    expect((error as Error).message).toMatch(/engine-task\/build\.mjs: esbuild found 1 error\(s\); nothing written$/);
    expect(existsSync(engineBundlePaths(root).lock)).toBe(false);
  });
});
