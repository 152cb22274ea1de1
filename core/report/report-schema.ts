/**
 * The shape of `report.json`: what a campaign did, per shard and in total, and the acceptance
 * table the seed report wrote by hand, computed. Every number here is derived by `buildReport`
 * from the stored records, heartbeats, ledgers and checkpoints; nothing is typed in.
 *
 * Times are ms since the epoch (as in the records); `t` in series is seconds since the campaign
 * started. Rules behind numbers that are not plain counts are spelled out in `notes`.
 */
import { z } from 'zod';
import { ExecutionQualitySchema } from './execution-quality.js';
import { ReportEngineSchema } from './report-config.js';
import { TradingReportSchema } from './trading-schema.js';
import { CampaignStatusSchema, RestartCauseSchema, RestartRecordSchema, ShardStatusSchema } from '../model/records.js';
import { MicrosSchema, MoneySchema } from '../model/units.js';

/** Loop latency in microseconds. See `LATENCY_RULE` for how p50/p99 are combined. */
export const LatencySummarySchema = z
  .object({
    p50: z.number().nonnegative(),
    p99: z.number().nonnegative(),
    max: z.number().nonnegative(),
  })
  .strict();
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

/**
 * What a shard (or the whole campaign) did: trades, fills and realised P&L as the ledger holds them
 * (`ledgerCountsOf`, `ledgerPnlMicros` in `report-totals.ts`); ticks, latency and memory as the
 * engines last reported them (only they can say), labelled engine-reported where rendered.
 */
export const ReportTotalsSchema = z
  .object({
    /** Market updates the engine says it took (its last heartbeat's `ticks`): engine-reported. */
    ticks: z.number().int().nonnegative(),
    /** `ticks / ranSec`: the average over the campaign's run, downtime included (engine-reported). */
    ticksPerSec: z.number().nonnegative(),
    /** Trades in the ledger (distinct `tradeId`s of the committed fills), never the engine's count. */
    trades: z.number().int().nonnegative(),
    /** Of which closed (a CLOSE leg committed). */
    tradesClosed: z.number().int().nonnegative(),
    /** Committed fills on venue A, and on venue B (ledger rows). */
    fillsA: z.number().int().nonnegative(),
    fillsB: z.number().int().nonnegative(),
    /**
     * Realised P&L from the ledger (`ledgerPnlMicros`, `report-totals.ts`: the fills of closed trades,
     * as the Trading section sums them), never the engines' heartbeat figure, which the ledger check
     * compares with it: exact integer micro-units with the reporting currency (venue B's quote); a
     * campaign's is the integer sum of its shards'.
     */
    realizedPnl: MoneySchema,
    latencyUs: LatencySummarySchema,
    /** Highest resident set size of one task (in total: of any shard's task). */
    peakRssBytes: z.number().int().nonnegative(),
    /** Number of restarts that happened (a new generation launched); the incident a shard failed on is not one. */
    restarts: z.number().int().nonnegative(),
  })
  .strict();
export type ReportTotals = z.infer<typeof ReportTotalsSchema>;

/** One shard: where it stands, what it did, and every restart with its cause and evidence. */
export const ShardReportSchema = z
  .object({
    shardId: z.string(),
    symbols: z.array(z.string()),
    status: ShardStatusSchema,
    generation: z.number().int().nonnegative(),
    totals: ReportTotalsSchema,
    restarts: z.array(RestartRecordSchema),
  })
  .strict();
export type ShardReport = z.infer<typeof ShardReportSchema>;

/** One row of the acceptance table. `id` is stable across versions; the rest is for people. */
export const AcceptanceCriterionSchema = z
  .object({
    id: z.enum([
      'full-duration',
      'loop-latency',
      'monitoring',
      'no-unrecovered-stall',
      'continuous-trades',
      'all-symbols-traded',
      'no-unhandled-exception',
      'ledger-exact',
    ]),
    criterion: z.string(),
    target: z.string(),
    result: z.string(),
    pass: z.boolean(),
  })
  .strict();
export type AcceptanceCriterion = z.infer<typeof AcceptanceCriterionSchema>;
export type AcceptanceId = AcceptanceCriterion['id'];

/** The ledger of one shard against its engine's counters. */
export const ShardLedgerCheckSchema = z
  .object({
    shardId: z.string(),
    /** Rows in the ledger, duplicates included. */
    fillsInLedger: z.number().int().nonnegative(),
    /** `fillsA + fillsB` of the shard's last checkpoint (0 without one). */
    fillsCounted: z.number().int().nonnegative(),
    /**
     * What the shard's last heartbeat reported: fills made (`fillsA + fillsB`) once the shard is
     * COMPLETED, fills committed (`lastFillSeq + 1`) while it runs or once it FAILED; 0 without one.
     */
    fillsReported: z.number().int().nonnegative(),
    /** Counted or reported by the engine but missing from the ledger: `max(0, max(counted, reported) - unique)`. */
    lost: z.number().int().nonnegative(),
    /** Extra copies: rows repeating an earlier row's `seq` or `(tradeId, venue, kind)`. */
    duplicated: z.number().int().nonnegative(),
    /**
     * Trades whose entry repeats an earlier trade's (symbol, event time, and each leg's venue, side
     * and price) under other seqs and trade ids: market updates traded twice.
     */
    repeatedDecisions: z.number().int().nonnegative(),
    /** In the ledger but beyond the checkpoint's counters or its `lastFillSeq`: `max(0, unique - min(counted, lastFillSeq + 1))`. */
    uncounted: z.number().int().nonnegative(),
    /** The fills the last checkpoint's `lastFillSeq` covers (`lastFillSeq + 1`), when its counts (`fillsCounted`) say otherwise: a checkpoint at odds with itself. */
    checkpointCovers: z.number().int().nonnegative().optional(),
    /** Realised P&L recomputed from the ledger (each fill by `fillCashMicros`), micro-units of the reporting currency. */
    realizedPnlMicros: MicrosSchema,
    /**
     * The engine's realised P&L from the last heartbeat, micro-units, when that heartbeat counted
     * exactly the ledger's fills (null otherwise: not comparable).
     */
    reportedPnlMicros: MicrosSchema.nullable(),
    /** |ledger − reported| in micro-units when they differ beyond rounding; 0 when they agree or are not comparable. */
    pnlMismatchMicros: MicrosSchema.refine((v) => v >= 0, 'a mismatch is ≥ 0'),
    /**
     * When the last heartbeat trailed the ledger (counted fewer fills than it holds, all of them
     * committed when it was written): the fills its P&L was compared with (the ledger's first, by seq)
     * and their realised P&L, micro-units. Absent when it counted the ledger's fills, or was not compared.
     */
    pnlComparedFills: z.number().int().nonnegative().optional(),
    pnlComparedMicros: MicrosSchema.optional(),
    /** Trades in the ledger (distinct `tradeId`s), and of which closed (a CLOSE leg committed). */
    tradesInLedger: z.number().int().nonnegative(),
    tradesClosedInLedger: z.number().int().nonnegative(),
    /** What the shard's last heartbeat claimed: trades opened (`Progress.trades`) and closed (`Progress.tradesClosed`); 0 without one. */
    tradesReported: z.number().int().nonnegative(),
    tradesClosedReported: z.number().int().nonnegative(),
    /**
     * Trades the engine's last heartbeat claimed beyond what the ledger holds, once the shard is
     * COMPLETED (its last heartbeat follows its last commit): max(0, reported − ledger) of the opened
     * plus of the closed; 0 before that (trades still in flight) or once FAILED (lost with the
     * engine). A heartbeat trailing the ledger (a final one lost to a store stall) is no claim.
     */
    tradesOverclaimed: z.number().int().nonnegative(),
    /**
     * Fills no correct engine makes (`fillRuleBreaksOf`, tolerance `FILL_RULE_TOLERANCE`): trades whose
     * close on a venue moved another quantity than their entry there; entry legs filled above their
     * `orderedQty`; legs on a venue with no latency filled better than their `decisionPrice`; legs
     * whose `beyondBookQty` is above their quantity, or on an entry (0 in a report written before it was checked).
     */
    partialCloses: z.number().int().nonnegative(),
    overfilledEntries: z.number().int().nonnegative(),
    betterThanDecision: z.number().int().nonnegative(),
    beyondBookOverruns: z.number().int().nonnegative().default(0),
    /** Fills of a malformed shape (`fillRuleBreaksOf`: reason against kind, a trade of two symbols or closed before it opened, a symbol or generation not the shard's; 0 in a report written before it was checked). */
    malformedFills: z.number().int().nonnegative().default(0),
    /** The first few of those in words, each naming its shard, trade and venue. */
    fillRuleBreaks: z.array(z.string()),
  })
  .strict();
export type ShardLedgerCheck = z.infer<typeof ShardLedgerCheckSchema>;

/** Exactly once, checked: every fill the engines counted is in the ledger, once. */
export const LedgerCheckSchema = ShardLedgerCheckSchema.omit({ shardId: true })
  .extend({
    pass: z.boolean(),
    shards: z.array(ShardLedgerCheckSchema),
  })
  .strict();
export type LedgerCheck = z.infer<typeof LedgerCheckSchema>;

/** One heartbeat (or the merge of several, when downsampled) of one shard, for the charts. */
export const SeriesPointSchema = z
  .object({
    /** Seconds since the campaign started (when the store received the heartbeat). */
    t: z.number(),
    /** The generation that sent it: charts break their lines where it changes (a restart). */
    generation: z.number().int().nonnegative(),
    ticksPerSec: z.number().nonnegative(),
    /** Trades opened so far (cumulative). */
    trades: z.number().int().nonnegative(),
    rssBytes: z.number().int().nonnegative(),
    latencyP99Us: z.number().nonnegative(),
  })
  .strict();
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;

/** A shard's time series, at most `MAX_SERIES_POINTS` points. */
export const ShardSeriesSchema = z
  .object({
    shardId: z.string(),
    points: z.array(SeriesPointSchema),
  })
  .strict();
export type ShardSeries = z.infer<typeof ShardSeriesSchema>;

/** A histogram bucket: `fromUs <= value < toUs` (`toUs` null for the open last bucket). */
export const LatencyBucketSchema = z
  .object({
    fromUs: z.number().nonnegative(),
    toUs: z.number().positive().nullable(),
    count: z.number().int().nonnegative(),
  })
  .strict();
export type LatencyBucket = z.infer<typeof LatencyBucketSchema>;

/** The latency histogram and what its counts are counts of. */
export const LatencyHistogramSchema = z
  .object({
    /** `heartbeat-p99`: one count per heartbeat, of the p99 it reported (see `LATENCY_HISTOGRAM_RULE`). */
    source: z.literal('heartbeat-p99'),
    buckets: z.array(LatencyBucketSchema),
  })
  .strict();
export type LatencyHistogramReport = z.infer<typeof LatencyHistogramSchema>;

/** One mark on the restart timeline: a restart (at its `failedAt`) or a shard that FAILED. */
export const TimelineEventSchema = z
  .object({
    /** Seconds since the campaign started. */
    t: z.number(),
    shardId: z.string(),
    kind: z.enum(['restart', 'failed']),
    /** The restart's cause; for `failed`, the cause of the event if it named one. */
    cause: RestartCauseSchema.nullable(),
    /** Seconds until the next generation heartbeated (null: not restarted, or a `failed` mark). */
    downtimeSec: z.number().nonnegative().nullable(),
  })
  .strict();
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

/** One failed acceptance or trading row, as the outcome names it. */
export const FailedRowSchema = z.object({ id: z.string(), criterion: z.string(), result: z.string() }).strict();

/**
 * The campaign's outcome by its own acceptance table: the fleet rows (`acceptance`) and the trading
 * rows (`trading.acceptance`) together. `arbfleet run --strict` exits 4 when `failed` > 0; the API's
 * `GET /campaigns/{id}/report` carries the same object.
 */
export const ReportOutcomeSchema = z
  .object({
    acceptance: z
      .object({
        passed: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
        total: z.number().int().nonnegative(),
        failedRows: z.array(FailedRowSchema),
      })
      .strict(),
  })
  .strict();
export type ReportOutcome = z.infer<typeof ReportOutcomeSchema>;

/** The outcome of `rows` (every acceptance and trading row of a report). */
export function outcomeOf(rows: readonly { id: string; criterion: string; result: string; pass: boolean }[]): ReportOutcome {
  const failedRows = rows.filter((r) => !r.pass).map(({ id, criterion, result }) => ({ id, criterion, result }));
  return { acceptance: { passed: rows.length - failedRows.length, failed: failedRows.length, total: rows.length, failedRows } };
}

/**
 * The version of `report.json`'s shape. 2: money is integer micro-units with its currency
 * (`totals.realizedPnl` is `{ micros, currency }`; the float `pnl`, `pnlPerTrade` and `maxDrawdown`
 * beside the micros are gone). 1: float P&L beside a separate `totals.currency`.
 */
export const REPORT_SCHEMA_VERSION = 2;

/** The campaign report: `report.json`. */
export const CampaignReportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    /** When the report was built (ms). */
    generatedAt: z.number(),
    campaign: z
      .object({
        id: z.string(),
        name: z.string(),
        /** `name` of the campaign's config. */
        configName: z.string(),
        status: CampaignStatusSchema,
        startedAt: z.number().nullable(),
        endedAt: z.number().nullable(),
        /** The configured duration. */
        durationSec: z.number().nonnegative(),
        /** How long it actually ran: to `endedAt`, or to the report's time while it still runs. */
        ranSec: z.number().nonnegative(),
        endReason: z.string().nullable(),
        symbols: z.array(z.string()),
        shardCount: z.number().int().nonnegative(),
        /** `watchdog.staleAfter` of the config (seconds): the monitoring criterion's bound. */
        staleAfterSec: z.number().positive(),
        /** The schedule this campaign is a run of, and which occurrence (ms); absent for a one-off campaign. */
        schedule: z.object({ id: z.string(), occurrence: z.number().nullable() }).strict().optional(),
        /** The engine that ran: the config's `engine` (built-in, or a command behind the agent) and what the engine said in its hello: name, version, task protocol version (absent from older reports). */
        engine: ReportEngineSchema.optional(),
      })
      .strict(),
    totals: ReportTotalsSchema,
    shards: z.array(ShardReportSchema),
    acceptance: z.array(AcceptanceCriterionSchema),
    ledger: LedgerCheckSchema,
    series: z
      .object({
        shards: z.array(ShardSeriesSchema),
        latencyHistogram: LatencyHistogramSchema,
        timeline: z.array(TimelineEventSchema),
      })
      .strict(),
    /** The trading judged beside the fleet (absent from reports built before it existed). */
    trading: TradingReportSchema.optional(),
    /** How the paper fills were made and how they came out against the decisions (issue 19; absent from older reports). */
    execution: ExecutionQualitySchema.optional(),
    /** How many acceptance and trading rows passed and which failed (`outcomeOf`). */
    outcome: ReportOutcomeSchema,
    /** The rules behind derived numbers, in words. */
    notes: z.array(z.string()),
  })
  .strict();
export type CampaignReport = z.infer<typeof CampaignReportSchema>;

/** Series are downsampled to at most this many points per shard. */
export const MAX_SERIES_POINTS = 300;

/** How `latencyUs` is derived: stated in every report's `notes`. */
export const LATENCY_RULE =
  'Latency p50/p99: each generation of a shard reports percentiles over all its ticks so far, so its last heartbeat covers ' +
  'the whole generation; a shard takes the highest over its generations and the campaign the highest over its shards. ' +
  'That is an upper bound: the percentile over all ticks is never higher. Max is the highest maximum any heartbeat reported.';

/** How the latency histogram is derived: stated in every report's `notes`. */
export const LATENCY_HISTOGRAM_RULE =
  'Latency histogram: no per-tick buckets are stored, so it counts heartbeats by the p99 each reported ' +
  '(cumulative over its generation), across all shards.';

/** How throughput is derived: stated in every report's `notes`. */
export const THROUGHPUT_RULE =
  "Ticks/s in totals is ticks divided by the campaign's run time (downtime included); charts show the rate each heartbeat reported.";
