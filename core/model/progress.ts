import { z } from 'zod';

/** What one symbol of a shard has done so far (carried in heartbeats, shown by monitors). */
export const SymbolProgressSchema = z
  .object({
    symbol: z.string(),
    ticks: z.number().int().nonnegative(),
    trades: z.number().int().nonnegative(),
    openTrades: z.number().int().nonnegative(),
    realizedPnl: z.number(),
    latencyP99Us: z.number().nonnegative(),
  })
  .strict();
export type SymbolProgress = z.infer<typeof SymbolProgressSchema>;

/**
 * A heartbeat's payload: progress, not just liveness. A task whose heartbeats keep coming but
 * whose `ticks` stand still is stalled.
 */
export const ProgressSchema = z
  .object({
    /** When the engine measured this, ms since the epoch (engine clock). */
    at: z.number(),
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
    realizedPnl: z.number(),
    /** Realised P&L as the exact integer the engine sums, micro-units of the reporting currency (absent from older heartbeats). */
    realizedPnlMicros: z.number().int().optional(),
    unrealizedPnl: z.number(),
    latencyP50Us: z.number().nonnegative(),
    latencyP99Us: z.number().nonnegative(),
    latencyMaxUs: z.number().nonnegative(),
    rssBytes: z.number().int().nonnegative(),
    heapUsedBytes: z.number().int().nonnegative(),
    symbols: z.array(SymbolProgressSchema),
  })
  .strict();
export type Progress = z.infer<typeof ProgressSchema>;
