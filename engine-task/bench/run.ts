/**
 * `npm run bench`: the engine's throughput, tick-to-decision latency and heap growth at 10, 50
 * and 200 symbols on virtual time, beside the ceiling of a bare loop that only generates ticks
 * and updates books, measured in the same run. `--json` prints one JSON document instead.
 * `--baseline ewma` (or `fixed`) runs the premium-aware rule instead of the shipped one (`none`).
 * A benchmark, not a test: it reports, and flags targets missed, but never fails.
 *
 * `--execution top,top-size,depth` measures each execution model's per-tick cost at `--symbols`
 * (default 50) on the same seeded market with 15-level books, `--latency 0` ms (`execution.ts`).
 *
 * `--watchdog-pass 100,300,1000` measures the control plane instead: the AWS calls of one
 * watchdog pass over that many active shards on moto's server (`watchdog-pass.ts`), by operation.
 *
 * `--backtest [--runs 3]` measures backtest speed instead (`backtest.ts`): recorded days per wall
 * second on real candles and order books, through the engine alone and through the local fleet.
 * `--peer` adds nautilus_trader on the same rule and 5-minute candles (`peer.ts`); alone, it
 * measures that data set only (the engine alone, the fleet, the peer).
 *
 * The options, their defaults and checks: `bench-command-line.ts` (commander; `npm run bench -- --help`).
 */
import { performance } from 'node:perf_hooks';
import { parseCampaignConfig } from '../../core/config/load-config.js';
import { resolveCampaign, type Campaign } from '../../core/config/resolve-campaign.js';
import { symbolUniverse } from '../../core/config/universe.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import type { Fill } from '../../core/model/fill.js';
import type { RestorePoint, ShardPersistence } from '../../core/ports.js';
import { BookTable } from '../src/book/book-table.js';
import type { QuoteSink } from '../../core/data/market-feed.js';
import { SyntheticFeed } from '../src/feed/synthetic-feed.js';
import { silentLogger } from '../../core/log.js';
import { ShardRunner } from '../src/runner.js';
import { startMotoServer } from './moto-server.js';
import { measureWatchdogPass, watchdogPassTable, type WatchdogPassResult } from './watchdog-pass.js';
import { benchImport, benchIngest } from './ingest.js';
import { agentBenchText, benchAgentCpu, benchProtocol } from './agent.js';
import { backtestTable, benchBacktest } from './backtest.js';
import { benchExecutionModel, executionTable, type ExecutionBenchRow } from './execution.js';
import { type BaselineKind, parseBenchCommandLine } from './bench-command-line.js';

const TICKS_PER_INSTRUMENT_PER_SEC = 100;
const TARGETS: Record<number, { ticksPerSec: number; p99Us: number; ratio?: number; heapMiB?: number }> = {
  50: { ticksPerSec: 2_000_000, p99Us: 5, ratio: 0.4, heapMiB: 10 },
  200: { ticksPerSec: 1_500_000, p99Us: 5 },
};

interface ScenarioResult {
  symbols: number;
  ticks: number;
  ticksPerSec: number;
  latencyUs: { p50: number; p99: number; p999: number; max: number };
  heapGrowthMiB: number;
  trades: number;
  fills: number;
  bareTicksPerSec: number;
  engineToBare: number;
  targets?: { met: boolean; missed: string[] };
}

/** Persistence that keeps nothing: the benchmark measures the engine, not a store. */
class DiscardingPersistence implements ShardPersistence {
  readonly key = { campaignId: 'bench', shardId: 'shard-000' };
  readonly generation = 0;
  fills = 0;
  async restore(): Promise<RestorePoint> {
    return { checkpoint: null, ledgerTail: [] };
  }
  async heartbeat(): Promise<void> {}
  async commit(fills: readonly Fill[], _checkpoint: Checkpoint | null): Promise<void> {
    this.fills += fills.length;
  }
}

let baselineKind: BaselineKind = 'none';

function premiumBaseline(kind: BaselineKind) {
  if (kind === 'ewma') return { kind, halfLife: 3600 } as const;
  if (kind === 'fixed') return { kind, bps: 0 } as const;
  return { kind } as const;
}

function campaignFor(symbolCount: number): Campaign {
  const universe = symbolUniverse();
  // The universe has 50 symbols; larger scenarios reuse its prices under numbered names.
  const symbols = Array.from({ length: symbolCount }, (_, i) => {
    const base = universe.symbols[i % universe.symbols.length] as { base: string; refPriceUsd: number };
    return { base: i < universe.symbols.length ? base.base : `${base.base}${Math.floor(i / universe.symbols.length)}`, refPriceUsd: base.refPriceUsd };
  });
  const config = parseCampaignConfig({
    name: `bench-${symbolCount}`,
    symbols: symbols.slice(0, Math.min(symbolCount, universe.symbols.length)).map((s) => s.base),
    venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
    fx: { pair: 'USDT/KRW', rate: 1380 },
    risk: { maxOpenTrades: Math.max(20, symbolCount * 2), maxOpenTradesPerSymbol: 2 },
    strategy: { premiumBaseline: premiumBaseline(baselineKind) },
    feed: { kind: 'synthetic', seed: 99, ticksPerSecond: TICKS_PER_INSTRUMENT_PER_SEC },
    watchdog: { heartbeatInterval: 10, staleAfter: 60 },
  });
  const campaign = resolveCampaign(config, universe);
  return { ...campaign, symbols: symbols.map((s) => ({ base: s.base, refPrice: s.refPriceUsd })) };
}

async function runEngine(symbolCount: number, ticks: number) {
  const campaign = campaignFor(symbolCount);
  const warmupTicks = Math.min(1_000_000, Math.floor(ticks / 10));
  const perSec = TICKS_PER_INSTRUMENT_PER_SEC * 2 * symbolCount;
  const start = Date.UTC(2026, 0, 1);
  const symbols = campaign.symbols.map((s) => s.base);

  // Warm-up run: JIT and heap settle; its numbers are thrown away.
  await new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols,
    persistence: new DiscardingPersistence(),
    mode: 'virtual',
    log: silentLogger,
    startAt: start,
    endsAt: start + (warmupTicks / perSec) * 1000,
  }).run();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const persistence = new DiscardingPersistence();
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols,
    persistence,
    mode: 'virtual',
    log: silentLogger,
    startAt: start,
    endsAt: start + (ticks / perSec) * 1000,
  });
  const t0 = performance.now();
  const outcome = await runner.run();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  return { outcome, seconds, heapGrowthMiB: (heapAfter - heapBefore) / 2 ** 20, fills: persistence.fills };
}

/** The ceiling: the same feed into a book, nothing else. */
function runBare(symbolCount: number, ticks: number): number {
  const campaign = campaignFor(symbolCount);
  const feed = new SyntheticFeed(campaign.config.feed as never, campaign.symbols, campaign.fxRate, 0);
  const book = new BookTable(symbolCount, campaign.fxRate);
  const sink: QuoteSink = {
    onQuote: (i, bid, ask, ts) => book.update(i, bid, ask, ts),
    onFx: (rate) => {
      book.fxRate = rate;
    },
  };
  feed.emitUntil(Infinity, Math.min(1_000_000, ticks / 10), sink);
  const t0 = performance.now();
  let done = 0;
  while (done < ticks) done += feed.emitUntil(Infinity, 8192, sink);
  return done / ((performance.now() - t0) / 1000);
}

async function scenario(symbolCount: number, ticks: number): Promise<ScenarioResult> {
  const bareTicksPerSec = runBare(symbolCount, ticks);
  const { outcome, seconds, heapGrowthMiB, fills } = await runEngine(symbolCount, ticks);
  const ticksPerSec = outcome.ticks / seconds;
  const result: ScenarioResult = {
    symbols: symbolCount,
    ticks: outcome.ticks,
    ticksPerSec: Math.round(ticksPerSec),
    latencyUs: { p50: outcome.latency.p50Us, p99: outcome.latency.p99Us, p999: outcome.latency.p999Us, max: outcome.latency.maxUs },
    heapGrowthMiB: Math.round(heapGrowthMiB * 100) / 100,
    trades: outcome.trades,
    fills,
    bareTicksPerSec: Math.round(bareTicksPerSec),
    engineToBare: Math.round((ticksPerSec / bareTicksPerSec) * 1000) / 1000,
  };
  const target = TARGETS[symbolCount];
  if (target) {
    const missed: string[] = [];
    if (result.ticksPerSec < target.ticksPerSec) missed.push(`ticks/s < ${target.ticksPerSec}`);
    if (result.latencyUs.p99 > target.p99Us) missed.push(`p99 > ${target.p99Us} µs`);
    if (target.ratio !== undefined && result.engineToBare < target.ratio) missed.push(`engine/bare < ${target.ratio}`);
    if (target.heapMiB !== undefined && result.heapGrowthMiB > target.heapMiB) missed.push(`heap growth > ${target.heapMiB} MiB`);
    result.targets = { met: missed.length === 0, missed };
  }
  return result;
}

/**
 * Starts moto's server (or uses `AWS_ENDPOINT_URL`, which must be moto: the scenario sets moto's
 * ECS task transition), then one seeded fleet and one pass per size.
 */
async function benchWatchdogPass(sizes: number[], json: boolean): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  process.env.AWS_REGION ??= 'us-east-1';
  const moto = process.env.AWS_ENDPOINT_URL ? undefined : await startMotoServer();
  const endpoint = moto?.endpoint ?? (process.env.AWS_ENDPOINT_URL as string);
  const results: WatchdogPassResult[] = [];
  try {
    for (const n of sizes) {
      if (!json) process.stderr.write(`bench: one watchdog pass over ${n.toLocaleString('en-US')} active shards on ${endpoint}...\n`);
      results.push(await measureWatchdogPass(endpoint, n));
    }
  } finally {
    await moto?.stop();
  }
  if (json) console.log(JSON.stringify({ node: process.version, at: new Date().toISOString(), results }, null, 2));
  else {
    console.log(watchdogPassTable(results));
    console.log(
      `\nverdicts: ${results
        .map(
          (r) =>
            `${r.shards}: ${Object.entries(r.verdicts)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')} (${r.passMs} ms)`,
        )
        .join('; ')}`,
    );
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function table(results: ScenarioResult[]): string {
  const rows = [
    ['symbols', 'ticks', 'ticks/s', 'p50 µs', 'p99 µs', 'p999 µs', 'heap Δ MiB', 'bare ticks/s', 'engine/bare', 'trades', 'targets'],
    ...results.map((r) => [
      String(r.symbols),
      r.ticks.toLocaleString('en-US'),
      r.ticksPerSec.toLocaleString('en-US'),
      r.latencyUs.p50.toFixed(3),
      r.latencyUs.p99.toFixed(3),
      r.latencyUs.p999.toFixed(3),
      r.heapGrowthMiB.toFixed(2),
      r.bareTicksPerSec.toLocaleString('en-US'),
      r.engineToBare.toFixed(3),
      String(r.trades),
      r.targets ? (r.targets.met ? 'met' : `MISSED: ${r.targets.missed.join('; ')}`) : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n');
}

const values = parseBenchCommandLine(process.argv.slice(2));
if ('exit' in values) process.exit(values.exit);
if (values.backtest || values.peer) {
  const runs = values.runs;
  const peer = values.peer ? { peer: { ...(values.peerPython !== undefined ? { python: values.peerPython } : {}) }, peerOnly: !values.backtest } : {};
  const report = await benchBacktest(runs, (line) => values.json || process.stderr.write(`${line}\n`), peer);
  if (values.json) console.log(JSON.stringify({ node: process.version, at: new Date().toISOString(), ...report }, null, 2));
  else
    console.log(
      `${backtestTable(report.results)}\n\n${process.version} on ${report.cpu}, load average ${report.loadAverage.join(' ')} at the start; median of ${runs} run(s).`,
    );
  process.exit(0);
}
if (values.agent) {
  // The agent behind engine.kind: command (agent.ts): its CPU beside a child engine, the protocol's throughput.
  const protocol = [benchProtocol(200_000, 2), benchProtocol(50_000, 100)];
  const cpu = [await benchAgentCpu(true), await benchAgentCpu(false)];
  console.log(values.json ? JSON.stringify({ node: process.version, cpu, protocol }, null, 2) : agentBenchText(cpu, protocol));
  process.exit(0);
}
if (values.import !== undefined || values.ingest !== undefined) {
  // Recorded and live data in (ingest.ts): import lines/s and RSS, frames decoded into the engine.
  const report: Record<string, unknown> = { node: process.version };
  if (values.import !== undefined) report.import = await benchImport(values.import, (line) => values.json || process.stderr.write(`${line}\n`));
  if (values.ingest !== undefined) report.ingest = benchIngest(values.ingest);
  console.log(JSON.stringify(report, null, 2));
  process.exit(0);
}
if (values.execution !== undefined) {
  const models = values.execution;
  const symbols = values.symbols?.[0] ?? 50;
  const rows: ExecutionBenchRow[] = [];
  for (const model of models) {
    if (!values.json) process.stderr.write(`bench: execution ${model}, ${symbols} symbols, latency ${values.latency} ms...\n`);
    rows.push(benchExecutionModel(campaignFor(symbols), model, values.latency, values.ticks));
  }
  if (values.json) console.log(JSON.stringify({ node: process.version, rows }, null, 2));
  else console.log(executionTable(rows));
  process.exit(0);
}
if (values.watchdogPass !== undefined) {
  await benchWatchdogPass(values.watchdogPass, values.json === true);
  process.exit(0);
}
if (!(globalThis as { gc?: unknown }).gc) {
  console.error('bench: run with --expose-gc (npm run bench does) so heap growth is measured after a full collection');
  process.exit(2);
}
baselineKind = values.baseline;
const ticks = values.ticks;
const results: ScenarioResult[] = [];
for (const n of values.symbols ?? [10, 50, 200]) {
  if (!values.json) process.stderr.write(`bench: ${n} symbols, ${ticks.toLocaleString('en-US')} ticks...\n`);
  results.push(await scenario(n, ticks));
}
const meta = { node: process.version, cpu: (await import('node:os')).cpus()[0]?.model ?? 'unknown', at: new Date().toISOString() };
if (values.json) console.log(JSON.stringify({ ...meta, ticksPerInstrumentPerSec: TICKS_PER_INSTRUMENT_PER_SEC, baseline: baselineKind, results }, null, 2));
else console.log(`${table(results)}\n\npremium baseline: ${baselineKind}. ${meta.node} on ${meta.cpu}; the seed engine: 62 ms per iteration, 16 iterations/s.`);
