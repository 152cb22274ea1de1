import { z } from 'zod';
import { VenueQualitySchema } from './progress.js';

/** An open trade as a checkpoint keeps it: enough to mark it to market and close it later. */
export const OpenTradeSchema = z
  .object({
    tradeId: z.number().int().nonnegative(),
    symbol: z.string(),
    /** `A` when the trade bought on venue A and sold on venue B; `B` for the reverse. */
    buyVenue: z.enum(['A', 'B']),
    /** Open quantity of venue A's leg (and of venue B's when `qtyB` is absent). */
    qty: z.number().nonnegative(),
    /** Open quantity of venue B's leg when it differs from venue A's (a partly filled leg: issue 19's leg risk). */
    qtyB: z.number().nonnegative().optional(),
    entryPriceA: z.number().positive(),
    entryPriceB: z.number().positive(),
    /** Cash flow of the two opening legs, micro-units of the reporting currency. */
    entryCashMicros: z.number().int(),
    openedAt: z.number(),
  })
  .strict();
export type OpenTrade = z.infer<typeof OpenTradeSchema>;

/** Per-symbol counters a checkpoint keeps. */
export const SymbolCountersSchema = z
  .object({
    symbol: z.string(),
    ticks: z.number().int().nonnegative(),
    trades: z.number().int().nonnegative(),
    tradesClosed: z.number().int().nonnegative(),
    rejectedEntries: z.number().int().nonnegative(),
    realizedPnlMicros: z.number().int(),
    /** The premium's `ewma` baseline, bps, and the event time of its last observation, ms (absent from older checkpoints and other baselines). */
    baselineBps: z.number().optional(),
    baselineAt: z.number().optional(),
  })
  .strict();
export type SymbolCounters = z.infer<typeof SymbolCountersSchema>;

/**
 * Everything a shard needs to resume: counters, open trades and the feed's position. Written
 * atomically with the fills up to `lastFillSeq`; fills with a higher `seq` are the ledger tail,
 * replayed on restore.
 */
export const CheckpointSchema = z
  .object({
    version: z.literal(1),
    generation: z.number().int().nonnegative(),
    writtenAt: z.number(),
    lastFillSeq: z.number().int().min(-1),
    nextTradeId: z.number().int().nonnegative(),
    fillsA: z.number().int().nonnegative(),
    fillsB: z.number().int().nonnegative(),
    symbols: z.array(SymbolCountersSchema),
    openTrades: z.array(OpenTradeSchema),
    /** The feed's own resumable state (opaque to everyone but the feed). */
    feed: z.record(z.string(), z.unknown()),
    /** The accepted FX rate and the event time it was stamped, ms (`at` absent: the configured rate). Absent from older checkpoints. */
    fx: z.object({ rate: z.number().positive(), at: z.number().optional() }).strict().optional(),
    /** Entries refused by reason, over the shard's life (absent from older checkpoints). */
    refusals: z.record(z.string(), z.number().int().nonnegative()).optional(),
    /** Closes priced on a stale quote, over the shard's life (absent from older checkpoints). */
    staleCloses: z.number().int().nonnegative().optional(),
    /** Per-venue data quality over the shard's life (absent from older checkpoints). */
    venues: z.object({ a: VenueQualitySchema, b: VenueQualitySchema, fx: VenueQualitySchema }).strict().optional(),
  })
  .strict();
export type Checkpoint = z.infer<typeof CheckpointSchema>;
