/**
 * Heartbeat progress carries money as integer micro-units only (`core/model/progress.ts`). A
 * heartbeat stored before that (a float `realizedPnl`, with or without `realizedPnlMicros` beside
 * it) still reads: the stores parse every stored record through these schemas, which convert it.
 */
import { describe, expect, it } from 'vitest';
import { ProgressSchema } from '../../../core/model/progress.js';
import { HeartbeatSchema, ShardRecordSchema } from '../../../core/model/records.js';

/** A progress object as engines wrote it before micros were added (everything else as today). */
const beforeMicros = {
  at: 1_767_225_600_000,
  uptimeSec: 60,
  ticks: 6_000,
  ticksPerSec: 100,
  trades: 3,
  tradesClosed: 2,
  openTrades: 1,
  fillsA: 6,
  fillsB: 6,
  lastFillSeq: 11,
  rejectedEntries: 0,
  realizedPnl: -12.346,
  unrealizedPnl: 0.5,
  latencyP50Us: 3.25,
  latencyP99Us: 17.5,
  latencyMaxUs: 120,
  rssBytes: 100_000_000,
  heapUsedBytes: 20_000_000,
  symbols: [{ symbol: 'BTC', ticks: 6_000, trades: 3, openTrades: 1, realizedPnl: -12.346, latencyP99Us: 17.5 }],
};

describe('progress read from a store', () => {
  it('converts a heartbeat from before micro-units: the float P&L rounded to the micro-unit, marked as from a decimal', () => {
    const stored = { generation: 1, receivedAt: 1_767_225_600_100, progress: beforeMicros };
    const heartbeat = HeartbeatSchema.parse(JSON.parse(JSON.stringify(stored)));
    expect(heartbeat.progress).toMatchObject({ realizedPnlMicros: -12_346_000, unrealizedPnlMicros: 500_000, pnlFromDecimal: true });
    expect(heartbeat.progress.symbols[0]).toMatchObject({ symbol: 'BTC', realizedPnlMicros: -12_346_000 });
    expect(heartbeat.progress).not.toHaveProperty('realizedPnl');
    expect(heartbeat.progress).not.toHaveProperty('unrealizedPnl');
    expect(heartbeat.progress.symbols[0]).not.toHaveProperty('realizedPnl');
  });

  it('keeps the exact micros of a heartbeat that carried both, and drops the float (no decimal mark)', () => {
    const both = { ...beforeMicros, realizedPnl: -12.346, realizedPnlMicros: -12_345_678 };
    const progress = ProgressSchema.parse(both);
    expect(progress.realizedPnlMicros).toBe(-12_345_678);
    expect(progress.pnlFromDecimal).toBeUndefined();
    expect(progress).not.toHaveProperty('realizedPnl');
  });

  it('reads a shard record whose heartbeat is from before micros (what the stores parse a shard with)', () => {
    const shard = {
      campaignId: 'c1',
      shardId: 'shard-000',
      index: 0,
      symbols: ['BTC'],
      status: 'RUNNING',
      generation: 1,
      heartbeat: { generation: 1, receivedAt: 1_767_225_600_100, progress: beforeMicros },
      restarts: [],
      backoffSec: 0,
      peakRssBytes: 0,
      updatedAt: 1_767_225_600_100,
      version: 3,
    };
    expect(ShardRecordSchema.parse(shard).heartbeat?.progress.realizedPnlMicros).toBe(-12_346_000);
  });

  it('refuses a float where micros belong, naming the field', () => {
    const result = ProgressSchema.safeParse({ ...beforeMicros, realizedPnl: undefined, realizedPnlMicros: -12.5, unrealizedPnlMicros: 0 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('realizedPnlMicros');
  });
});
