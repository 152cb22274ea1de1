/**
 * The part of `report.json` that judges the trading, not the fleet: P&L by exit reason, trade
 * statistics from the ledger, positions left open, data quality per venue, entries refused, the
 * premium over time, and the acceptance rows for data quality and positions. Money is in the
 * reporting currency (venue B's quote) and, where summed, exact integer micro-units.
 */
import { z } from 'zod';
import { FillReasonSchema } from '../model/fill.js';

/** The closed trades of one exit reason. */
export const ExitReasonRowSchema = z
  .object({
    reason: FillReasonSchema,
    trades: z.number().int().nonnegative(),
    pnl: z.number(),
    pnlMicros: z.number().int(),
    wins: z.number().int().nonnegative(),
  })
  .strict();
export type ExitReasonRow = z.infer<typeof ExitReasonRowSchema>;

/**
 * A trade the campaign did not close cleanly: not closed (`open`), or closed at a quote older
 * than `maxQuoteAge` (`stale-close`). The report's labels count the two states apart.
 */
export const OpenPositionSchema = z
  .object({
    shardId: z.string(),
    symbol: z.string(),
    tradeId: z.number().int().nonnegative(),
    /** When it was opened (fill `ts`, engine time). */
    openedAt: z.number(),
    /** `open`: no close in the ledger; `stale-close`: closed on a quote older than maxQuoteAge (`Fill.staleQuote`). */
    state: z.enum(['open', 'stale-close']),
  })
  .strict();
export type OpenPosition = z.infer<typeof OpenPositionSchema>;

/** Trade statistics from the ledger, closed trades in close order. */
export const TradeStatsSchema = z
  .object({
    /** Closed trades (all four legs in the ledger). */
    trades: z.number().int().nonnegative(),
    wins: z.number().int().nonnegative(),
    /** wins / trades; null without a closed trade. */
    winRate: z.number().min(0).max(1).nullable(),
    pnl: z.number(),
    pnlMicros: z.number().int(),
    /** pnl / trades; null without a closed trade. */
    pnlPerTrade: z.number().nullable(),
    /** Largest fall of cumulative realised P&L from a running peak (which starts at 0), closed trades in close order; ≥ 0. */
    maxDrawdown: z.number().nonnegative(),
    maxDrawdownMicros: z.number().int().nonnegative(),
    byExitReason: z.array(ExitReasonRowSchema),
    /** Closes the campaign's end made (reason CAMPAIGN_END), at the last quotes. */
    campaignEndCloses: z.number().int().nonnegative(),
  })
  .strict();
export type TradeStats = z.infer<typeof TradeStatsSchema>;

/** One venue's (or the FX rate's) data quality over the campaign, summed over shards. */
export const VenueQualityRowSchema = z
  .object({
    venue: z.enum(['a', 'b', 'fx']),
    name: z.string(),
    updates: z.number().int().nonnegative(),
    /** Share of heartbeats at which the venue's last update was at most `maxAgeSec` old (event time); null without samples. */
    coverage: z.number().min(0).max(1).nullable(),
    /**
     * The age bound coverage is judged against, seconds: `strategy.maxQuoteAge` for venues A and B,
     * `strategy.maxFxAge` for the FX rate; null when there is none (FX without maxFxAge, or a fixed rate).
     */
    maxAgeSec: z.number().positive().nullable(),
    /** Stretches of consecutive heartbeats with the last update older than `maxAgeSec`. */
    gaps: z.number().int().nonnegative(),
    /** Age of the last update at each heartbeat (eventTime − lastUpdateAt), seconds; null without samples. */
    ageP50Sec: z.number().nonnegative().nullable(),
    ageP99Sec: z.number().nonnegative().nullable(),
    skipped: z.record(z.string(), z.number().int().nonnegative()),
    /** Where the quotes (or the rate) came from. */
    source: z.string(),
  })
  .strict();
export type VenueQualityRow = z.infer<typeof VenueQualityRowSchema>;

/** One point of the premium chart: engine time, premium and baseline (bps). */
export const PremiumPointSchema = z
  .object({
    at: z.number(),
    generation: z.number().int().nonnegative(),
    premiumBps: z.number(),
    baselineBps: z.number().nullable(),
  })
  .strict();

export const PremiumSeriesSchema = z.object({ shardId: z.string(), symbol: z.string(), points: z.array(PremiumPointSchema) }).strict();
export type PremiumSeries = z.infer<typeof PremiumSeriesSchema>;

/** An acceptance row about the trading (beside the seed report's fleet rows). */
export const TradingCriterionSchema = z
  .object({
    id: z.enum(['no-stale-entry', 'data-coverage', 'no-open-positions']),
    criterion: z.string(),
    target: z.string(),
    result: z.string(),
    pass: z.boolean(),
  })
  .strict();
export type TradingCriterion = z.infer<typeof TradingCriterionSchema>;

export const TradingReportSchema = z
  .object({
    stats: TradeStatsSchema,
    openAtEnd: z.array(OpenPositionSchema),
    venues: z.array(VenueQualityRowSchema),
    /** Entries the engines refused, by reason (last heartbeat of each generation, summed). */
    refusals: z.record(z.string(), z.number().int().nonnegative()),
    premium: z.array(PremiumSeriesSchema),
    acceptance: z.array(TradingCriterionSchema),
  })
  .strict();
export type TradingReport = z.infer<typeof TradingReportSchema>;
