/**
 * The part of `report.json` that judges the trading, not the fleet: P&L by exit reason, trade
 * statistics from the ledger, positions left open, data quality per venue, entries refused, the
 * premium over time, and the acceptance rows for data quality and positions. Money is in the
 * reporting currency (venue B's quote, `totals.realizedPnl.currency`), always in exact integer micro-units
 * (`Micros`, `core/model/units.ts`): floats appear only in ratios and where the renderers write text.
 */
import { z } from 'zod';
import { FillReasonSchema } from '../model/fill.js';
import { MicrosSchema } from '../model/units.js';

/** The closed trades of one exit reason. */
export const ExitReasonRowSchema = z
  .object({
    reason: FillReasonSchema,
    trades: z.number().int().nonnegative(),
    pnlMicros: MicrosSchema,
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
    pnlMicros: MicrosSchema,
    /** pnlMicros / trades rounded to the micro-unit (half away from zero); null without a closed trade. */
    pnlPerTradeMicros: MicrosSchema.nullable(),
    /** Largest fall of cumulative realised P&L from a running peak (which starts at 0), closed trades in close order; ≥ 0. */
    maxDrawdownMicros: MicrosSchema.refine((v) => v >= 0, 'a drawdown is ≥ 0'),
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
    /**
     * What the venue's quotes were aged by: `exchange` (the venue's own event time: its updates
     * carried one), `arrival` (a live venue whose updates carried none) or
     * `recorded` (a replay's or synthetic feed's time). Absent from older reports.
     */
    agedBy: z.enum(['exchange', 'arrival', 'recorded']).optional(),
    /** Arrival lag (arrival − exchange time) p50 and p99, ms: the worst shard's, from each shard's last heartbeat; null when not measured. */
    lagP50Ms: z.number().nullable().optional(),
    lagP99Ms: z.number().nullable().optional(),
    /** The clock offset estimate (minimum lag), ms: the smallest of the shards'; null when not measured. */
    clockOffsetMs: z.number().nullable().optional(),
    /** Frames that arrived later than the age bound by exchange time, and bursts of them, summed over shards. */
    lateFrames: z.number().int().nonnegative().optional(),
    lateBursts: z.number().int().nonnegative().optional(),
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

/**
 * One trade of the blotter, from its fills: `closedAt`, `exitA`/`exitB`, `exitReason` and the P&L are
 * null while it has no close leg. Prices are each venue's own quote currency; P&L is the reporting
 * currency (the sum of `fillCashMicros` over its legs).
 */
export const TradeRowSchema = z
  .object({
    shardId: z.string(),
    symbol: z.string(),
    tradeId: z.number().int().nonnegative(),
    /** `sell-a-buy-b` (A rich) or `buy-a-sell-b` (A cheap): the side of the A leg at entry. */
    direction: z.enum(['sell-a-buy-b', 'buy-a-sell-b']),
    /** Entry time (earliest OPEN fill `ts`, engine time, ms). */
    openedAt: z.number(),
    /** Exit time (latest CLOSE fill `ts`, ms); null while open. */
    closedAt: z.number().nullable(),
    /**
     * Entry and exit prices per venue, each in its own quote currency; null when that leg is not in the
     * ledger or filled nothing (a missed leg's fill has quantity 0: its price was never paid).
     */
    entryA: z.number().nullable(),
    entryB: z.number().nullable(),
    exitA: z.number().nullable(),
    exitB: z.number().nullable(),
    /** Quantity each venue's entry leg filled, base asset; null when that leg is not in the ledger (0: the leg missed). */
    qtyA: z.number().nonnegative().nullable(),
    qtyB: z.number().nonnegative().nullable(),
    /** Quantity each venue's entry leg was ordered (`Fill.orderedQty`); null for fills without execution detail (filled as ordered). */
    orderedQtyA: z.number().nonnegative().nullable(),
    orderedQtyB: z.number().nonnegative().nullable(),
    /**
     * The entry legs filled different quantities (leg risk, `execution-model.ts`): the venue that filled
     * more and the quantity it holds without a hedge on the other (`|qtyA − qtyB|`); null when they agree
     * within `UNHEDGED_TOLERANCE`. Its P&L is in part a bare position's, not the spread's.
     */
    unhedged: z
      .object({ venue: z.enum(['A', 'B']), qty: z.number().positive() })
      .strict()
      .nullable(),
    /** Age of venue A's / B's quote the entry was priced on, seconds (`eventTs − quoteTsA`); null for fills without quote times. */
    quoteAgeASec: z.number().nullable(),
    quoteAgeBSec: z.number().nullable(),
    exitReason: FillReasonSchema.nullable(),
    pnlMicros: MicrosSchema.nullable(),
    /** pnlMicros / entry notional (venue B's OPEN leg, qty × price, reporting currency); null while open. */
    returnOnNotional: z.number().nullable(),
  })
  .strict();
export type TradeRow = z.infer<typeof TradeRowSchema>;

/** The closed trades of one symbol (all shards). */
export const SymbolPnlRowSchema = z
  .object({
    symbol: z.string(),
    trades: z.number().int().nonnegative(),
    wins: z.number().int().nonnegative(),
    /** wins / trades (trades ≥ 1 in every row). */
    winRate: z.number().min(0).max(1),
    /** Exact: the integer sum of the trades' pnlMicros. */
    pnlMicros: MicrosSchema,
    bestMicros: MicrosSchema,
    worstMicros: MicrosSchema,
  })
  .strict();
export type SymbolPnlRow = z.infer<typeof SymbolPnlRowSchema>;

/** Risk figures over the closed trades (`riskFiguresOf` gives the formulas). */
export const RiskFiguresSchema = z
  .object({
    grossProfitMicros: MicrosSchema,
    /** The sum of the losing trades' P&L, as a positive number. */
    grossLossMicros: MicrosSchema,
    /** grossProfit / grossLoss; null when there is no loss (see `profitFactorNote`). */
    profitFactor: z.number().nonnegative().nullable(),
    /** Why `profitFactor` is null: `no-trade`, `no-loss` (∞ with a profit, n/a with none). */
    profitFactorNote: z.enum(['no-trade', 'no-loss']).nullable(),
    /** Per-trade Sharpe ratio, not annualised: mean / sample standard deviation of `returnOnNotional`; null below 2 trades or with no dispersion. */
    sharpePerTrade: z.number().nullable(),
    /** How many trade returns the Sharpe ratio is taken over. */
    sharpeSamples: z.number().int().nonnegative(),
  })
  .strict();
export type RiskFigures = z.infer<typeof RiskFiguresSchema>;

export const TradingReportSchema = z
  .object({
    stats: TradeStatsSchema,
    /** Closed trades per symbol, best P&L first (absent from reports built before it existed). */
    bySymbol: z.array(SymbolPnlRowSchema).optional(),
    /** Profit factor and Sharpe (absent from reports built before they existed). */
    risk: RiskFiguresSchema.optional(),
    /** Every trade in the ledger, closed ones in close order then open ones by entry (absent from older reports). */
    trades: z.array(TradeRowSchema).optional(),
    /** The premium rule's entry bound e = strategy.entryBps + both taker fees, bps, drawn as baseline ± e; null without fees in the config (absent from older reports). */
    entryThresholdBps: z.number().nullable().optional(),
    openAtEnd: z.array(OpenPositionSchema),
    venues: z.array(VenueQualityRowSchema),
    /** Entries the engines refused, by reason (last heartbeat of each generation, summed). */
    refusals: z.record(z.string(), z.number().int().nonnegative()),
    premium: z.array(PremiumSeriesSchema),
    acceptance: z.array(TradingCriterionSchema),
  })
  .strict();
export type TradingReport = z.infer<typeof TradingReportSchema>;
