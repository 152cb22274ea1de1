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
 * With `--peer` (`peer.ts`), nautilus_trader runs the same rule on the 5-minute candles in the same
 * run, timed as a process; `--peer` without `--backtest` measures only that data set, through the
 * engine alone, the local fleet and the peer.
 * Targets: the 5-minute candles through the fleet in ≤ 5 s, five times faster than the peer, and
 * the fleet within 2× the engine alone. A benchmark, not a test: it reports and flags targets
 * missed, never fails.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCampaignFile } from '../../core/config/load-config.js';
import { ensureEngineBundle } from '../../core/local/engine-bundle.js';
import { compileCacheEnvironment } from '../../core/local/process-launcher.js';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import type { Fill } from '../../core/model/fill.js';
import type { RestorePoint, ShardPersistence } from '../../core/ports.js';
import { silentLogger } from '../../core/log.js';
import { ShardRunner, type RunnerOptions } from '../src/runner.js';
import { type PeerSkipped, type PeerTiming, peerPython, peerSpecOf, runPeer } from './peer.js';
import { timed } from './timed.js';

const DAY_MS = 86_400_000;
/** The targets of issue 19, on the 5-minute candles: fleet wall seconds, fleet/engine-alone, peer/fleet. */
export const BACKTEST_TARGETS = { fleetSeconds: 5, fleetToEngine: 2, peerToFleet: 5 };

/**
 * Persistence that keeps nothing but a digest of the trades: the engine alone, not a store. The
 * digest is SHA-256 over one line per trade event, `<ts> <OPEN|CLOSE> <venue A's side>` in ledger
 * order, the same `peer_nautilus.py` prints, so the bench sees the peer made the very same trades.
 */
class DiscardingPersistence implements ShardPersistence {
  readonly key = { campaignId: 'bench', shardId: 'shard-000' };
  readonly generation = 0;
  private readonly trades = createHash('sha256');
  async restore(): Promise<RestorePoint> {
    return { checkpoint: null, ledgerTail: [] };
  }
  async heartbeat(): Promise<void> {}
  async commit(fills: readonly Fill[], _checkpoint: Checkpoint | null): Promise<void> {
    for (const f of fills) if (f.venue === 'A') this.trades.update(`${f.ts} ${f.kind} ${f.side}\n`);
  }
  digest(): string {
    return this.trades.digest('hex');
  }
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
  /** SHA-256 of the trades' opens and closes (`DiscardingPersistence`). */
  tradeDigest: string;
}

async function engineAlone(campaign: Campaign, virtualTurns: RunnerOptions['virtualTurns']): Promise<EngineTiming> {
  const persistence = new DiscardingPersistence();
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: campaign.symbols.map((s) => s.base),
    persistence,
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
    tradeDigest: persistence.digest(),
  };
}

export interface FleetTiming {
  wallMs: number;
  cpuSec?: number;
  /** Trades of the run, from its engine's summary line. */
  trades?: number;
  daysPerSec: number;
  /** Where the time went, ms, read from the run folder's events and the engine's log. */
  phases?: { cliStart: number; launch: number; engineBoot: number; engineRun: number; finish: number };
}

/** The first log line of `event` in the shard's task log, parsed, or undefined. */
function logLine(dir: string, event: string): { at: string; trades?: number } | undefined {
  const logs = readdirSync(join(dir, 'tasks')).filter((f) => f.endsWith('.log'));
  for (const file of logs) {
    for (const line of readFileSync(join(dir, 'tasks', file), 'utf8').split('\n')) {
      if (line.includes(`"event":"${event}"`)) return JSON.parse(line) as { at: string; trades?: number };
    }
  }
  return undefined;
}

/** Milliseconds of the first log line of `event` in the shard's task log, or undefined. */
function logTime(dir: string, event: string): number | undefined {
  const line = logLine(dir, event);
  return line === undefined ? undefined : Date.parse(line.at);
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
    const trades = logLine(out, 'summary')?.trades;
    const timing: FleetTiming = {
      wallMs: run.wallMs,
      ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}),
      ...(trades !== undefined ? { trades } : {}),
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

/** `node bin/arbfleet.mjs --version`, timed: the CLI's start without a command. */
function cliVersion(): { wallMs: number; cpuSec?: number } {
  const run = timed([process.execPath, resolve('bin/arbfleet.mjs'), '--version'], process.cwd());
  if (run.status !== 0) throw new Error(`bench: bin/arbfleet.mjs --version exited ${run.status}: ${run.stderr.slice(-2000)}`);
  return { wallMs: run.wallMs, ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}) };
}

/**
 * The engine as a process on `config`, as the local fleet starts it (`defaultEngineCommand`: the
 * bundle with source maps, Node's compile cache on through `compileCacheEnvironment`), with its
 * memory store: what the fleet adds is measured against the same start.
 */
function engineProcess(config: string, engine: EngineArtifact, bundle: string): { wallMs: number; cpuSec?: number } {
  const command =
    engine === 'bundle'
      ? [process.execPath, '--enable-source-maps', bundle, config, '--virtual', '--json']
      : ['npm', 'run', '-s', 'engine', '--', config, '--virtual', '--json'];
  const run = timed(command, process.cwd(), compileCacheEnvironment());
  if (run.status !== 0) throw new Error(`bench: ${command.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  return { wallMs: run.wallMs, ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}) };
}

export interface BacktestResult {
  name: string;
  density: 'sparse' | 'dense';
  config: string;
  engine: EngineTiming;
  /** The measures below but the fleet on the bundle are left out of `--peer` alone (`BacktestOptions.peerOnly`). */
  engineTurningEveryInterval?: EngineTiming;
  /** The engine bundle as a process. */
  engineProcess?: { wallMs: number; cpuSec?: number };
  /** The engine's sources through tsx as a process (`npm run engine`). */
  engineProcessTsx?: { wallMs: number; cpuSec?: number };
  /** The local fleet, its engines on the bundle (the default). */
  fleet: FleetTiming;
  /** The local fleet, its engines through tsx (`ARBFLEET_ENGINE_TSX=1`, as before the bundle). */
  fleetTsx?: FleetTiming;
  /** The local fleet started as `node bin/arbfleet.mjs` (no npm). */
  fleetBin?: FleetTiming;
  /** The local fleet, its CLI through tsx (`ARBFLEET_CLI_TSX=1`, as before the CLI bundle). */
  fleetCliTsx?: FleetTiming;
  /** The CLI's start alone, `node bin/arbfleet.mjs --version` (the 5-minute candles' row only): its bundle's freshness check, the entry's load, commander. */
  cliVersion?: { wallMs: number; cpuSec?: number };
  fleetToEngine: number;
  /**
   * The fleet's wall time over the engine bundle run as a process with its memory store (Node's
   * start, the bundle's load and the data's read included, as the fleet's engine pays them): what
   * the fleet adds to running the engine at all. Not issue 19's target (that is `fleetToEngine`,
   * against the engine in this process, warm), shown beside it: the engine as a process is itself
   * several times its in-process run.
   */
  fleetToEngineProcess?: number;
  /** nautilus_trader on the same rule and candles (`--peer`, the 5-minute candles only), or why it did not run. */
  peer?: PeerTiming | PeerSkipped;
  /** The peer's wall time over the fleet's: how many times faster the fleet is. */
  peerToFleet?: number;
  targets?: { met: boolean; missed: string[] };
}

/** What `benchBacktest` measures beyond the defaults. */
export interface BacktestOptions {
  /** Run the peer on the 5-minute candles with this Python (`peer.ts`: `--peer-python`, else `ARBFLEET_PEER_PYTHON`). */
  peer?: { python?: string };
  /** `--peer` alone: the 5-minute candles only, through the engine alone (jumping), the fleet on its bundle and the peer. */
  peerOnly?: boolean;
}

/**
 * Issue 19's targets a result of the 5-minute candles misses: the fleet over 5 s, over 2× the
 * engine alone, less than 5× faster than the peer (when it ran), and the peer's trades not the
 * very same as the engine's (count and digest).
 */
export function targetsMissed(r: Pick<BacktestResult, 'engine' | 'fleet' | 'fleetToEngine' | 'peer' | 'peerToFleet'>): string[] {
  const missed: string[] = [];
  if (r.fleet.wallMs > BACKTEST_TARGETS.fleetSeconds * 1000) missed.push(`fleet > ${BACKTEST_TARGETS.fleetSeconds} s`);
  if (r.fleetToEngine > BACKTEST_TARGETS.fleetToEngine) missed.push(`fleet > ${BACKTEST_TARGETS.fleetToEngine}× the engine alone`);
  const peer = r.peer;
  if (peer === undefined || 'skipped' in peer) return missed;
  if (r.peerToFleet !== undefined && r.peerToFleet < BACKTEST_TARGETS.peerToFleet) missed.push(`fleet < ${BACKTEST_TARGETS.peerToFleet}× faster than the peer`);
  if (peer.trades !== r.engine.trades || peer.tradeDigest !== r.engine.tradeDigest)
    missed.push(
      `trades differ: the peer's ${peer.trades} (digest ${peer.tradeDigest.slice(0, 12)}), the engine's ${r.engine.trades} (${r.engine.tradeDigest.slice(0, 12)})`,
    );
  return missed;
}

/** Median of `runs` results by wall time. */
async function median<T extends { wallMs: number }>(runs: number, measure: () => Promise<T> | T): Promise<T> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  return results.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs / 2)] as T;
}

const CANDLES_5M = 'real-btc-candles-5m.yaml';

/** The peer on `campaign`, the median of `runs` by wall time; a run that fails makes it skipped. */
function peerRuns(runs: number, campaign: Campaign, python: string | undefined, note: (line: string) => void): PeerTiming | PeerSkipped {
  const spec = peerSpecOf(campaign);
  if ('skipped' in spec) return spec;
  const found = peerPython(python);
  if ('skipped' in found) return found;
  note(`bench: the peer, nautilus_trader ${found.version} (${found.python})...`);
  const timings: PeerTiming[] = [];
  for (let i = 0; i < runs; i++) {
    const run = runPeer(found.python, spec);
    if ('skipped' in run) return run;
    timings.push(run);
  }
  return timings.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs / 2)] as PeerTiming;
}

/** Measures every data set (`--peer` alone: the 5-minute candles); `runs` repetitions of each measure (the median by wall time is kept). */
export async function benchBacktest(
  runs: number,
  note: (line: string) => void,
  options: BacktestOptions = {},
): Promise<{ loadAverage: number[]; cpu: string; results: BacktestResult[] }> {
  const sets: DataSet[] = [
    { name: '3 months of 5-minute candles (31,121 quotes)', density: 'sparse', config: resolve(`configs/${CANDLES_5M}`) },
    { name: '2 days of 15-minute candles (400 quotes)', density: 'sparse', config: resolve('configs/real-btc-candles.yaml') },
    { name: 'the shipped order books (11 snapshots, 2.5 min)', density: 'dense', config: resolve('configs/real-btc-orderbooks.yaml') },
  ].slice(0, options.peerOnly ? 1 : undefined) as DataSet[];
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
    const all = !options.peerOnly;
    const engineTurningEveryInterval = all ? await engineAlone(campaign, 'every-interval') : undefined;
    note(`bench: ${set.name}: ${all ? 'the engine as a process, ' : ''}the local fleet...`);
    const proc = all ? await median(runs, () => engineProcess(set.config, 'bundle', bundle)) : undefined;
    const procTsx = all ? await median(runs, () => engineProcess(set.config, 'tsx', bundle)) : undefined;
    const fleet = await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle'));
    const fleetTsx = all ? await median(runs, () => fleetRun(set.config, engine.recordedDays, 'tsx')) : undefined;
    const fleetBin = all ? await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle', 'bin')) : undefined;
    const fleetCliTsx = all ? await median(runs, () => fleetRun(set.config, engine.recordedDays, 'bundle', 'tsx')) : undefined;
    const result: BacktestResult = {
      ...set,
      engine,
      ...(engineTurningEveryInterval ? { engineTurningEveryInterval } : {}),
      ...(proc ? { engineProcess: proc } : {}),
      ...(procTsx ? { engineProcessTsx: procTsx } : {}),
      fleet,
      ...(fleetTsx ? { fleetTsx } : {}),
      ...(fleetBin ? { fleetBin } : {}),
      ...(fleetCliTsx ? { fleetCliTsx } : {}),
      fleetToEngine: Math.round((fleet.wallMs / engine.wallMs) * 100) / 100,
      ...(proc ? { fleetToEngineProcess: Math.round((fleet.wallMs / proc.wallMs) * 100) / 100 } : {}),
    };
    if (set.config.endsWith(CANDLES_5M)) {
      if (all) result.cliVersion = await median(runs, cliVersion);
      if (options.peer) {
        result.peer = peerRuns(runs, campaign, options.peer.python, note);
        if (!('skipped' in result.peer)) result.peerToFleet = Math.round((result.peer.wallMs / fleet.wallMs) * 100) / 100;
      }
      const missed = targetsMissed(result);
      result.targets = { met: missed.length === 0, missed };
    }
    results.push(result);
  }
  return { loadAverage, cpu: cpus()[0]?.model ?? 'unknown', results };
}

/** The results as a table: one row per data set and way of running it, then where the fleet's time went and the peer's details. */
export function backtestTable(results: readonly BacktestResult[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const days = (d: number) => (d >= 100 ? Math.round(d).toLocaleString('en-US') : d.toPrecision(3));
  const cpu = (c?: number) => (c === undefined ? '-' : c.toFixed(2));
  const trades = (n?: number) => (n === undefined ? '' : String(n));
  const rows = [['data', 'run', 'wall s', 'CPU s', 'recorded days/s', 'turns', 'trades', 'targets']];
  const peerLines: string[] = [];
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
    if (t)
      rows.push(['', 'engine alone (every interval)', s(t.wallMs), cpu(t.cpuSec), days(t.daysPerSec), t.turns.toLocaleString('en-US'), String(t.trades), '']);
    const proc = (label: string, p: { wallMs: number; cpuSec?: number }) => ['', label, s(p.wallMs), cpu(p.cpuSec), days(d / (p.wallMs / 1000)), '', '', ''];
    if (r.engineProcess) rows.push(proc('node engine-task/dist/main.mjs --virtual', r.engineProcess));
    if (r.engineProcessTsx) rows.push(proc('npm run engine -- --virtual (tsx)', r.engineProcessTsx));
    const target = r.targets ? (r.targets.met ? 'met' : `MISSED: ${r.targets.missed.join('; ')}`) : '';
    rows.push([
      '',
      `arbfleet run (${r.fleetToEngine}× the engine${r.fleetToEngineProcess !== undefined ? `, ${r.fleetToEngineProcess}× it as a process` : ''})`,
      s(r.fleet.wallMs),
      cpu(r.fleet.cpuSec),
      days(r.fleet.daysPerSec),
      '',
      trades(r.fleet.trades),
      target,
    ]);
    const fleetRow = (label: string, x?: FleetTiming) => {
      if (x) rows.push(['', label, s(x.wallMs), cpu(x.cpuSec), days(x.daysPerSec), '', trades(x.trades), '']);
    };
    fleetRow('arbfleet run, engine through tsx', r.fleetTsx);
    fleetRow('node bin/arbfleet.mjs run (no npm)', r.fleetBin);
    fleetRow('arbfleet run, CLI through tsx', r.fleetCliTsx);
    const peer = r.peer;
    if (peer && 'skipped' in peer) peerLines.push(`${r.name}: the peer did not run: ${peer.skipped}`);
    else if (peer) {
      rows.push([
        '',
        `nautilus_trader (the fleet ${r.peerToFleet}× faster)`,
        s(peer.wallMs),
        cpu(peer.cpuSec),
        days(d / (peer.wallMs / 1000)),
        '',
        String(peer.trades),
        '',
      ]);
      const sec = (x: number) => x.toFixed(2);
      const by = (counts: Record<string, number>) =>
        Object.entries(counts)
          .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
          .join(', ') || 'none';
      peerLines.push(
        `${r.name}, nautilus_trader ${peer.nautilusTrader} on Python ${peer.python} (engine-task/bench/peer_nautilus.py): import ${sec(peer.seconds.import)} s, ` +
          `load ${sec(peer.seconds.load)} s, run ${sec(peer.seconds.run)} s (in the script; the row's wall is the process, start to exit); ` +
          (peer.cpuSec !== undefined && r.fleet.cpuSec !== undefined
            ? `CPU: the fleet ${(peer.cpuSec / r.fleet.cpuSec).toFixed(1)}× less (steadier than wall on a loaded machine); `
            : '') +
          `${peer.bars.toLocaleString('en-US')} bars, ${peer.decisions.toLocaleString('en-US')} decisions, ${peer.trades.toLocaleString('en-US')} trades ` +
          `(${peer.ordersFilled.toLocaleString('en-US')} of ${peer.orders.toLocaleString('en-US')} market orders filled); refusals: ${by(peer.refusals)}; exits: ${by(peer.exits)}; ` +
          `trades ${peer.tradeDigest === r.engine.tradeDigest ? 'the very same as' : 'DIFFERENT from'} the engine's ${r.engine.trades} (each open and close at the same time and side: SHA-256 ${peer.tradeDigest.slice(0, 12)}…)` +
          (r.fleet.trades !== undefined ? ` and ${peer.trades === r.fleet.trades ? 'equal to' : 'DIFFERENT from'} the fleet's ${r.fleet.trades}` : ''),
      );
    }
  }
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const table = rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
  const phases = results.flatMap((r) =>
    (
      [
        ['arbfleet run', r.fleet.phases],
        ['arbfleet run, engine through tsx', r.fleetTsx?.phases],
        ['node bin/arbfleet.mjs run (no npm)', r.fleetBin?.phases],
        ['arbfleet run, CLI through tsx', r.fleetCliTsx?.phases],
      ] as const
    ).flatMap(([label, p]) =>
      p
        ? [
            `${r.name}, ${label}: CLI start ${s(p.cliStart)} s, launch ${s(p.launch)} s, engine boot ${s(p.engineBoot)} s, engine run ${s(p.engineRun)} s, completion, report and exit ${s(p.finish)} s`,
          ]
        : [],
    ),
  );
  for (const r of results)
    if (r.cliVersion)
      phases.push(`${r.name}: the CLI's start alone, node bin/arbfleet.mjs --version: ${s(r.cliVersion.wallMs)} s (CPU ${cpu(r.cliVersion.cpuSec)} s)`);
  const peerPart = peerLines.length > 0 ? ['', 'The peer (nautilus_trader, the same rule on the same candles):', ...peerLines] : [];
  return [...table, '', "Where the fleet's time went (its events and the engine's log):", ...phases, ...peerPart].join('\n');
}
