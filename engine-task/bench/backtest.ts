/**
 * `npm run bench -- --backtest`: how fast a backtest goes, as recorded days per wall second, on
 * sparse data (3 months of real 5-minute candles, `configs/real-btc-candles-5m.yaml`, and the
 * 2 days of 15-minute candles) and dense data (the shipped order books), measured three ways in
 * the same run (issue 19):
 * - the engine alone, in this process: `ShardRunner` on virtual time into a ledger that keeps
 *   nothing, jumping time (the default) and turning every heartbeat interval (the loop before
 *   issue 19, `virtualTurns: 'every-interval'`), with the loop's turns;
 * - the engine as a process (memory store), boot included: the bundle the image and the local
 *   fleet run (`node --enable-source-maps engine-task/dist/main.mjs CONFIG --virtual`), and its
 *   TypeScript sources through tsx (`npm run engine -- CONFIG --virtual`);
 * - the local fleet: `npm run arbfleet -- run CONFIG --no-dashboard` (SQLite store, one engine
 *   process per shard, the report; the CLI from its bundle, cli/dist/arbfleet.mjs), its engines
 *   on the bundle (the default) and, side by side, through tsx as before the bundle
 *   (`ARBFLEET_ENGINE_TSX=1`); the same started as `node bin/arbfleet.mjs` (no npm), and with the
 *   CLI through tsx as before its bundle (`ARBFLEET_CLI_TSX=1`), each with where its time went,
 *   read from its own files: the CLI's start up to the campaign's creation, the launch, the
 *   engine's boot (launched → `shard started`), its run (`shard started` → `shard ended`), and the
 *   rest (completion, report, exit).
 * Targets: the 5-minute candles through the fleet in ≤ 5 s, and the fleet within 2× the engine
 * alone. A benchmark, not a test: it reports and flags targets missed, never fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCampaignFile } from '../../core/config/load-config.js';
import { ensureEngineBundle } from '../../core/local/engine-bundle.js';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import type { Fill } from '../../core/model/fill.js';
import type { RestorePoint, ShardPersistence } from '../../core/ports.js';
import { silentLogger } from '../../core/log.js';
import { ShardRunner, type RunnerOptions } from '../src/runner.js';

const DAY_MS = 86_400_000;
/** The targets of issue 19, on the 5-minute candles. */
export const BACKTEST_TARGETS = { fleetSeconds: 5, fleetToEngine: 2 };

/** Persistence that keeps nothing: the engine alone, not a store. */
class DiscardingPersistence implements ShardPersistence {
  readonly key = { campaignId: 'bench', shardId: 'shard-000' };
  readonly generation = 0;
  async restore(): Promise<RestorePoint> {
    return { checkpoint: null, ledgerTail: [] };
  }
  async heartbeat(): Promise<void> {}
  async commit(_fills: readonly Fill[], _checkpoint: Checkpoint | null): Promise<void> {}
}

/** One data set: a config file the CLI can run, and how dense it is. */
interface DataSet {
  name: string;
  density: 'sparse' | 'dense';
  config: string;
}

export interface EngineTiming {
  wallMs: number;
  /** CPU time of this process over the run (user + system), seconds: on a loaded machine, the steadier figure. */
  cpuSec: number;
  recordedDays: number;
  daysPerSec: number;
  turns: number;
  ticks: number;
  trades: number;
}

async function engineAlone(campaign: Campaign, virtualTurns: RunnerOptions['virtualTurns']): Promise<EngineTiming> {
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: campaign.symbols.map((s) => s.base),
    persistence: new DiscardingPersistence(),
    mode: 'virtual',
    log: silentLogger,
    virtualTurns,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const outcome = await runner.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const recordedDays = outcome.engineMs / DAY_MS;
  return {
    wallMs,
    cpuSec: (cpu.user + cpu.system) / 1e6,
    recordedDays,
    daysPerSec: recordedDays / (wallMs / 1000),
    turns: outcome.turns,
    ticks: outcome.ticks,
    trades: outcome.trades,
  };
}

/** Runs a command (`env` added to this process's), timed: wall ms, and the CPU seconds of it and its children where GNU time is there to say. */
function timed(command: string[], cwd: string, env: Record<string, string> = {}): { wallMs: number; cpuSec?: number; status: number | null; stderr: string } {
  const gnuTime = existsSync('/usr/bin/time');
  const timeFile = join(mkdtempSync(join(tmpdir(), 'arbfleet-bench-time-')), 'time');
  const argv = gnuTime ? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...command] : command;
  const t0 = performance.now();
  const child = spawnSync(argv[0] as string, argv.slice(1), { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t0;
  let cpuSec: number | undefined;
  if (gnuTime && existsSync(timeFile)) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSec = (user as number) + (sys as number);
  }
  return { wallMs, ...(cpuSec !== undefined ? { cpuSec } : {}), status: child.status, stderr: child.stderr };
}

export interface FleetTiming {
  wallMs: number;
  cpuSec?: number;
  daysPerSec: number;
  /** Where the time went, ms, read from the run folder's events and the engine's log. */
  phases?: { cliStart: number; launch: number; engineBoot: number; engineRun: number; finish: number };
}

/** Milliseconds of the first log line of `event` in the shard's task log, or undefined. */
function logTime(dir: string, event: string): number | undefined {
  const logs = readdirSync(join(dir, 'tasks')).filter((f) => f.endsWith('.log'));
  for (const file of logs) {
    for (const line of readFileSync(join(dir, 'tasks', file), 'utf8').split('\n')) {
      if (!line.includes(`"event":"${event}"`)) continue;
      return Date.parse((JSON.parse(line) as { at: string }).at);
    }
  }
  return undefined;
}

/** How an engine process runs: the bundle the image and the local fleet run, or its sources through tsx (as before the bundle). */
type EngineArtifact = 'bundle' | 'tsx';

/**
 * How the CLI is started: `npm run arbfleet` (its bundle, cli/dist/arbfleet.mjs, through
 * bin/arbfleet.mjs), `node bin/arbfleet.mjs` (the `arbfleet` command without npm), or its
 * sources through tsx as before the bundle (`ARBFLEET_CLI_TSX=1 npm run arbfleet`).
 */
type CliStart = 'npm' | 'bin' | 'tsx';

function fleetRun(config: string, recordedDays: number, engine: EngineArtifact, cli: CliStart = 'npm'): FleetTiming {
  const out = mkdtempSync(join(tmpdir(), 'arbfleet-bench-fleet-'));
  try {
    const startedAt = Date.now();
    const env: Record<string, string> = {
      ...(engine === 'tsx' ? { ARBFLEET_ENGINE_TSX: '1' } : {}),
      ...(cli === 'tsx' ? { ARBFLEET_CLI_TSX: '1' } : {}),
    };
    const args = ['run', config, '--no-dashboard', '--out', out];
    const command = cli === 'bin' ? [process.execPath, resolve('bin/arbfleet.mjs'), ...args] : ['npm', 'run', '-s', 'arbfleet', '--', ...args];
    const run = timed(command, process.cwd(), env);
    const endedAt = startedAt + run.wallMs;
    if (run.status !== 0) throw new Error(`bench: arbfleet run ${config} exited ${run.status}: ${run.stderr.slice(-2000)}`);
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { at: number; type: string; to?: string });
    const created = events.find((e) => e.type === 'campaign.created')?.at;
    const launching = events.find((e) => e.type === 'shard.status' && e.to === 'LAUNCHING')?.at;
    const started = logTime(out, 'shard started');
    const ended = logTime(out, 'shard ended');
    const timing: FleetTiming = {
      wallMs: run.wallMs,
      ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}),
      daysPerSec: recordedDays / (run.wallMs / 1000),
    };
    if (created !== undefined && launching !== undefined && started !== undefined && ended !== undefined) {
      timing.phases = {
        cliStart: created - startedAt,
        launch: launching - created,
        engineBoot: started - launching,
        engineRun: ended - started,
        finish: endedAt - ended,
      };
    }
    return timing;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function engineProcess(config: string, engine: EngineArtifact, bundle: string): { wallMs: number; cpuSec?: number } {
  const command =
    engine === 'bundle'
      ? [process.execPath, '--enable-source-maps', bundle, config, '--virtual', '--json']
      : ['npm', 'run', '-s', 'engine', '--', config, '--virtual', '--json'];
  const run = timed(command, process.cwd());
  if (run.status !== 0) throw new Error(`bench: ${command.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  return { wallMs: run.wallMs, ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}) };
}

export interface BacktestResult {
  name: string;
  density: 'sparse' | 'dense';
  config: string;
  engine: EngineTiming;
  engineTurningEveryInterval: EngineTiming;
  /** The engine bundle as a process. */
  engineProcess: { wallMs: number; cpuSec?: number };
  /** The engine's sources through tsx as a process (`npm run engine`). */
  engineProcessTsx: { wallMs: number; cpuSec?: number };
  /** The local fleet, its engines on the bundle (the default). */
  fleet: FleetTiming;
  /** The local fleet, its engines through tsx (`ARBFLEET_ENGINE_TSX=1`, as before the bundle). */
  fleetTsx: FleetTiming;
  /** The local fleet started as `node bin/arbfleet.mjs` (no npm). */
  fleetBin: FleetTiming;
  /** The local fleet, its CLI through tsx (`ARBFLEET_CLI_TSX=1`, as before the CLI bundle). */
  fleetCliTsx: FleetTiming;
  fleetToEngine: number;
  targets?: { met: boolean; missed: string[] };
}

/** Median of `runs` results by wall time. */
async function median<T extends { wallMs: number }>(runs: number, measure: () => Promise<T> | T): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  return results.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs / 2)] as T;
}

/** Measures every data set; `runs` repetitions of each measure (the median by wall time is kept). */
export async function benchBacktest(runs: number, note: (line: string) => void): Promise<{ loadAverage: number[]; cpu: string; results: BacktestResult[] }> {
  const sets: DataSet[] = [
    { name: '3 months of 5-minute candles (31,121 quotes)', density: 'sparse', config: resolve('configs/real-btc-candles-5m.yaml') },
    { name: '2 days of 15-minute candles (400 quotes)', density: 'sparse', config: resolve('configs/real-btc-candles.yaml') },
    { name: 'the shipped order books (11 snapshots, 2.5 min)', density: 'dense', config: resolve('configs/real-btc-orderbooks.yaml') },
  ];
  const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
  const results: BacktestResult[] = [];
  // Built (if stale) before any measure, so that no run pays for a build: the engine's bundle and the CLI's.
  const bundle = (await ensureEngineBundle()).main;
  const cliBuild = spawnSync(process.execPath, [resolve('bin/arbfleet.mjs'), '--version'], { encoding: 'utf8' });
  if (cliBuild.status !== 0) throw new Error(`bench: bin/arbfleet.mjs --version exited ${cliBuild.status}: ${cliBuild.stderr}`);
  for (const set of sets) {
    const campaign = loadCampaignFile(set.config);
    note(`bench: ${set.name}: the engine alone...`);
    await engineAlone(campaign, 'jump'); // warm-up: JIT, file cache
    const engine = await median(runs, () => engineAlone(campaign, 'jump'));
    const engineTurningEveryInterval = await engineAlone(campaign, 'every-interval');
    note(`bench: ${set.name}: the engine as a process, the local fleet...`);
    const proc = await median(runs, () => engineProcess(set.config, 'bundle', bundle));
    const procTsx = await median(runs, () => engineProcess(set.config, 'tsx', bundle));
    const fleet = await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle'));
    const fleetTsx = await median(runs, () => fleetRun(set.config, engine.recordedDays, 'tsx'));
    const fleetBin = await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle', 'bin'));
    const fleetCliTsx = await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle', 'tsx'));
    const result: BacktestResult = {
      ...set,
      engine,
      engineTurningEveryInterval,
      engineProcess: proc,
      engineProcessTsx: procTsx,
      fleet,
      fleetTsx,
      fleetBin,
      fleetCliTsx,
      fleetToEngine: Math.round((fleet.wallMs / engine.wallMs) * 100) / 100,
    };
    if (set.config.endsWith('real-btc-candles-5m.yaml')) {
      const missed: string[] = [];
      if (fleet.wallMs > BACKTEST_TARGETS.fleetSeconds * 1000) missed.push(`fleet > ${BACKTEST_TARGETS.fleetSeconds} s`);
      if (result.fleetToEngine > BACKTEST_TARGETS.fleetToEngine) missed.push(`fleet > ${BACKTEST_TARGETS.fleetToEngine}× the engine alone`);
      result.targets = { met: missed.length === 0, missed };
    }
    results.push(result);
  }
  return { loadAverage, cpu: cpus()[0]?.model ?? 'unknown', results };
}

/** The results as a table: one row per data set and way of running it. */
export function backtestTable(results: readonly BacktestResult[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const days = (d: number) => (d >= 100 ? Math.round(d).toLocaleString('en-US') : d.toPrecision(3));
  const cpu = (c?: number) => (c === undefined ? '-' : c.toFixed(2));
  const rows = [['data', 'run', 'wall s', 'CPU s', 'recorded days/s', 'turns', 'trades', 'targets']];
  for (const r of results) {
    const d = r.engine.recordedDays;
    rows.push([
      r.name,
      'engine alone (jumping)',
      s(r.engine.wallMs),
      cpu(r.engine.cpuSec),
      days(r.engine.daysPerSec),
      r.engine.turns.toLocaleString('en-US'),
      String(r.engine.trades),
      '',
    ]);
    const t = r.engineTurningEveryInterval;
    rows.push(['', 'engine alone (every interval)', s(t.wallMs), cpu(t.cpuSec), days(t.daysPerSec), t.turns.toLocaleString('en-US'), String(t.trades), '']);
    const proc = (label: string, p: { wallMs: number; cpuSec?: number }) => ['', label, s(p.wallMs), cpu(p.cpuSec), days(d / (p.wallMs / 1000)), '', '', ''];
    rows.push(proc('node engine-task/dist/main.mjs --virtual', r.engineProcess));
    rows.push(proc('npm run engine -- --virtual (tsx)', r.engineProcessTsx));
    const target = r.targets ? (r.targets.met ? 'met' : `MISSED: ${r.targets.missed.join('; ')}`) : '';
    rows.push(['', `arbfleet run (${r.fleetToEngine}× the engine)`, s(r.fleet.wallMs), cpu(r.fleet.cpuSec), days(r.fleet.daysPerSec), '', '', target]);
    const x = r.fleetTsx;
    rows.push(['', 'arbfleet run, engine through tsx', s(x.wallMs), cpu(x.cpuSec), days(x.daysPerSec), '', '', '']);
    const b = r.fleetBin;
    rows.push(['', 'node bin/arbfleet.mjs run (no npm)', s(b.wallMs), cpu(b.cpuSec), days(b.daysPerSec), '', '', '']);
    const c = r.fleetCliTsx;
    rows.push(['', 'arbfleet run, CLI through tsx', s(c.wallMs), cpu(c.cpuSec), days(c.daysPerSec), '', '', '']);
  }
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const table = rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
  const phases = results.flatMap((r) =>
    (
      [
        ['arbfleet run', r.fleet.phases],
        ['arbfleet run, engine through tsx', r.fleetTsx.phases],
        ['node bin/arbfleet.mjs run (no npm)', r.fleetBin.phases],
        ['arbfleet run, CLI through tsx', r.fleetCliTsx.phases],
      ] as const
    ).flatMap(([label, p]) =>
      p
        ? [
            `${r.name}, ${label}: CLI start ${s(p.cliStart)} s, launch ${s(p.launch)} s, engine boot ${s(p.engineBoot)} s, engine run ${s(p.engineRun)} s, completion, report and exit ${s(p.finish)} s`,
          ]
        : [],
    ),
  );
  return [...table, '', "Where the fleet's time went (its events and the engine's log):", ...phases].join('\n');
}
