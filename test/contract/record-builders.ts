/**
 * Valid records for the contract suites: small, deterministic, and overridable field by field.
 */
import type { CampaignRecord, ShardRecord } from '../../core/model/records.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import type { Fill } from '../../core/model/fill.js';
import type { Progress } from '../../core/model/progress.js';
import { micros, ms } from '../../core/model/units.js';

const T0 = Date.UTC(2026, 0, 1);

/** A campaign record at version 0 with `shardCount` shards of two symbols each. */
export function campaignRecord(campaignId: string, shardCount: number, overrides: Partial<CampaignRecord> = {}): CampaignRecord {
  return {
    campaignId,
    name: `campaign ${campaignId}`,
    status: 'STARTING',
    config: { name: campaignId, symbols: symbolsOf(shardCount), nested: { symbolsPerShard: 2 } },
    symbols: symbolsOf(shardCount),
    shardCount,
    createdAt: ms(T0),
    updatedAt: ms(T0),
    version: 0,
    ...overrides,
  };
}

/** Shard `index` of a campaign, PENDING at generation 0 and version 0. */
export function shardRecord(campaignId: string, index: number, overrides: Partial<ShardRecord> = {}): ShardRecord {
  return {
    campaignId,
    shardId: `shard-${index}`,
    index,
    symbols: symbolsOf(index + 1).slice(index * 2),
    status: 'PENDING',
    generation: 0,
    restarts: [],
    backoffSec: 0,
    peakRssBytes: 0,
    updatedAt: ms(T0),
    version: 0,
    ...overrides,
  };
}

/** A campaign and its shards, ready for `createCampaign`. */
export function newCampaign(
  campaignId: string,
  shardCount: number,
  overrides: Partial<CampaignRecord> = {},
): { campaign: CampaignRecord; shards: ShardRecord[] } {
  const campaign = campaignRecord(campaignId, shardCount, overrides);
  const shards = Array.from({ length: shardCount }, (_, i) => shardRecord(campaignId, i));
  return { campaign, shards };
}

/** Fills `from .. from + count - 1`, written by `generation`. */
export function fills(from: number, count: number, generation: number): Fill[] {
  return Array.from({ length: count }, (_, i) => fill(from + i, generation));
}

/** One fill with sequence number `seq`; fractional prices check that numbers survive storage exactly. */
export function fill(seq: number, generation: number): Fill {
  return {
    seq,
    tradeId: Math.floor(seq / 4),
    symbol: 'BTC',
    venue: seq % 2 === 0 ? 'A' : 'B',
    // Venue A buys the entry and sells the exit, venue B the other way (a hedged trade: both legs of one side is malformed).
    side: seq % 4 < 2 === (seq % 2 === 0) ? 'BUY' : 'SELL',
    kind: seq % 4 < 2 ? 'OPEN' : 'CLOSE',
    reason: seq % 4 < 2 ? 'ENTRY' : 'REVERSION',
    qty: 0.015,
    price: 97_123.45 + seq * 0.01,
    fee: 0.728425875,
    fxRate: 1_432.1,
    ts: T0 + seq * 250,
    generation,
  };
}

/** A checkpoint covering fills up to `lastFillSeq`, with some feed state to round-trip. */
export function checkpoint(generation: number, lastFillSeq: number): Checkpoint {
  return {
    version: 1,
    generation,
    writtenAt: ms(T0 + lastFillSeq * 250),
    lastFillSeq,
    nextTradeId: Math.floor((lastFillSeq + 1) / 4),
    fillsA: Math.ceil((lastFillSeq + 1) / 2),
    fillsB: Math.floor((lastFillSeq + 1) / 2),
    symbols: [
      {
        symbol: 'BTC',
        ticks: 1_000 + lastFillSeq,
        trades: 3,
        tradesClosed: 2,
        rejectedEntries: 1,
        realizedPnlMicros: micros(-1_234_567, 'symbols[].realizedPnlMicros'),
      },
    ],
    openTrades: [],
    feed: { seed: 42, position: lastFillSeq, venues: { A: { mid: 97_000.5 }, B: { mid: 67.89 } } },
  };
}

/** A heartbeat's progress with `ticks` processed and `rssBytes` resident. */
export function progress(ticks: number, rssBytes = 50_000_000): Progress {
  return {
    at: ms(T0 + ticks),
    uptimeSec: ticks / 100,
    ticks,
    ticksPerSec: 100.5,
    trades: 3,
    tradesClosed: 2,
    openTrades: 1,
    fillsA: 6,
    fillsB: 6,
    lastFillSeq: 11,
    rejectedEntries: 0,
    realizedPnlMicros: micros(12_345_678, 'progress.realizedPnlMicros'),
    unrealizedPnlMicros: micros(-100_000, 'progress.unrealizedPnlMicros'),
    latencyP50Us: 3.25,
    latencyP99Us: 17.5,
    latencyMaxUs: 120,
    rssBytes,
    heapUsedBytes: 20_000_000,
    symbols: [{ symbol: 'BTC', ticks, trades: 3, openTrades: 1, realizedPnlMicros: micros(12_345_678, 'symbols[].realizedPnlMicros'), latencyP99Us: 17.5 }],
  };
}

function symbolsOf(shardCount: number): string[] {
  return Array.from({ length: shardCount * 2 }, (_, i) => `SYM${i}`);
}
