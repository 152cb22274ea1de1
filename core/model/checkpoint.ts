import { z } from 'zod';
import { EpochMsSchema, MicrosSchema } from './units.js';
import { FillReasonSchema } from './fill.js';
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
    /**
     * The entry's order quantity (base asset) when the larger leg filled short of it: the trade's
     * P&L in bps is measured on the part of `orderNotional` that filled, `orderNotional ×
     * max(qty, qtyB) / orderedQty` (`engine-task/src/portfolio/portfolio.ts` `filledNotional`).
     * Absent: filled in full, measured on the whole `orderNotional`; a checkpoint written before
     * the field restores its trades that way too, as the engine that wrote it measured them.
     */
    orderedQty: z.number().positive().optional(),
    entryPriceA: z.number().positive(),
    entryPriceB: z.number().positive(),
    /** Cash flow of the two opening legs, micro-units of the reporting currency. */
    entryCashMicros: z.number().int(),
    openedAt: EpochMsSchema,
  })
  .strict();
export type OpenTrade = z.infer<typeof OpenTradeSchema>;

/** A venue's book as an order in flight will fill against it (its instrument's last update): top, time, recorded levels and the size fills already took. */
export const KeptBookSchema = z
  .object({
    bid: z.number().positive(),
    ask: z.number().positive(),
    /** The quote's event time, ms (the book's `updatedAt`). */
    at: z.number(),
    /** Recorded levels, best first, `[price, size]` (absent: the update carried no size, or the model keeps none). */
    bids: z.array(z.tuple([z.number(), z.number()])).optional(),
    asks: z.array(z.tuple([z.number(), z.number()])).optional(),
    /** Size paper fills took from each side since that update (issue 19's liquidity consumption). */
    takenBid: z.number().nonnegative().optional(),
    takenAsk: z.number().nonnegative().optional(),
  })
  .strict();
export type KeptBook = z.infer<typeof KeptBookSchema>;

/** One leg of an order in flight: still on its way (`due`, with its venue's book then), or filled (`qty`, `price`, `ts`). */
export const InFlightLegSchema = z.union([
  z.object({ due: z.number(), book: KeptBookSchema.optional() }).strict(),
  z
    .object({
      qty: z.number().nonnegative(),
      price: z.number().nonnegative(),
      ts: z.number(),
      unsized: z.boolean().optional(),
      /** A filled exit leg's quantity beyond the displayed book (`Fill.beyondBookQty`), carried to its fill. */
      beyondBookQty: z.number().nonnegative().optional(),
    })
    .strict(),
]);
export type InFlightLeg = z.infer<typeof InFlightLegSchema>;

/**
 * An order decided but not yet filled on both venues when the checkpoint was taken (issue 19's
 * latency: `engine-task/src/execution/in-flight-orders.ts` states the rule). An `OPEN` has no
 * trade id and nothing in the ledger yet; a `CLOSE` closes the open trade `tradeId`.
 */
export const InFlightOrderSchema = z
  .object({
    kind: z.enum(['OPEN', 'CLOSE']),
    symbol: z.string(),
    buyVenue: z.enum(['A', 'B']),
    tradeId: z.number().int().nonnegative().optional(),
    reason: FillReasonSchema,
    /** Event time of the decision, ms, and its wall clock. */
    decidedAt: z.number(),
    decidedWall: z.number(),
    /** Top prices decided on, and the event times of the two quotes. */
    decisionPriceA: z.number(),
    decisionPriceB: z.number(),
    quoteTsA: z.number(),
    quoteTsB: z.number(),
    /** The quantity both legs were sent for (an entry's) and the strategy's order quantity. */
    sent: z.number().nonnegative(),
    ordered: z.number().nonnegative(),
    staleQuote: z.boolean(),
    a: InFlightLegSchema,
    b: InFlightLegSchema,
  })
  .strict();
export type InFlightOrder = z.infer<typeof InFlightOrderSchema>;

/** Per-symbol counters a checkpoint keeps. */
export const SymbolCountersSchema = z
  .object({
    symbol: z.string(),
    ticks: z.number().int().nonnegative(),
    trades: z.number().int().nonnegative(),
    tradesClosed: z.number().int().nonnegative(),
    rejectedEntries: z.number().int().nonnegative(),
    /** Realised P&L of the symbol over the shard's life, micro-units of the reporting currency (`Micros`). */
    realizedPnlMicros: MicrosSchema,
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
    writtenAt: EpochMsSchema,
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
    /** Orders decided but not filled on both venues yet (a venue's latency, issue 19); absent when none was. */
    inFlight: z.array(InFlightOrderSchema).optional(),
  })
  .strict();
export type Checkpoint = z.infer<typeof CheckpointSchema>;
