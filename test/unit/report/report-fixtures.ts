/**
 * A campaign run as the store would hold it, made by hand: records, heartbeats every
 * `heartbeatEverySec`, a ledger with one trade per `tradeEverySec` per shard (symbols taking
 * turns), and checkpoints whose counters match the ledger. Restarts leave a gap in heartbeats and
 * trades and a restart record. Tests then change one thing and look at the report.
 */
import type { CampaignRecord, Heartbeat, RestartCause, RestartRecord, ShardRecord } from '../../../core/model/records.js';
import type { Checkpoint } from '../../../core/model/checkpoint.js';
import { fillCashMicros, type Fill } from '../../../core/model/fill.js';
import type { ReportInput } from '../../../core/report/build-report.js';
import { ms, sumMicros, ZERO_MICROS } from '../../../core/model/units.js';

/** The tests' epoch: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const SEC = 1000;
export const MIB = 1024 * 1024;

/** A restart to stage: shard `shard` fails at `atSec` and its next generation heartbeats `downSec` later. */
export interface StagedRestart {
  shard: number;
  cause: RestartCause;
  atSec: number;
  /** Omit for a shard that was never restarted. */
  downSec?: number;
  stderrTail?: string;
}

/** What the run looks like; every field has a healthy default. */
export interface RunSpec {
  name?: string;
  configName?: string;
  durationSec?: number;
  /** How long it ran (default: the full duration). */
  ranSec?: number;
  shards?: number;
  symbolsPerShard?: number;
  /** Symbol names, in shard order (default `SYM0`, `SYM1`, …). */
  symbols?: string[];
  heartbeatEverySec?: number;
  tradeEverySec?: number;
  staleAfterSec?: number;
  /** p99 loop latency every heartbeat of shard `i` reports (default 80 + 10 × i µs). */
  latencyP99Us?: (shard: number, generation: number) => number;
  restarts?: StagedRestart[];
  status?: CampaignRecord['status'];
  /** Extra config fields (e.g. `clock`, `feed`, `strategy`), merged over the fixture's. */
  config?: Record<string, unknown>;
  /** Recorded (event) time of the run's start, ms (default T0: engine time is the wall clock). */
  eventStart?: number;
  /** Age of each venue's last update at every heartbeat, seconds (default 1). */
  quoteAgeSec?: number;
}

/** A healthy (unless told otherwise) campaign run as `ReportInput`, built at its end. */
export function campaignRun(spec: RunSpec = {}): ReportInput {
  const durationSec = spec.durationSec ?? 1200;
  const ranSec = spec.ranSec ?? durationSec;
  const shardCount = spec.shards ?? 2;
  const perShard = spec.symbolsPerShard ?? 2;
  const symbols = spec.symbols ?? Array.from({ length: shardCount * perShard }, (_, i) => `SYM${i}`);
  const endedAt = T0 + ranSec * SEC;
  const campaign: CampaignRecord = {
    campaignId: 'c-report',
    name: spec.name ?? 'soak-top4',
    status: spec.status ?? 'COMPLETED',
    config: {
      name: spec.configName ?? 'soak-top4',
      duration: durationSec,
      venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'bithumb', quoteCurrency: 'KRW', takerFeeBps: 4 } },
      watchdog: { heartbeatInterval: 10, staleAfter: spec.staleAfterSec ?? 45 },
      ...spec.config,
    },
    symbols,
    shardCount,
    createdAt: ms(T0 - 60 * SEC),
    startedAt: ms(T0),
    endsAt: ms(T0 + durationSec * SEC),
    endedAt: ms(endedAt),
    endReason: ranSec >= durationSec ? 'max runtime reached' : 'shard failed',
    updatedAt: ms(endedAt),
    version: 9,
  };
  const input: ReportInput = { campaign, shards: [], heartbeats: {}, ledgers: {}, checkpoints: {}, events: [], now: endedAt + 5 * SEC };
  for (let index = 0; index < shardCount; index++) {
    const shardSymbols = symbols.slice(index * perShard, (index + 1) * perShard);
    const staged = (spec.restarts ?? []).filter((r) => r.shard === index).sort((a, b) => a.atSec - b.atSec);
    const shard = shardRun(index, shardSymbols, staged, ranSec, spec);
    input.shards.push(shard.record);
    input.heartbeats[shard.record.shardId] = shard.heartbeats;
    input.ledgers[shard.record.shardId] = shard.ledger;
    input.checkpoints[shard.record.shardId] = shard.checkpoint;
  }
  return input;
}

function shardRun(index: number, symbols: string[], staged: StagedRestart[], ranSec: number, spec: RunSpec) {
  const shardId = `shard-${String(index).padStart(3, '0')}`;
  const heartbeatEvery = spec.heartbeatEverySec ?? 10;
  const tradeEvery = spec.tradeEverySec ?? 60;
  const latency = spec.latencyP99Us ?? ((shard: number) => 80 + 10 * shard);
  const generationAt = (t: number) => staged.filter((r) => r.atSec <= t).length;
  const down = (t: number) => staged.some((r) => t >= r.atSec && (r.downSec === undefined || t < r.atSec + r.downSec));

  const eventStart = spec.eventStart ?? T0;
  const quoteAgeMs = (spec.quoteAgeSec ?? 1) * SEC;
  const ledger: Fill[] = [];
  const trades: { openedAt: number; closedAt: number | null; pnlMicros: number }[] = [];
  for (let t = tradeEvery / 2, n = 0; t < ranSec; t += tradeEvery, n++) {
    if (down(t)) continue;
    const symbol = symbols[n % symbols.length] as string;
    const generation = generationAt(t);
    const tradeId = trades.length;
    const closeAt = t + 20 < ranSec && !down(t + 20) ? t + 20 : null;
    const legs: Omit<Fill, 'seq'>[] = [
      leg(tradeId, symbol, 'A', 'BUY', 'OPEN', 100, t, generation),
      leg(tradeId, symbol, 'B', 'SELL', 'OPEN', 100.4, t, generation),
    ];
    if (closeAt !== null) {
      legs.push(leg(tradeId, symbol, 'A', 'SELL', 'CLOSE', 100.2, closeAt, generation), leg(tradeId, symbol, 'B', 'BUY', 'CLOSE', 100.25, closeAt, generation));
    }
    const pnlMicros = closeAt === null ? 0 : legs.reduce((sum, f) => sum + fillCashMicros(f), 0);
    trades.push({ openedAt: t, closedAt: closeAt, pnlMicros });
    for (const f of legs) ledger.push({ seq: 0, ...f });
  }
  ledger.sort((a, b) => a.ts - b.ts || a.tradeId - b.tradeId);
  for (const [i, f] of ledger.entries()) f.seq = i;

  const heartbeats: Heartbeat[] = [];
  let peak = 0;
  for (let t = 0; t <= ranSec; t += heartbeatEvery) {
    if (down(t)) continue;
    const generation = generationAt(t);
    const done = ledger.filter((f) => f.ts <= T0 + t * SEC);
    const opened = trades.filter((tr) => tr.openedAt <= t);
    const closed = trades.filter((tr) => tr.closedAt !== null && tr.closedAt <= t);
    const rssBytes = 100 * MIB + Math.round(t * 1000) + index * MIB;
    peak = Math.max(peak, rssBytes);
    const eventTime = eventStart + t * SEC;
    const venue = (updates: number) => ({ updates, lastUpdateAt: eventTime - quoteAgeMs, skipped: {} });
    heartbeats.push({
      generation,
      receivedAt: ms(T0 + t * SEC),
      progress: {
        eventTime,
        venues: { a: venue(Math.round(t * 50)), b: venue(Math.round(t * 50)), fx: { updates: 0, skipped: {} } },
        at: ms(T0 + t * SEC),
        uptimeSec: t,
        ticks: Math.round(t * 100),
        ticksPerSec: 100,
        trades: opened.length,
        tradesClosed: closed.length,
        openTrades: opened.length - closed.length,
        fillsA: done.filter((f) => f.venue === 'A').length,
        fillsB: done.filter((f) => f.venue === 'B').length,
        lastFillSeq: done.length - 1,
        rejectedEntries: 0,
        realizedPnlMicros: sumMicros(
          closed.map((tr) => tr.pnlMicros),
          'progress.realizedPnlMicros',
        ),
        unrealizedPnlMicros: ZERO_MICROS,
        latencyP50Us: 20,
        latencyP99Us: latency(index, generation),
        latencyMaxUs: 400 + index,
        rssBytes,
        heapUsedBytes: 20 * MIB,
        symbols: [],
      },
    });
  }

  const restarts: RestartRecord[] = staged.map((r, i) => {
    const failedAt = T0 + r.atSec * SEC;
    const record: RestartRecord = {
      fromGeneration: i,
      cause: r.cause,
      detail: {
        exitCode: r.cause === 'CRASHED' ? 1 : null,
        signal: r.cause === 'OOM' ? 'SIGKILL' : null,
        lastHeartbeatAgeSec: 12,
        lastRssBytes: 300 * MIB,
        ...(r.stderrTail === undefined ? {} : { stderrTail: r.stderrTail }),
      },
      failedAt: ms(failedAt),
      detectedAt: ms(failedAt + 5 * SEC),
      detectionDelaySec: 5,
    };
    if (r.downSec !== undefined) {
      record.restartedAt = ms(failedAt + r.downSec * SEC);
      record.downtimeSec = r.downSec;
    }
    return record;
  });

  const record: ShardRecord = {
    campaignId: 'c-report',
    shardId,
    index,
    symbols,
    status: 'COMPLETED',
    generation: staged.length,
    restarts,
    backoffSec: 0,
    peakRssBytes: peak,
    updatedAt: ms(T0 + ranSec * SEC),
    version: 20,
  };
  const last = heartbeats.at(-1);
  // A shard up at the run's end wrote its final heartbeat there, as every engine does (`stop`: its own deadline).
  if (last && !down(ranSec) && last.receivedAt > T0 + (ranSec - heartbeatEvery) * SEC) last.progress.stop = { by: 'deadline' };
  if (last) record.heartbeat = last;
  const checkpoint: Checkpoint = {
    version: 1,
    generation: staged.length,
    writtenAt: ms(T0 + ranSec * SEC),
    lastFillSeq: ledger.length - 1,
    nextTradeId: trades.length,
    fillsA: ledger.filter((f) => f.venue === 'A').length,
    fillsB: ledger.filter((f) => f.venue === 'B').length,
    symbols: [],
    openTrades: [],
    feed: {},
  };
  return { record, heartbeats, ledger, checkpoint };
}

function leg(
  tradeId: number,
  symbol: string,
  venue: 'A' | 'B',
  side: 'BUY' | 'SELL',
  kind: 'OPEN' | 'CLOSE',
  price: number,
  atSec: number,
  generation: number,
): Omit<Fill, 'seq'> {
  return {
    tradeId,
    symbol,
    venue,
    side,
    kind,
    reason: kind === 'OPEN' ? 'ENTRY' : 'REVERSION',
    qty: 10,
    price,
    // The fixture config's taker fees (A 5 bps, B 4 bps) on the leg's notional, as every engine charges them.
    fee: 10 * price * ((venue === 'A' ? 5 : 4) / 1e4),
    fxRate: 1,
    ts: T0 + atSec * SEC,
    eventTs: T0 + atSec * SEC,
    wallTs: T0 + atSec * SEC,
    quoteTsA: T0 + atSec * SEC - SEC,
    quoteTsB: T0 + atSec * SEC - SEC,
    generation,
  };
}

/**
 * One fill of a tester's crafted book (`/tmp/v7c/s4` and `s5`: BTC on shard-000 under `top-size`,
 * fees 0, `fxRate` 1000, generation 0): an OPEN is an ENTRY, a CLOSE a TAKE_PROFIT; `qty` of
 * `orderedQty` at `price`, decided at `decisionPrice` (the fill's price unless given: no latency), at
 * event time `ts` (ms).
 */
export function craftedFill(
  seq: number,
  tradeId: number,
  venue: 'A' | 'B',
  side: 'BUY' | 'SELL',
  kind: 'OPEN' | 'CLOSE',
  qty: number,
  price: number,
  orderedQty: number,
  ts: number,
  decisionPrice = price,
): Fill {
  return {
    seq,
    tradeId,
    symbol: 'BTC',
    venue,
    side,
    kind,
    reason: kind === 'OPEN' ? 'ENTRY' : 'TAKE_PROFIT',
    qty,
    price,
    fee: 0,
    fxRate: 1000,
    ts,
    eventTs: ts,
    decisionPrice,
    orderedQty,
    generation: 0,
  };
}

/**
 * The ledger of the tester's crafted book `/tmp/v7c/s5` (`top-size`, venue B 250 ms behind): A sold
 * 0.01; B's buy, decided at 100,000, found no size 250 ms later (0 of 0.01 at 100,050); the close
 * bought 0.01 back on A and "sold" 0 on B (nothing open there), one second apart each.
 */
export function s5Ledger(): Fill[] {
  const at = 1_700_000_000_000;
  return [
    craftedFill(0, 0, 'A', 'SELL', 'OPEN', 0.01, 101_000_000, 0.01, at),
    craftedFill(1, 0, 'B', 'BUY', 'OPEN', 0, 100_050, 0.01, at + 1_000, 100_000),
    craftedFill(2, 0, 'A', 'BUY', 'CLOSE', 0.01, 100_010_000, 0.01, at + 2_000),
    craftedFill(3, 0, 'B', 'SELL', 'CLOSE', 0, 99_990, 0, at + 3_000),
  ];
}

let legSeq = 0;
/**
 * One fill of an execution-quality case: a 10-unit BTC entry bought on venue A at 100, no fee, FX 1,
 * each call the next seq; `over` changes what the case is about.
 */
export function executionLeg(over: Partial<Fill>): Fill {
  return {
    seq: legSeq++,
    tradeId: 0,
    symbol: 'BTC',
    venue: 'A',
    side: 'BUY',
    kind: 'OPEN',
    reason: 'ENTRY',
    qty: 10,
    price: 100,
    fee: 0,
    fxRate: 1,
    ts: 0,
    generation: 0,
    ...over,
  };
}
