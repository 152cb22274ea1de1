/**
 * `arbfleet` (bin/arbfleet.mjs, what `npm run arbfleet` and `npx arbfleet` run) starts the CLI's
 * bundle, cli/dist/arbfleet.mjs (cli/build.mjs), built on first use and again whenever a file it
 * was built from changed (core/local/bundle-freshness.mjs). Exercised as real processes on a copy of the
 * sources (the repository's own bundle is left alone): the real build, real files changed.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/engine-process.js';

function copyOfTheSources(): string {
  const root = mkdtempSync(join(tmpdir(), 'arbfleet-cli-bundle-'));
  for (const path of ['bin', 'cli', 'core', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, path), join(root, path), { recursive: true });
  rmSync(join(root, 'cli', 'dist'), { recursive: true, force: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

/** Runs the copy's `arbfleet ARGS`, as a user would (Node 24, from any folder). */
function arbfleet(root: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(root, 'bin', 'arbfleet.mjs'), ...args], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

/** `arbfleet ARGS` as above, started without waiting for it: several may run at once. */
function arbfleetStarting(root: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'arbfleet.mjs'), ...args], {
    cwd: tmpdir(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  return new Promise((done) => child.on('close', (code) => done({ code, out, err })));
}

/** The files the copy's last build wrote (its record's outputs: path from the root → size, mtime, hash). */
function builtOutputs(root: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(root, 'cli', 'dist', 'build-inputs.json'), 'utf8')) as { outputs: Record<string, unknown> }).outputs;
}

/** The text of every JavaScript file the copy's last build wrote, one after the other. */
function distText(root: string): string {
  return Object.keys(builtOutputs(root))
    .filter((path) => path.endsWith('.mjs'))
    .map((path) => readFileSync(join(root, path), 'utf8'))
    .join('\n');
}

/**
 * `arbfleet ARGS` as above, noting every file of the bundle Node loads (a module hook, node:module's
 * `registerHooks`, imported before the CLI starts): which of the build's files the start evaluated.
 */
function arbfleetLoading(root: string, args: string[]) {
  const log = join(root, `loaded-${process.pid}-${Date.now()}.log`);
  const hook = join(root, 'load-hook.mjs');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, fileURLToPath(url) + '\\n'); return next(url, context); } });
`,
  );
  writeFileSync(log, '');
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, join(root, 'bin', 'arbfleet.mjs'), ...args], {
    cwd: tmpdir(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter((file) => file.startsWith(join(root, 'cli', 'dist')));
  return { code: run.status, out: run.stdout, err: run.stderr, loaded };
}

/** Rewrites `path` with `edit` applied, its mtime set in the past (settled before the next build starts). */
function change(path: string, edit: (text: string) => string): void {
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  const earlier = new Date(Date.now() - 5_000);
  utimesSync(path, earlier, earlier);
}

describe('arbfleet runs the CLI bundle: built on first use, rebuilt when a source changed', () => {
  let root: string;
  let bundle: string;
  beforeAll(() => {
    root = copyOfTheSources();
    bundle = join(root, 'cli', 'dist', 'arbfleet.mjs');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a copy never built builds on the first start, then starts the same bundle again', { timeout: 240_000 }, () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(arbfleet(root, ['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' });
    const built = statSync(bundle);
    expect(readFileSync(join(root, 'cli', 'dist', 'build-inputs.json'), 'utf8')).toContain('"cli/program.ts"');
    // Every file the build wrote sits beside the entry (the sources' `new URL('../../…', import.meta.url)` paths hold in any chunk).
    const written = Object.keys(builtOutputs(root));
    expect(written.length).toBeGreaterThan(2);
    expect(written.filter((path) => dirname(path) !== 'cli/dist')).toEqual([]);
    // node:http through require, never an ESM import: its ESM facade loads undici (~60 ms) at every start.
    const text = distText(root);
    expect(text).toContain('require("node:http")');
    expect(text).not.toMatch(/from\s*"node:https?"/);
    expect(arbfleet(root, ['--version']).code).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(built.mtimeMs);
  });

  // The signer and the credential chain are CommonJS packages loaded with import() at the first
  // request: the bundle's chunks give only their default export. Every remote command of the bundle
  // failed with "defaultProvider is not a function" while the in-process tests (tsx) passed.
  it('remote from the bundle: its lazily loaded AWS packages sign the request, and the answer is read', { timeout: 120_000 }, async () => {
    let authorization: string | undefined;
    const api = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'NotFoundError', message: 'no campaign c-none' }));
    });
    await new Promise<void>((listening) => api.listen(0, '127.0.0.1', listening));
    try {
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`;
      const shown = await arbfleetStarting(root, ['remote', '--url', url, '--region', 'us-east-1', 'show', 'c-none'], {
        AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
      });
      expect(shown.err).toBe('arbfleet: remote show c-none: no campaign c-none (`arbfleet remote list` lists the campaigns)\n');
      expect(shown.code).toBe(1);
      expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\/\d{8}\/us-east-1\/execute-api\/aws4_request, /);
    } finally {
      api.close();
    }
  });

  it("--version and --help load no command's code; a command loads its own when it runs", { timeout: 120_000 }, () => {
    // A line of each command's own code, as bundled (a message it writes): all are in the build, none in what --version loads.
    const commandCode = ['not a run folder (no run.json)', 'give at least one --set', 'choose one output format'];
    for (const line of commandCode) expect(distText(root)).toContain(line);
    for (const args of [['--version'], ['--help'], ['run', '--help'], ['data', 'record', '--help']]) {
      const start = arbfleetLoading(root, args);
      expect(start.code, args.join(' ')).toBe(0);
      expect(start.loaded).toContain(bundle);
      for (const line of commandCode)
        expect(
          start.loaded.filter((file) => readFileSync(file, 'utf8').includes(line)),
          `${args.join(' ')}: ${line}`,
        ).toEqual([]);
    }
    const report = arbfleetLoading(root, ['report', join(root, 'no-such-run')]);
    expect(report.code).toBe(2);
    expect(report.err).toContain('not a run folder (no run.json)');
    expect(report.loaded.filter((file) => readFileSync(file, 'utf8').includes('not a run folder (no run.json)'))).toHaveLength(1);
  });

  it('a chunk changed is built again before the start; chunks older than the build before are removed', { timeout: 240_000 }, () => {
    const chunkOf = (line: string) => {
      const [chunk, ...more] = Object.keys(builtOutputs(root)).filter((path) => path.endsWith('.mjs') && readFileSync(join(root, path), 'utf8').includes(line));
      expect(more).toEqual([]);
      return chunk as string;
    };
    const trades = () => arbfleet(root, ['trades', join(root, 'no-such-run'), '--csv', '--json']);
    const tradesChunk = chunkOf('choose one output format');
    expect(tradesChunk).not.toBe('cli/dist/arbfleet.mjs');
    const whole = readFileSync(join(root, tradesChunk), 'utf8');

    writeFileSync(join(root, tradesChunk), whole.replace('choose one output format', 'choose one output format, edited in the bundle'));
    expect(trades()).toMatchObject({ code: 2, err: expect.stringContaining('choose one output format\n') });
    expect(readFileSync(join(root, tradesChunk), 'utf8')).toBe(whole);

    // Two builds with the trades command changed: the chunk of the build before them is removed, the
    // previous build's kept (a CLI started on it may still load it); the copy is left built on the second.
    const source = join(root, 'cli', 'trades-command.ts');
    change(source, (text) => text.replace("'choose one output format'", "'choose one output format (2)'"));
    expect(trades()).toMatchObject({ code: 2, err: expect.stringContaining('choose one output format (2)') });
    const second = chunkOf('choose one output format (2)');
    const secondBuild = Object.keys(builtOutputs(root));
    change(source, (text) => text.replace("'choose one output format (2)'", "'choose one output format (3)'"));
    expect(trades()).toMatchObject({ code: 2, err: expect.stringContaining('choose one output format (3)') });
    expect(existsSync(join(root, tradesChunk))).toBe(false);
    expect(existsSync(join(root, second))).toBe(true);
    const kept = new Set([...secondBuild, ...Object.keys(builtOutputs(root))]);
    const left = readdirSync(join(root, 'cli', 'dist')).map((name) => `cli/dist/${name}`);
    expect(left.filter((path) => /\.mjs(\.map)?$/.test(path) && !kept.has(path))).toEqual([]);
  });

  it('a file touched but not changed stays fresh; package.json or a source changed is rebuilt on the next start, once for two starts at once', {
    timeout: 240_000,
  }, async () => {
    const program = join(root, 'cli', 'program.ts');
    const before = statSync(bundle).mtimeMs;
    change(program, (text) => text);
    expect(arbfleet(root, ['--version']).code).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(before);

    // The copy's build notes each run of it in builds.log: two CLIs starting on a stale bundle build it once (the build lock).
    const builds = join(root, 'builds.log');
    change(join(root, 'cli', 'build.mjs'), (text) => `${text}\n(await import('node:fs')).appendFileSync(${JSON.stringify(builds)}, 'built\\n');\n`);
    change(join(root, 'package.json'), (text) => text.replace(/"version": "[^"]+"/, '"version": "9.8.7"'));
    const both = await Promise.all([arbfleetStarting(root, ['--version']), arbfleetStarting(root, ['--version'])]);
    expect(both).toEqual([
      { code: 0, out: '9.8.7\n', err: '' },
      { code: 0, out: '9.8.7\n', err: '' },
    ]);
    expect(readFileSync(builds, 'utf8')).toBe('built\n');

    change(program, (text) => text.replace('packageJson.version;', "packageJson.version.concat('-rebuilt');"));
    expect(arbfleet(root, ['--version'])).toEqual({ code: 0, out: '9.8.7-rebuilt\n', err: '' });
    expect(readFileSync(bundle, 'utf8')).toContain('-rebuilt');
  });

  it('a source that does not build fails the start with the build’s own words (file, line); ARBFLEET_CLI_TSX=1 runs the sources through tsx', {
    timeout: 240_000,
  }, () => {
    change(join(root, 'cli', 'trades-command.ts'), (text) => `${text}\nconst = ;\n`);
    const failed = arbfleet(root, ['--version']);
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err).toMatch(/^arbfleet: could not build the CLI bundle \(cli\/trades-command\.ts changed since the last build\): /);
    expect(failed.err).toMatch(/ERROR\] Expected identifier[\s\S]*cli\/trades-command\.ts:\d+:\d+/);

    change(join(root, 'cli', 'trades-command.ts'), (text) => text.replace('\nconst = ;\n', ''));
    change(join(root, 'cli', 'program.ts'), (text) => text.replace('-rebuilt', '-tsx'));
    expect(arbfleet(root, ['--version'], { ARBFLEET_CLI_TSX: '1' })).toEqual({ code: 0, out: '9.8.7-tsx\n', err: '' });
    expect(readFileSync(bundle, 'utf8')).not.toContain('-tsx');
  });
});

// The repository's own `npm run arbfleet` goes through the same entry.
it('package.json runs arbfleet and campaign through bin/arbfleet.mjs', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts.arbfleet).toBe('exec node bin/arbfleet.mjs'); // exec: a Ctrl-C's exit is the CLI's (cli-signals.test.ts)
  expect(scripts.campaign).toBe('exec node bin/arbfleet.mjs run');
  expect(execFileSync(process.execPath, [join(ROOT, 'bin', 'arbfleet.mjs'), '--version'], { encoding: 'utf8' })).toMatch(/^\d+\.\d+\.\d+\n$/);
});
