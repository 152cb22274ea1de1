/**
 * Exchange time on quotes (issue 19): a quote is aged by the venue's own event time when the feed
 * hands one beside the arrival, the stale-quote gate refuses a late frame by it, and the arrival
 * lag per venue (p50/p99, max, clock offset, late frames and bursts) reaches heartbeats, monitor
 * lines and checkpoints.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import type { CampaignConfigInput } from '../../../core/config/campaign-config.js';
import type { Logger } from '../../../core/log.js';
import { CheckpointSchema } from '../../../core/model/checkpoint.js';
import { ProgressSchema } from '../../../core/model/progress.js';
import {
  LAG_BUCKETS,
  lagBucketOf,
  lagBucketUpperMs,
  OFFSET_WINDOW_MS,
  QUALITY_A,
  QUALITY_B,
  QuoteQuality,
} from '../../../engine-task/src/book/quote-quality.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { ShardMonitor } from '../../../engine-task/src/monitor/shard-monitor.js';
import { T0, testCampaign } from '../../support/campaigns.js';

const memory = () => ({ rssBytes: 0, heapUsedBytes: 0 });

function engineFor(overrides: Partial<CampaignConfigInput> = {}) {
  const campaign = testCampaign({ symbols: ['BTC'], strategy: { maxQuoteAge: '2s' }, ...overrides });
  return new Engine({ campaign, symbols: ['BTC'], generation: 0, wallClock: () => 42 });
}

/** An entry's two quotes (spread.test.ts's hand-worked one: B's bid 45 bps over A's ask at 1,380): A with an exchange time, B without. */
function quoteEntry(engine: Engine, arrivedA: number, exchangeA: number, arrivedB: number): void {
  engine.onQuote(0, 137_990_000, 138_000_000, arrivedA, exchangeA);
  engine.onQuote(1, 100_450, 100_460, arrivedB);
}

describe('the stale-quote gate by exchange time', () => {
  it('refuses an entry on a frame that arrived now but is older than maxQuoteAge by its exchange time', () => {
    const engine = engineFor();
    quoteEntry(engine, T0 + 5000, T0 + 5000 - 2001, T0 + 5000);
    expect(engine.drainFills()).toHaveLength(0);
    expect(engine.risk.refusals()).toMatchObject({ 'stale-quote-a': 1 });
    expect(engine.book.updatedAt[0]).toBe(T0 + 2999);
  });

  it('enters on the same frame when its exchange time is maxQuoteAge old exactly (the bound is inclusive)', () => {
    const engine = engineFor();
    quoteEntry(engine, T0 + 5000, T0 + 3000, T0 + 5000);
    const fills = engine.drainFills();
    expect(fills).toHaveLength(2);
    expect(fills[0]?.quoteTsA).toBe(T0 + 3000); // the report ages the entry by exchange time too
    expect(fills[0]?.quoteTsB).toBe(T0 + 5000); // venue B gave none: its arrival
  });

  it('never makes a quote fresher than its arrival when the venue clock runs ahead', () => {
    const engine = engineFor();
    engine.onQuote(0, 137_990_000, 138_000_000, T0, T0 + 700);
    expect(engine.book.updatedAt[0]).toBe(T0);
    expect(engine.quality.lagOf(QUALITY_A)).toMatchObject({ samples: 1, clockOffsetMs: -700, lateFrames: 0 });
  });

  it('stamps the FX rate by its exchange time as well (maxFxAge)', () => {
    const engine = engineFor({ strategy: { maxQuoteAge: '2s', maxFxAge: '1s' } });
    engine.onFx(1380, T0 + 5000, T0 + 3000);
    expect(engine.fx.acceptedAt).toBe(T0 + 3000);
    quoteEntry(engine, T0 + 5000, T0 + 5000, T0 + 5000);
    expect(engine.drainFills()).toHaveLength(0);
    expect(engine.risk.refusals()).toMatchObject({ 'stale-fx': 1 });
    expect(engine.quality.lagOf(2)).toMatchObject({ samples: 1, lateFrames: 1, lateBursts: 1 });
  });
});

describe('arrival lag per venue', () => {
  it('counts late frames and bursts of them, with p50, p99, max and the minimum-lag clock offset', () => {
    const q = new QuoteQuality({ maxQuoteAgeMs: 2000, maxFxAgeMs: Number.POSITIVE_INFINITY });
    // 90 frames on time (lag 40 ms, one at 25 ms), then a burst of 7 held frames (lags 7000…4000 ms… down to 2500), one on time, a second burst of 3.
    for (let i = 0; i < 90; i++) q.arrived(QUALITY_A, T0 + i * 20, T0 + i * 20 - (i === 50 ? 25 : 40));
    const burst = [7000, 6500, 6000, 5000, 4000, 3000, 2500];
    for (const lag of burst) q.arrived(QUALITY_A, T0 + 10_000, T0 + 10_000 - lag);
    q.arrived(QUALITY_A, T0 + 10_001, T0 + 10_001 - 2000); // exactly maxQuoteAge: on time
    for (const lag of [2001, 3000, 4000]) q.arrived(QUALITY_A, T0 + 12_000, T0 + 12_000 - lag);
    const lag = q.lagOf(QUALITY_A);
    expect(lag).toMatchObject({ samples: 101, lateFrames: 10, lateBursts: 2, maxMs: 7000, clockOffsetMs: 25 });
    // p50 is the 40 ms frames' bucket, 40–43 ms.
    expect(lag?.p50Ms).toBeGreaterThanOrEqual(40);
    expect(lag?.p50Ms).toBeLessThanOrEqual(45);
    // p99 of 101 samples is the 100th smallest: 6500 ms, reported as its bucket's upper bound (within 12.5 %).
    expect(lag?.p99Ms).toBeGreaterThanOrEqual(6500);
    expect(lag?.p99Ms).toBeLessThanOrEqual(6500 * 1.125);
    expect(q.lagOf(QUALITY_B)).toBeUndefined(); // venue B gave no exchange time: aged by arrival
  });

  it('forgets the offset window before last: the estimate follows a clock that moved', () => {
    const q = new QuoteQuality();
    q.arrived(QUALITY_A, T0, T0 - 10);
    q.arrived(QUALITY_A, T0 + OFFSET_WINDOW_MS, T0 + OFFSET_WINDOW_MS - 300);
    expect(q.clockOffsetMs(QUALITY_A)).toBe(10); // the previous window still counts
    q.arrived(QUALITY_A, T0 + 2 * OFFSET_WINDOW_MS, T0 + 2 * OFFSET_WINDOW_MS - 300);
    expect(q.clockOffsetMs(QUALITY_A)).toBe(300);
    // After a silence longer than two windows, nothing from before it counts.
    const quiet = new QuoteQuality();
    quiet.arrived(QUALITY_A, T0, T0 - 10);
    quiet.arrived(QUALITY_A, T0 + 2.5 * OFFSET_WINDOW_MS, T0 + 2.5 * OFFSET_WINDOW_MS - 300);
    expect(quiet.clockOffsetMs(QUALITY_A)).toBe(300);
  });

  it('buckets lags exactly below 16 ms and within 12.5 % above, up to 2^31 ms', () => {
    for (const v of [0, 1, 15, 16, 17, 100, 999, 2000, 65_537, 2 ** 30 + 5]) {
      const upper = lagBucketUpperMs(lagBucketOf(v));
      expect(upper).toBeGreaterThanOrEqual(v);
      expect(upper).toBeLessThanOrEqual(v < 16 ? v : v * 1.125);
    }
    expect(lagBucketOf(-5)).toBe(0);
    expect(lagBucketOf(2 ** 40)).toBe(LAG_BUCKETS - 1);
  });

  it('reaches the heartbeat (valid Progress), the monitor line and the checkpoint, whose late counts a restart keeps', () => {
    const engine = engineFor();
    engine.onQuote(0, 137_990_000, 138_000_000, T0 + 5000, T0 + 4990);
    engine.onQuote(0, 137_990_000, 138_000_000, T0 + 5100, T0 + 1000); // 4.1 s late
    engine.onQuote(1, 100_000, 100_010, T0 + 5100);
    const monitor = new ShardMonitor(engine, T0, memory);
    const progress = monitor.progress(T0 + 6000, -1);
    expect(ProgressSchema.parse(progress).venues?.a.lag).toMatchObject({ samples: 2, lateFrames: 1, lateBursts: 1, clockOffsetMs: 10, maxMs: 4100 });
    expect(progress.venues?.b.lag).toBeUndefined();
    const lines: Record<string, unknown>[] = [];
    const log = { log: (_l: string, msg: string, fields: Record<string, unknown>) => lines.push({ msg, ...fields }) } as unknown as Logger;
    monitor.logSymbols(log, T0 + 6000, 1);
    const quality = lines.find((l) => l.msg === 'data quality') as { a: Record<string, unknown>; b: Record<string, unknown> };
    expect(quality.a).toMatchObject({ timeBy: 'exchange', lagMaxMs: 4100, clockOffsetMs: 10, lateFrames: 1, lateBursts: 1 });
    expect(quality.b).not.toHaveProperty('timeBy'); // venue B gave no exchange time
    const symbolLine = lines.find((l) => l.msg === 'monitor') as Record<string, unknown>;
    expect(symbolLine.quoteAgeASec).toBe(5); // by the late frame's exchange time, T0 + 1000
    const checkpoint = CheckpointSchema.parse(engine.checkpoint({ kind: 'synthetic' }, ms(T0 + 6000)));
    const next = engineFor();
    next.restore({ checkpoint, ledgerTail: [] } as never);
    expect(next.quality.lagOf(QUALITY_A)).toEqual({ samples: 0, lateFrames: 1, lateBursts: 1 });
  });
});
