/**
 * The campaign report: a pure function of what the store holds about a campaign and the time,
 * plus the one loader that gathers that from a `CampaignStore`. Renderers (`render-markdown.ts`,
 * `render-html.ts`) turn the result into pages; `report.json` is the result itself.
 */
import type { ReplayExtent } from '../data/replay-extent.js';
import { NotFoundError } from '../errors.js';
import type { CampaignRecord, Heartbeat, LifecycleEvent, ShardRecord } from '../model/records.js';
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import type { CampaignStore } from '../ports.js';
import { assessAcceptance } from './acceptance.js';
import { heartbeatHistoryOf } from './heartbeat-history.js';
import { checkLedgers, checkShardLedger, feesBpsOf } from './ledger-check.js';
import { engineThatRan, reportConfigOf } from './report-config.js';
import {
  LATENCY_HISTOGRAM_RULE,
  LATENCY_RULE,
  outcomeOf,
  REPORT_SCHEMA_VERSION,
  THROUGHPUT_RULE,
  type CampaignReport,
  type ShardReport,
} from './report-schema.js';
import { latencyHistogramOf, restartTimelineOf, SERIES_RULE, shardSeriesOf } from './report-series.js';
import { campaignTotals, shardTotals } from './report-totals.js';
import { runWindowOf } from './run-window.js';
import { TRADE_WINDOW_SEC } from './trade-windows.js';
import { OPPORTUNITY_MULTIPLE, TAIL_FRACTION } from './trading-tail.js';
import { TRADING_NOTES, tradingConfigOf, tradingReportOf } from './trading.js';
import { EXECUTION_NOTES, executionQualityOf, executionSettingsOf } from './execution-quality.js';

/** Everything a report is built from, keyed by `shardId` where per shard. */
export interface ReportInput {
  campaign: CampaignRecord;
  shards: ShardRecord[];
  /** Every heartbeat of each shard, oldest first, across generations. */
  heartbeats: Record<string, Heartbeat[]>;
  /** Every fill of each shard, in `seq` order. */
  ledgers: Record<string, Fill[]>;
  /** Each shard's last checkpoint. */
  checkpoints: Record<string, Checkpoint | undefined>;
  events: LifecycleEvent[];
  /** The report's time (ms): the end of the run while the campaign still runs. */
  now: number;
  /**
   * Where a replay's recorded data ends, read from its files by the control plane
   * (`core/data/replay-extent.ts`); absent where they were not read (the AWS reporter), and then an
   * engine's feed-done is taken on its word and the row says so.
   */
  replayExtent?: ReplayExtent;
}

/** Builds the campaign report from `input`. Pure: the same input gives the same report. */
export function buildReport(input: ReportInput): CampaignReport {
  const { campaign, now } = input;
  const config = reportConfigOf(campaign);
  const window = runWindowOf(campaign, now);
  const shards = [...input.shards].sort((a, b) => a.index - b.index || a.shardId.localeCompare(b.shardId));
  const histories = new Map(shards.map((s) => [s.shardId, heartbeatHistoryOf(s, input.heartbeats[s.shardId])]));
  const historyOf = (s: ShardRecord) => histories.get(s.shardId) ?? [];

  const shardReports: ShardReport[] = shards.map((s) => ({
    shardId: s.shardId,
    symbols: [...s.symbols],
    status: s.status,
    generation: s.generation,
    totals: shardTotals(s, historyOf(s), input.ledgers[s.shardId] ?? [], window.ranSec, config.currency),
    restarts: s.restarts.map((r) => ({ ...r, detail: { ...r.detail } })),
  }));
  const ledgers = Object.fromEntries(shards.map((s) => [s.shardId, input.ledgers[s.shardId] ?? []]));
  const ledger = checkLedgers(
    shards.map((s) =>
      checkShardLedger({
        shardId: s.shardId,
        status: s.status,
        ledger: ledgers[s.shardId] ?? [],
        checkpoint: input.checkpoints[s.shardId],
        lastProgress: historyOf(s).at(-1)?.progress,
        latencyMs: executionSettingsOf(campaign.config).latencyMs,
        shard: { symbols: s.symbols, generation: s.generation },
        ...feesBpsOf(campaign.config),
      }),
    ),
  );

  const acceptance = assessAcceptance({ campaign, config, window, now, shards, histories, ledgers, shardReports, ledger, replayExtent: input.replayExtent });
  const trading = tradingReportOf(ledgers, histories, tradingConfigOf(campaign.config));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: now,
    campaign: {
      id: campaign.campaignId,
      name: campaign.name,
      configName: config.name,
      status: campaign.status,
      startedAt: campaign.startedAt ?? null,
      endedAt: campaign.endedAt ?? null,
      durationSec: config.durationSec,
      ranSec: window.ranSec,
      endReason: campaign.endReason ?? null,
      symbols: [...campaign.symbols],
      shardCount: shards.length,
      staleAfterSec: config.staleAfterSec,
      engine: engineThatRan(config.engine, histories.values()),
      ...(campaign.scheduleId !== undefined ? { schedule: { id: campaign.scheduleId, occurrence: campaign.occurrence ?? null } } : {}),
    },
    totals: campaignTotals(
      shardReports.map((s) => s.totals),
      window.ranSec,
      config.currency,
    ),
    shards: shardReports,
    acceptance,
    trading,
    execution: executionQualityOf(ledgers, campaign.config, trading.refusals),
    outcome: outcomeOf([...acceptance, ...trading.acceptance]),
    ledger,
    series: {
      shards: shards.map((s) => shardSeriesOf(s.shardId, historyOf(s), window)),
      latencyHistogram: { source: 'heartbeat-p99', buckets: latencyHistogramOf(histories.values()) },
      timeline: restartTimelineOf(shards, input.events, window),
    },
    notes: [
      LATENCY_RULE,
      LATENCY_HISTOGRAM_RULE,
      THROUGHPUT_RULE,
      SERIES_RULE,
      `Continuous trades: on the wall clock the run is cut into ${TRADE_WINDOW_SEC / 60}-minute windows from its start (a shorter tail joins the last ` +
        'window; a shorter run is one window), each needing an opening fill in some ledger. A clock: virtual campaign (a backtest) is judged ' +
        `in recorded time: each shard's last ${TAIL_FRACTION * 100} % of the recorded span it heartbeated over (at least maxHolding + one heartbeat ` +
        'interval) fails without an entry when entries were refused there for capacity (max-open-trades, symbol-open-trades, symbol-notional, ' +
        'ledger-full) and no trade closed (a plateau: exits not firing, caps full), or when nothing was refused there while a heartbeat showed a ' +
        `symbol's premium deviation ≥ ${OPPORTUNITY_MULTIPLE} × (entryBps + both taker fees), or when nothing there was refused or closed and no ` +
        'heartbeat reported a premium deviation (not judged: a quiet market cannot be told from an engine that stopped trading); otherwise a tail ' +
        'without entries is a quiet market.',
      'Monitoring: heartbeats of one generation at most staleAfter apart; gaps between generations are restart downtime, shown with each restart. ' +
        "A heartbeat its shard's record contradicts fails it: a generation above the shard's or with no restart into it recorded, an older generation's after a newer one's, a second " +
        'writer in one generation (each engine process has its own, and the store refuses any other), a writer whose turns, fills made or last ' +
        'committed fill went back.',
      "Ledger check: counted = fillsA + fillsB of each shard's last checkpoint (its lastFillSeq + 1 must say the same: the fills past the smaller are uncounted, those past the larger lost); reported = what its last heartbeat carried (fills made once " +
        'COMPLETED, lastFillSeq + 1 before that or once FAILED); lost = max(counted, reported) − unique fills in the ledger; a fill repeating ' +
        "an earlier seq or (tradeId, venue, kind) is duplicated; a trade whose entry repeats an earlier trade's (symbol, event time, each leg's " +
        'venue, side and price) under other seqs is a repeated decision (market updates traded twice; exits are not compared: one exit closes every open trade it applies to). Realised P&L is recomputed from the ledger in integer micro-units ' +
        "(fillCashMicros of every fill of every closed trade) and must equal the last heartbeat's when that heartbeat counted the same fills; once a shard COMPLETED, a last heartbeat that counted fewer (all committed, ending between two steps of trades) must claim the P&L of the fills it counted, the ledger's first by seq. " +
        "Fills are held to rules every correct engine meets (relative tolerance 1e-9: floating-point rounding of sums of levels): a trade's CLOSE " +
        'leg on a venue moves the quantity its OPEN leg there did (a partial close leaves a position open); no OPEN leg fills above its orderedQty; ' +
        'on a venue with execution.latency 0 no leg fills better than its decisionPrice (the top of the book it was decided and filled on: a BUY ' +
        'not below it, a SELL not above it; with a latency the book may move in its favour, so those legs are not judged); a trade buys on one ' +
        "venue and sells on the other, and each exit takes the other side of its entry there; each leg's fee is qty × price × its venue's " +
        'takerFeeBps / 10⁴.',
      ...TRADING_NOTES,
      ...EXECUTION_NOTES,
    ],
  };
}

/** The reads of a `CampaignStore` that a report needs. */
export type ReportSource = Pick<CampaignStore, 'getCampaign' | 'listShards' | 'listEvents' | 'readHeartbeats' | 'readLedger' | 'readCheckpoint'>;

/**
 * Reads everything `buildReport` needs about `campaignId` from `store`.
 * Throws `NotFoundError` when there is no such campaign.
 */
export async function loadReportInput(store: ReportSource, campaignId: string, now: number): Promise<ReportInput> {
  const campaign = await store.getCampaign(campaignId);
  if (!campaign) throw new NotFoundError(`campaign ${campaignId} not found`);
  const [shards, events] = await Promise.all([store.listShards(campaignId), store.listEvents(campaignId)]);
  const perShard = await Promise.all(
    shards.map(async (s) => {
      const key = { campaignId, shardId: s.shardId };
      const [heartbeats, ledger, checkpoint] = await Promise.all([store.readHeartbeats(key), store.readLedger(key), store.readCheckpoint(key)]);
      return { shardId: s.shardId, heartbeats, ledger, checkpoint };
    }),
  );
  return {
    campaign,
    shards,
    heartbeats: Object.fromEntries(perShard.map((p) => [p.shardId, p.heartbeats])),
    ledgers: Object.fromEntries(perShard.map((p) => [p.shardId, p.ledger])),
    checkpoints: Object.fromEntries(perShard.map((p) => [p.shardId, p.checkpoint])),
    events,
    now,
  };
}
