import { z } from 'zod';
import { EpochMsSchema, MicrosSchema, microsOf } from './units.js';

/** What one symbol of a shard has done so far (carried in heartbeats, shown by monitors). */
export const SymbolProgressSchema = z
  .object({
    symbol: z.string(),
    ticks: z.number().int().nonnegative(),
    trades: z.number().int().nonnegative(),
    openTrades: z.number().int().nonnegative(),
    /** Realised P&L of the symbol, micro-units of the reporting currency (venue B's quote). */
    realizedPnlMicros: MicrosSchema,
    latencyP99Us: z.number().nonnegative(),
    /** Venue A's price in venue B's currency over venue B's, minus one, in bps (mid to mid); absent before both sides quote. */
    premiumBps: z.number().optional(),
    /** The premium's baseline (`strategy.premiumBaseline`), bps; 0 for `none`. */
    baselineBps: z.number().optional(),
    /** premiumBps − baselineBps. */
    deviationBps: z.number().optional(),
  })
  .strict();
export type SymbolProgress = z.infer<typeof SymbolProgressSchema>;

/**
 * How late one venue's updates arrived against the venue's own clock (`engine-task/src/book/quote-quality.ts`
 * has the rules): only for updates that carried an exchange time (Upbit's `timestamp`; Binance's
 * book tickers, the venue clock of their connection, a lower bound: `core/data/live/venue-protocol.ts`).
 * Lag = arrival − exchange time, ms.
 */
export const VenueLagSchema = z
  .object({
    /** Updates that carried an exchange time, this generation. */
    samples: z.number().int().nonnegative(),
    p50Ms: z.number().optional(),
    p99Ms: z.number().optional(),
    maxMs: z.number().optional(),
    /** The minimum lag over the last 60–120 s: our clock minus the venue's, plus the shortest one-way delay. */
    clockOffsetMs: z.number().optional(),
    /** Frames that arrived more than the age bound (`maxQuoteAge`; `maxFxAge` for FX) after their exchange time, over the shard's life. */
    lateFrames: z.number().int().nonnegative(),
    /** Runs of consecutive late frames (a burst ends at the first frame on time). */
    lateBursts: z.number().int().nonnegative(),
  })
  .strict();
export type VenueLag = z.infer<typeof VenueLagSchema>;

/** Data quality of one venue's updates (or the FX rate's) as the engine received them. */
export const VenueQualitySchema = z
  .object({
    updates: z.number().int().nonnegative(),
    /**
     * Event time of the latest update taken, ms since the epoch; absent before the first. The
     * venue's exchange time when it gives one (never later than the arrival), else the arrival
     * (live) or the recorded time (replay).
     */
    lastUpdateAt: z.number().optional(),
    /** Updates skipped, by reason (`crossed`, `non-positive`, `non-finite`, `fx-jump`, …). */
    skipped: z.record(z.string(), z.number().int().nonnegative()),
    /** Arrival lag against the venue's clock; absent for a venue that gives no exchange time (older heartbeats too). */
    lag: VenueLagSchema.optional(),
  })
  .strict();
export type VenueQuality = z.infer<typeof VenueQualitySchema>;

/**
 * Why the engine stopped, in its final heartbeat and its summary line: `signal` (a SIGTERM or
 * SIGINT reached it: it committed and checkpointed at once and exited 0), `feed-done` (its replay
 * ran out) or `deadline` (it reached the campaign's end, `ARBFLEET_ENDS_AT` or its duration, by
 * its own clock). The engine says what it saw, not who sent it: whether the fleet asked for the
 * stop is the fleet's knowledge (its own stop reasons, `core/fleet/stop-author.ts`).
 */
export const EngineStopSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('signal'), signal: z.string().min(1) }).strict(),
  z.object({ by: z.literal('feed-done') }).strict(),
  z.object({ by: z.literal('deadline') }).strict(),
]);
export type EngineStop = z.infer<typeof EngineStopSchema>;

/** An engine as its `hello` named it (`core/model/task-protocol.ts`): name, version, task protocol version. */
export const EngineHelloSchema = z
  .object({ name: z.string().min(1).max(100), version: z.string().min(1).max(100), protocol: z.number().int().positive() })
  .strict();
export type EngineHello = z.infer<typeof EngineHelloSchema>;

/**
 * A heartbeat's payload: progress, not just liveness. A task whose heartbeats keep coming but
 * whose `ticks` stand still is stalled. Money is integer micro-units only; a heartbeat stored
 * before that (float `realizedPnl`/`unrealizedPnl`) is converted as it is read
 * (`upgradeStoredProgress`), so the stores need no migration.
 */
export const ProgressSchema = z.preprocess(
  (stored) => upgradeStoredProgress(stored),
  z
    .object({
      /** When the engine measured this, ms since the epoch (engine clock). */
      at: EpochMsSchema,
      /** Seconds the engine has been trading in this generation. */
      uptimeSec: z.number().nonnegative(),
      ticks: z.number().int().nonnegative(),
      ticksPerSec: z.number().nonnegative(),
      /** Trades opened (each has two legs). */
      trades: z.number().int().nonnegative(),
      tradesClosed: z.number().int().nonnegative(),
      openTrades: z.number().int().nonnegative(),
      fillsA: z.number().int().nonnegative(),
      fillsB: z.number().int().nonnegative(),
      /** Highest fill sequence number committed to the ledger (-1 when none). */
      lastFillSeq: z.number().int().min(-1),
      rejectedEntries: z.number().int().nonnegative(),
      /**
       * Realised P&L as the exact integer the engine sums, micro-units of the reporting currency
       * (venue B's quote currency: the campaign's, `reportConfigOf` in `core/report/report-config.ts`,
       * not repeated in every heartbeat).
       */
      realizedPnlMicros: MicrosSchema,
      /** Open trades marked to the current book after exit fees, micro-units of the reporting currency. */
      unrealizedPnlMicros: MicrosSchema,
      /**
       * Set on read, never written by an engine: the stored heartbeat predates micro-units and its
       * P&L was a decimal rounded to 3 places, so `realizedPnlMicros` is within 500 µ of the exact
       * sum (`upgradeStoredProgress`).
       */
      pnlFromDecimal: z.literal(true).optional(),
      latencyP50Us: z.number().nonnegative(),
      latencyP99Us: z.number().nonnegative(),
      latencyMaxUs: z.number().nonnegative(),
      /**
       * `false` when the engine measured no latency (a command engine whose `progress` carries no
       * `latency`, docs/task-protocol.md): the three latency fields are then 0 placeholders, not
       * measurements, and the report's loop-latency row says "not measured". Absent: measured
       * (the built-in engine; heartbeats stored before this field).
       */
      latencyMeasured: z.literal(false).optional(),
      rssBytes: z.number().int().nonnegative(),
      heapUsedBytes: z.number().int().nonnegative(),
      symbols: z.array(SymbolProgressSchema),
      /** Turns of the engine's loop in this generation: they advance while the market is quiet, so a stall is judged on them, not on quotes. */
      turns: z.number().int().nonnegative().optional(),
      /** The recorded (event) time the engine stands at, ms: the feed's time, whatever the wall clock. */
      eventTime: z.number().optional(),
      /** Since when (engine time, ms) the feed has delivered nothing; absent while updates flow. A quiet market, not a stall. */
      feedIdleSince: z.number().optional(),
      /** The replay has run out: nothing more will come. */
      feedDone: z.boolean().optional(),
      /** Per-venue data quality: updates taken, skipped by reason, last update time. */
      venues: z.object({ a: VenueQualitySchema, b: VenueQualitySchema, fx: VenueQualitySchema }).strict().optional(),
      /** Entries refused, by reason (`stale-quote-a`, `stale-quote-b`, `stale-fx`, `fx-unconfirmed`, `risk`, …). */
      refusals: z.record(z.string(), z.number().int().nonnegative()).optional(),
      /** Closes priced on a quote older than `strategy.maxQuoteAge` (flagged in the ledger). */
      staleCloses: z.number().int().nonnegative().optional(),
      /** Only in the final heartbeat of a run that ends with exit 0: why it stopped (`EngineStopSchema`). */
      stop: EngineStopSchema.optional(),
      /**
       * Who the engine said it was in the task protocol's `hello` and the protocol version it spoke,
       * written by the agent (`engine-task/src/agent/`) once the engine has said it; absent for the
       * built-in engine in process and from older heartbeats. The report names the engine from it.
       */
      engine: EngineHelloSchema.optional(),
    })
    .strict(),
);
export type Progress = z.infer<typeof ProgressSchema>;

/**
 * A stored progress object in today's shape: a heartbeat written before money was integer
 * micro-units carries a float `realizedPnl` (rounded to 3 places), `unrealizedPnl` and per-symbol
 * `realizedPnl`, and, after micros were added beside them, an exact `realizedPnlMicros`. The
 * floats are dropped; a missing micros figure is the float rounded to the micro-unit, marked
 * `pnlFromDecimal` when the realised total came that way. Anything else passes unchanged (the
 * schema judges it).
 */
export function upgradeStoredProgress(stored: unknown): unknown {
  if (!isRecord(stored) || !('realizedPnl' in stored || 'unrealizedPnl' in stored)) return stored;
  const { realizedPnl, unrealizedPnl, ...rest } = stored;
  const upgraded: Record<string, unknown> = { ...rest };
  if (upgraded['realizedPnlMicros'] === undefined && typeof realizedPnl === 'number') {
    upgraded['realizedPnlMicros'] = microsOf(realizedPnl, 'progress.realizedPnl');
    upgraded['pnlFromDecimal'] = true;
  }
  if (upgraded['unrealizedPnlMicros'] === undefined && typeof unrealizedPnl === 'number') {
    upgraded['unrealizedPnlMicros'] = microsOf(unrealizedPnl, 'progress.unrealizedPnl');
  }
  if (Array.isArray(upgraded['symbols'])) {
    upgraded['symbols'] = upgraded['symbols'].map((symbol: unknown, i) => {
      if (!isRecord(symbol) || !('realizedPnl' in symbol)) return symbol;
      const { realizedPnl: symbolPnl, ...symbolRest } = symbol;
      if (symbolRest['realizedPnlMicros'] !== undefined || typeof symbolPnl !== 'number') return symbolRest;
      return { ...symbolRest, realizedPnlMicros: microsOf(symbolPnl, `progress.symbols[${i}].realizedPnl`) };
    });
  }
  return upgraded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
