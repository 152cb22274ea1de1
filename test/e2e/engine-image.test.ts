/**
 * The engine image without a Docker engine: engine-task/Dockerfile's stages replayed in scratch
 * folders (each stands for its stage's /app): COPY from the build context (what the CDK asset ships:
 * no node_modules, no engine-task/dist) or from an earlier stage, RUN steps of
 * engine-task/stage-image.sh. Then the final stage's ENTRYPOINT runs with only the Dockerfile's ENV,
 * from the final stage's folder, so it can load nothing but what the image holds.
 *
 * Two liberties, both named where they are taken: the build-tools RUN (apt-get) is skipped, and the
 * `runtime` step installs better-sqlite3 with `--ignore-scripts` and takes the native binding this
 * repository's `npm ci` compiled (same version, same install script) instead of compiling it again
 * for two minutes.
 */
import { ms } from '../../core/model/units.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaignFile } from '../../core/config/load-config.js';
import { systemClock } from '../../core/clock.js';
import { pendingShardRecord, planShards } from '../../core/fleet/shard-planner.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { campaignRecord } from '../contract/record-builders.js';
import { ROOT } from '../support/engine-process.js';

const QUICK_START = 'configs/quickstart-top10.yaml';
const DEV_ONLY = ['aws-cdk-lib', 'aws-cdk', 'cdk-nag', 'playwright-core', 'vitest', 'typescript', 'tsx', 'fast-check', '@types/node'];

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  name: string;
  dir: string;
  env: Record<string, string>;
  entrypoint: string[];
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructionsOf(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Copies like the build context the CDK ships: no node_modules, no engine-task/dist, no logs. */
function copyFromContext(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(ROOT, source);
      return !relative.split(path.sep).includes('node_modules') && relative !== path.join('engine-task', 'dist') && !relative.endsWith('.log');
    },
  });
}

function copyInstruction(stage: Stage, args: string, stages: Map<string, Stage>): void {
  const words = args.split(/\s+/);
  const fromFlag = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
  const dest = words.pop()!;
  const source = fromFlag === undefined ? undefined : stages.get(fromFlag);
  if (fromFlag !== undefined && !source) throw new Error(`engine-task/Dockerfile: COPY --from=${fromFlag}, no such stage`);
  for (const src of words) {
    const from = source ? path.join(source.dir, path.relative('/app', src)) : path.join(ROOT, src);
    const to = dest.endsWith('/') ? path.join(stage.dir, dest, path.basename(src)) : path.join(stage.dir, dest);
    mkdirSync(path.dirname(to), { recursive: true });
    if (source) cpSync(from, to, { recursive: true });
    else copyFromContext(from, to);
  }
}

function runInstruction(stage: Stage, args: string): void {
  if (/^apt-get update && apt-get install -y --no-install-recommends python3 make g\+\+/.test(args)) return; // this machine has them
  const step = /^sh engine-task\/stage-image\.sh (deps|bundle|runtime)$/.exec(args)?.[1];
  if (!step) throw new Error(`engine-task/Dockerfile: this test cannot replay "RUN ${args}"; keep RUN to engine-task/stage-image.sh steps`);
  const flags = step === 'runtime' ? ['--ignore-scripts'] : [];
  execFileSync('sh', ['engine-task/stage-image.sh', step, ...flags], { cwd: stage.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  if (step === 'runtime') {
    const release = path.join(stage.dir, 'engine-task/dist/node_modules/better-sqlite3/build/Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), path.join(release, 'better_sqlite3.node'));
  }
}

/** Replays every stage of engine-task/Dockerfile under `scratch`; returns them by name, the last as `final`. */
function replayDockerfile(scratch: string): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  for (const { op, args } of instructionsOf(readFileSync(path.join(ROOT, 'engine-task/Dockerfile'), 'utf8'))) {
    if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? 'final';
      stage = { name, dir: path.join(scratch, name), env: {}, entrypoint: [] };
      mkdirSync(stage.dir);
      stages.set(name, stage);
      continue;
    }
    if (!stage) throw new Error(`engine-task/Dockerfile: ${op} before FROM`);
    if (op === 'WORKDIR') expect(args, 'every stage works in /app').toBe('/app');
    else if (op === 'COPY') copyInstruction(stage, args, stages);
    else if (op === 'RUN') runInstruction(stage, args);
    else if (op === 'ENV') for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
    else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args) as string[];
    else if (!['USER', 'HEALTHCHECK', 'STOPSIGNAL', 'CMD'].includes(op)) throw new Error(`engine-task/Dockerfile: this test cannot replay ${op}`);
  }
  return stages;
}

/** Top-level package names in `nodeModules` (scoped ones as `@scope/name`). */
function packagesIn(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => (entry.startsWith('@') ? readdirSync(path.join(nodeModules, entry)).map((name) => `${entry}/${name}`) : [entry]))
    .sort();
}

/** `name` and, transitively, the `dependencies` its installed package.json names. */
function dependencyClosure(nodeModules: string, name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const manifest = JSON.parse(readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) dependencyClosure(nodeModules, dependency, seen);
  return seen;
}

describe('the engine image, built from engine-task/Dockerfile without Docker', () => {
  let scratch: string;
  let stages: Map<string, Stage>;
  let image: Stage;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'arbfleet-engine-image-'));
    stages = replayDockerfile(scratch);
    image = stages.get('final')!;
  }, 150_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('builds the bundle from the dependencies it inlines and esbuild alone', () => {
    const bundle = stages.get('bundle')!;
    const installed = packagesIn(path.join(bundle.dir, 'node_modules'));
    const inlined = JSON.parse(readFileSync(path.join(ROOT, 'engine-task/bundle-packages.json'), 'utf8')) as string[];
    expect(installed).toEqual(expect.arrayContaining(inlined));
    for (const dev of DEV_ONLY) expect(installed, `${dev} is a dev dependency`).not.toContain(dev);
    // Production dependencies the engine does not bundle: the Lambdas' own, and its one external (installed in the next stage).
    for (const other of ['@aws-lambda-powertools/batch', 'croner', 'better-sqlite3'])
      expect(installed, `${other} is not inlined by the engine`).not.toContain(other);
    expect(packagesIn(path.join(bundle.dir, 'engine-task/node_modules')).filter((p) => !p.startsWith('@esbuild/'))).toEqual(['esbuild']);
  });

  it('holds only the bundle, its one external with that package’s own dependencies, and the configs', () => {
    expect(readdirSync(image.dir).sort()).toEqual(['configs', 'engine-task']);
    expect(readdirSync(path.join(image.dir, 'engine-task'))).toEqual(['dist']);
    const nodeModules = path.join(image.dir, 'engine-task/dist/node_modules');
    const installed = packagesIn(nodeModules);
    expect(installed).toEqual([...dependencyClosure(nodeModules, 'better-sqlite3')].sort());
    for (const absent of [...DEV_ONLY, 'esbuild', 'zod', 'yaml', '@aws-sdk/client-dynamodb']) expect(installed).not.toContain(absent);
    expect(statSync(path.join(image.dir, 'engine-task/dist/main.mjs')).isFile()).toBe(true);
  });

  it("runs each shard of the quick-start campaign on virtual time through the image's ENTRYPOINT, every symbol trading", async () => {
    expect(image.entrypoint[0]).toBe('node');
    const campaign = loadCampaignFile(path.join(ROOT, QUICK_START));
    const shards = planShards(
      campaign.symbols.map((s) => s.base),
      campaign.config.sharding.symbolsPerShard,
    );
    expect(shards.length).toBeGreaterThan(1);
    for (const shard of shards) {
      // The store a fleet would have made: the campaign and this shard's record, which every commit is fenced against.
      const store = path.join(scratch, `${shard.shardId}.db`);
      const campaignId = `c-image-${shard.shardId}`;
      const seed = new SqliteCampaignStore(store, systemClock);
      await seed.createCampaign(campaignRecord(campaignId, 1, { symbols: shard.symbols }), [pendingShardRecord(campaignId, shard, ms(Date.now()))]);
      seed.close();
      const args = [
        QUICK_START,
        '--virtual',
        '--json',
        '--store',
        `sqlite:${store}`,
        '--campaign',
        campaignId,
        '--shard',
        shard.shardId,
        '--symbols',
        shard.symbols.join(','),
        '--shard-index',
        String(shard.index),
      ];
      const env = { PATH: process.env.PATH ?? '', ...image.env, ARBFLEET_HEALTH_FILE: path.join(scratch, `${shard.shardId}.health.json`) };
      const run = spawnSync(process.execPath, [...image.entrypoint.slice(1), ...args], { cwd: image.dir, env, encoding: 'utf8', timeout: 30_000 });
      expect(run.stderr, shard.shardId).toBe('');
      expect(run.status, shard.shardId).toBe(0);
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; symbol?: string; trades?: number; end?: string });
      expect(lines.at(-1), shard.shardId).toMatchObject({ event: 'summary', end: 'completed' });
      const traded = new Map<string, number>();
      for (const line of lines) if (line.event === 'monitor' && line.symbol) traded.set(line.symbol, Math.max(traded.get(line.symbol) ?? 0, line.trades ?? 0));
      for (const symbol of shard.symbols) expect(traded.get(symbol) ?? 0, `${shard.shardId} ${symbol} trades`).toBeGreaterThan(0);
      expect(statSync(store).size, 'the sqlite store, written through better-sqlite3 from the image').toBeGreaterThan(0);
    }
  });
});
