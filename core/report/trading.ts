/**
 * Judges the trading from the ledgers and heartbeats (pure): trade statistics in close order, P&L
 * by exit reason, the trades, P&L per symbol and risk figures (`trade-blotter.ts`), positions left
 * open, data quality per venue, entries refused, the premium over time, and the trading acceptance
 * rows. Rules are in `TRADING_NOTES`.
 */
import type { Heartbeat } from '../model/records.js';
import { type Fill, type FillReason, fillCashMicros, foldTrades } from '../model/fill.js';
import { meanMicros, micros } from '../model/units.js';
import { formatCount, formatNumber } from './report-format.js';
import { BLOTTER_NOTES, riskFiguresOf, symbolPnlOf, tradeRowsOf } from './trade-blotter.js';
import type { ExitReasonRow, OpenPosition, PremiumSeries, TradeStats, TradingCriterion, TradingReport, VenueQualityRow } from './trading-schema.js';

/**
 * A venue's clock offset estimate above this share of `maxQuoteAge` (either sign) is named in the
 * stale-entry row: ages by exchange time are then off by a good part of the bound (a machine clock
 * ahead refuses fresh quotes; one behind lets late frames pass up to the offset).
 */
export const CLOCK_OFFSET_SHARE = 0.5;

/** Coverage of each venue must reach this share of heartbeats (the data-coverage row). */
export const COVERAGE_BOUND = 0.9;

/** The rules behind the trading numbers, for the report's notes. */
export const TRADING_NOTES = [
  'Trading: a trade is closed once its close legs are in the ledger; its P&L is the sum of fillCashMicros over its four legs; ' +
    "trades are taken in close order (the latest close leg's ts, then shard and trade id). Win rate = trades with P&L > 0 / closed trades; " +
    'max drawdown = the largest fall of cumulative P&L from its running peak, which starts at 0.',
  "Data quality: at each heartbeat the age of a venue's last update is eventTime − lastUpdateAt (event time); coverage is the share of " +
    'heartbeats with that age within its bound (venues A and B: strategy.maxQuoteAge; FX: strategy.maxFxAge, no bound without one, and a ' +
    "fixed configured rate never ages), a gap a stretch of heartbeats above it; counters and refusals are the last heartbeat's of each shard.",
  "Exchange time: a quote is aged by the venue's own event time where its updates carry one (Upbit's timestamp; aged by: exchange), " +
    "never later than its arrival (Binance's book tickers carry none: the E of a depth stream on their connection, a lower bound), else by its arrival " +
    '(a live venue that gave none: aged by: arrival) or its ' +
    'recorded time (aged by: recorded). Arrival lag = arrival − exchange time, p50/p99 the worst shard’s from its last heartbeat (that ' +
    'generation’s); clock offset = the smallest lag over the last 60–120 s (our clock minus the venue’s, plus the shortest one-way delay), ' +
    'the smallest of the shards’; late frames arrived later than the age bound by exchange time (the engine can only refuse them), a burst ' +
    'is a run of them ended by a frame on time; both summed over shards. An offset beyond half maxQuoteAge is named in the stale-entry row ' +
    '(ages by exchange time are off by as much: sync the machine’s clock).',
  "No stale entry: every entry (its OPEN fills) must carry no staleQuote flag, and both venues' quotes it was priced on must be at most " +
    'maxQuoteAge old at the decision: eventTs − quoteTsA and eventTs − quoteTsB. An entry whose fills carry no quoteTsA or quoteTsB ' +
    '(a command engine may omit them, docs/task-protocol.md; fills stored before they were recorded) cannot be judged: the row fails ' +
    "naming how many, as loop latency fails 'not measured', rather than passing on the flag alone.",
  'Open at the end counts trades with no close in the ledger, or closed on one venue only (a venue whose entry leg filled some quantity has no close leg); ' +
    'Closed at a stale price counts trades closed on a quote older than maxQuoteAge (Fill.staleQuote). ' +
    'Both fail the positions row.',
  ...BLOTTER_NOTES,
];

/** The config fields the trading section reads (leniently: older records lack some). */
export interface TradingConfig {
  maxQuoteAgeSec: number;
  /** `strategy.maxFxAge` in seconds; null when unset (the engines put no bound on the FX rate's age). */
  maxFxAgeSec: number | null;
  /** The FX rate is a fixed configured one (a live feed's `fx.source: fixed`): it never ages. */
  fxFixed: boolean;
  venueNames: { a: string; b: string };
  /** The feed is live (quotes without an exchange time are aged by their arrival), not replayed or synthetic. */
  live?: boolean;
  /** Where the FX rate comes from, in words. */
  fxSource: string;
  /** Where each venue's quotes come from, in words. */
  quoteSource: { a: string; b: string };
  /** The entry bound e = strategy.entryBps + both venues' takerFeeBps, bps; null when the config lacks a fee. */
  entryThresholdBps: number | null;
}

/** Reads `TradingConfig` from a stored config object, with the schema's defaults. */
export function tradingConfigOf(config: Record<string, unknown>): TradingConfig {
  const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined);
  const maxQuoteAge = get(config.strategy, 'maxQuoteAge');
  const maxFxAge = get(config.strategy, 'maxFxAge');
  const entryBps = get(config.strategy, 'entryBps');
  const feeA = get(get(config.venues, 'a'), 'takerFeeBps');
  const feeB = get(get(config.venues, 'b'), 'takerFeeBps');
  const feed = config.feed;
  const kind = get(feed, 'kind');
  const sources = (get(feed, 'sources') as { venue?: string; format?: string; path?: string }[] | undefined) ?? [];
  const sourceOf = (venue: string, fallback: string) => {
    const mine = sources.filter((s) => s.venue === venue).map((s) => `${s.format} ${s.path}`);
    return mine.length > 0 ? mine.join(', ') : fallback;
  };
  const path = get(feed, 'path');
  const feedWords = kind === 'replay' ? `replay ${typeof path === 'string' ? path : ''}`.trim() : kind === 'live' ? 'live stream' : 'synthetic';
  const fxRate = get(config.fx, 'rate');
  const fixedFx = typeof fxRate === 'number' ? `config rate ${fxRate} until the feed gives one` : 'none (same quote currency)';
  const liveFx = get(get(feed, 'fx'), 'source');
  const fxSource =
    kind === 'live'
      ? liveFx === 'fixed'
        ? `fixed ${fixedFx}`
        : `upbit ${String(get(get(feed, 'fx'), 'market') ?? 'KRW-USDT')}`
      : kind === 'replay'
        ? sourceOf('fx', `FX rows of the replay; ${fixedFx}`)
        : fixedFx;
  return {
    maxQuoteAgeSec: typeof maxQuoteAge === 'number' ? maxQuoteAge : 10,
    maxFxAgeSec: typeof maxFxAge === 'number' ? maxFxAge : null,
    fxFixed: kind === 'live' && liveFx === 'fixed',
    live: kind === 'live',
    venueNames: { a: String(get(get(config.venues, 'a'), 'name') ?? 'A'), b: String(get(get(config.venues, 'b'), 'name') ?? 'B') },
    fxSource,
    quoteSource: { a: sourceOf('a', feedWords), b: sourceOf('b', feedWords) },
    entryThresholdBps: typeof feeA === 'number' && typeof feeB === 'number' ? (typeof entryBps === 'number' ? entryBps : 25) + feeA + feeB : null,
  };
}

interface TradeLegs {
  shardId: string;
  symbol: string;
  tradeId: number;
  openedAt: number;
  closedAt: number;
  closes: number;
  reason: FillReason | undefined;
  staleClose: boolean;
  pnlMicros: number;
  /** Venues whose OPEN leg filled some quantity, and venues with a CLOSE leg (bits: A 1, B 2). */
  openedOn: number;
  closedOn: number;
}

const venueBit = (fill: Fill) => (fill.venue === 'A' ? 1 : 2);

/** Groups each shard's fills into trades (by `tradeId`). */
function tradesOf(ledgers: Readonly<Record<string, readonly Fill[]>>): TradeLegs[] {
  return foldTrades<TradeLegs>(
    ledgers,
    (shardId, fill) => ({
      shardId,
      symbol: fill.symbol,
      tradeId: fill.tradeId,
      openedAt: Infinity,
      closedAt: -Infinity,
      closes: 0,
      reason: undefined,
      staleClose: false,
      pnlMicros: 0,
      openedOn: 0,
      closedOn: 0,
    }),
    (t, fill) => {
      t.pnlMicros += fillCashMicros(fill);
      if (fill.kind === 'OPEN') {
        t.openedAt = Math.min(t.openedAt, fill.ts);
        if (fill.qty > 0) t.openedOn |= venueBit(fill);
      } else {
        t.closedOn |= venueBit(fill);
        t.closes++;
        t.closedAt = Math.max(t.closedAt, fill.ts);
        t.reason = fill.reason;
        if (fill.staleQuote) t.staleClose = true;
      }
    },
  );
}

/** Trade statistics from the ledgers: closed trades in close order. */
export function tradeStatsOf(ledgers: Readonly<Record<string, readonly Fill[]>>): TradeStats {
  return statsOfTrades(tradesOf(ledgers));
}

function statsOfTrades(trades: readonly TradeLegs[]): TradeStats {
  const closed = trades.filter((t) => t.closes > 0).sort((x, y) => x.closedAt - y.closedAt || x.shardId.localeCompare(y.shardId) || x.tradeId - y.tradeId);
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  let wins = 0;
  const byReason = new Map<FillReason, { reason: FillReason; trades: number; pnlMicros: number; wins: number }>();
  for (const t of closed) {
    cumulative += t.pnlMicros;
    peak = Math.max(peak, cumulative);
    drawdown = Math.max(drawdown, peak - cumulative);
    const win = t.pnlMicros > 0;
    if (win) wins++;
    const reason = t.reason ?? 'CAMPAIGN_END';
    const row = byReason.get(reason) ?? { reason, trades: 0, pnlMicros: 0, wins: 0 };
    row.trades++;
    row.pnlMicros += t.pnlMicros;
    if (win) row.wins++;
    byReason.set(reason, row);
  }
  const n = closed.length;
  const total = micros(cumulative, 'stats.pnlMicros');
  return {
    trades: n,
    wins,
    winRate: n === 0 ? null : wins / n,
    pnlMicros: total,
    pnlPerTradeMicros: n === 0 ? null : meanMicros(total, n, 'stats.pnlPerTradeMicros'),
    maxDrawdownMicros: micros(drawdown, 'stats.maxDrawdownMicros'),
    byExitReason: [...byReason.values()]
      .map((r): ExitReasonRow => ({ ...r, pnlMicros: micros(r.pnlMicros, 'byExitReason[].pnlMicros') }))
      .sort((x, y) => y.trades - x.trades || x.reason.localeCompare(y.reason)),
    campaignEndCloses: byReason.get('CAMPAIGN_END')?.trades ?? 0,
  };
}

/**
 * Trades the campaign ended with unresolved: open (never closed, or a venue whose entry leg filled
 * some quantity has no close leg: closed on one venue only, still open on the other), or closed on
 * a stale quote.
 */
export function openPositionsOf(ledgers: Readonly<Record<string, readonly Fill[]>>): OpenPosition[] {
  return openOfTrades(tradesOf(ledgers));
}

function openOfTrades(trades: readonly TradeLegs[]): OpenPosition[] {
  const open = (t: TradeLegs) => t.closes === 0 || (t.openedOn & ~t.closedOn) !== 0;
  return trades
    .filter((t) => open(t) || t.staleClose)
    .map((t) => ({
      shardId: t.shardId,
      symbol: t.symbol,
      tradeId: t.tradeId,
      openedAt: t.openedAt,
      state: open(t) ? ('open' as const) : ('stale-close' as const),
    }));
}

/** The q-quantile (nearest rank) of sorted `values`. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * The age bound each venue's coverage is judged against, seconds: `maxQuoteAge` for the venues,
 * `maxFxAge` for the FX rate (null: no bound, as the engines have none without it or for a fixed rate).
 */
export function ageBoundSec(venue: 'a' | 'b' | 'fx', config: TradingConfig): number | null {
  if (venue !== 'fx') return config.maxQuoteAgeSec;
  return config.fxFixed ? null : config.maxFxAgeSec;
}

/** Data quality per venue from every shard's heartbeats (see `TRADING_NOTES`). */
export function venueQualityOf(histories: Iterable<readonly Heartbeat[]>, config: TradingConfig): VenueQualityRow[] {
  const venues = ['a', 'b', 'fx'] as const;
  const boundMs = venues.map((v) => (ageBoundSec(v, config) ?? Infinity) * 1000);
  const rows = venues.map((venue) => ({
    venue,
    updates: 0,
    ages: [] as number[],
    gaps: 0,
    skipped: {} as Record<string, number>,
    seen: false,
    lag: { samples: 0, p50: null as number | null, p99: null as number | null, offset: null as number | null, late: 0, bursts: 0 },
  }));
  for (const history of histories) {
    const last = history.at(-1)?.progress.venues;
    const inGap = [false, false, false];
    for (const h of history) {
      const v = h.progress.venues;
      const at = h.progress.eventTime;
      if (!v || at === undefined) continue;
      venues.forEach((name, i) => {
        const lastUpdateAt = v[name].lastUpdateAt;
        if (lastUpdateAt === undefined) return;
        const age = Math.max(0, at - lastUpdateAt);
        (rows[i] as (typeof rows)[number]).ages.push(age);
        const stale = age > (boundMs[i] as number);
        if (stale && !inGap[i]) (rows[i] as (typeof rows)[number]).gaps++;
        inGap[i] = stale;
      });
    }
    if (!last) continue;
    venues.forEach((name, i) => {
      const row = rows[i] as (typeof rows)[number];
      row.seen = true;
      row.updates += last[name].updates;
      for (const [reason, n] of Object.entries(last[name].skipped)) row.skipped[reason] = (row.skipped[reason] ?? 0) + n;
      const lag = last[name].lag;
      if (lag) {
        const l = row.lag;
        l.samples += lag.samples;
        l.late += lag.lateFrames;
        l.bursts += lag.lateBursts;
        if (lag.p50Ms !== undefined) l.p50 = Math.max(l.p50 ?? -Infinity, lag.p50Ms);
        if (lag.p99Ms !== undefined) l.p99 = Math.max(l.p99 ?? -Infinity, lag.p99Ms);
        if (lag.clockOffsetMs !== undefined) l.offset = Math.min(l.offset ?? Infinity, lag.clockOffsetMs);
      }
    });
  }
  return rows
    .filter((r) => r.seen || r.ages.length > 0)
    .map((r) => {
      const sorted = [...r.ages].sort((x, y) => x - y);
      const bound = ageBoundSec(r.venue, config);
      const fresh = sorted.filter((a) => a <= (bound ?? Infinity) * 1000).length;
      const p50 = quantile(sorted, 0.5);
      const p99 = quantile(sorted, 0.99);
      return {
        venue: r.venue,
        name: r.venue === 'fx' ? 'FX' : config.venueNames[r.venue],
        updates: r.updates,
        coverage: sorted.length === 0 ? null : fresh / sorted.length,
        maxAgeSec: bound,
        gaps: r.gaps,
        ageP50Sec: p50 === null ? null : p50 / 1000,
        ageP99Sec: p99 === null ? null : p99 / 1000,
        skipped: r.skipped,
        source: r.venue === 'fx' ? config.fxSource : config.quoteSource[r.venue],
        agedBy: r.lag.samples > 0 ? ('exchange' as const) : config.live ? ('arrival' as const) : ('recorded' as const),
        lagP50Ms: r.lag.p50,
        lagP99Ms: r.lag.p99,
        clockOffsetMs: r.lag.offset,
        lateFrames: r.lag.late,
        lateBursts: r.lag.bursts,
      };
    });
}

/** Entries refused by reason: each shard's latest heartbeat (its counters are over the shard's life), summed. */
export function refusalsOf(histories: Iterable<readonly Heartbeat[]>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const history of histories) {
    const refusals = history.at(-1)?.progress.refusals ?? {};
    for (const [reason, n] of Object.entries(refusals)) total[reason] = (total[reason] ?? 0) + n;
  }
  return total;
}

/** The premium (and its baseline) per shard and symbol from the heartbeats that carried it. */
export function premiumSeriesOf(histories: ReadonlyMap<string, readonly Heartbeat[]>): PremiumSeries[] {
  const out: PremiumSeries[] = [];
  for (const [shardId, history] of histories) {
    const bySymbol = new Map<string, PremiumSeries>();
    for (const h of history) {
      const at = h.progress.eventTime ?? h.progress.at;
      for (const s of h.progress.symbols) {
        if (s.premiumBps === undefined) continue;
        let series = bySymbol.get(s.symbol);
        if (!series) {
          series = { shardId, symbol: s.symbol, points: [] };
          bySymbol.set(s.symbol, series);
          out.push(series);
        }
        series.points.push({ at, generation: h.generation, premiumBps: s.premiumBps, baselineBps: s.baselineBps ?? null });
      }
    }
  }
  return out;
}

/** An entry judged against `maxQuoteAge`: the worst of its legs' quote ages at the decision (ms; null without quote times). */
interface EntryAge {
  shardId: string;
  symbol: string;
  tradeId: number;
  flagged: boolean;
  ageAMs: number | null;
  ageBMs: number | null;
  /** The youngest of its legs' quote ages per venue (ms; null without quote times): below 0, a quote from after the decision. */
  youngestAMs: number | null;
  youngestBMs: number | null;
}

/** Each entry (the OPEN fills of a trade) with the ages of both venues' quotes it was priced on. */
function entryAgesOf(ledgers: Readonly<Record<string, readonly Fill[]>>): EntryAge[] {
  const entries: EntryAge[] = [];
  for (const [shardId, ledger] of Object.entries(ledgers)) {
    const byTrade = new Map<number, EntryAge>();
    for (const f of ledger) {
      if (f.kind !== 'OPEN') continue;
      const decidedAt = f.eventTs ?? f.ts;
      const ageA = f.quoteTsA === undefined ? null : decidedAt - f.quoteTsA;
      const ageB = f.quoteTsB === undefined ? null : decidedAt - f.quoteTsB;
      const seen = byTrade.get(f.tradeId);
      if (!seen) {
        const entry = {
          shardId,
          symbol: f.symbol,
          tradeId: f.tradeId,
          flagged: f.staleQuote === true,
          ageAMs: ageA,
          ageBMs: ageB,
          youngestAMs: ageA,
          youngestBMs: ageB,
        };
        byTrade.set(f.tradeId, entry);
        entries.push(entry);
        continue;
      }
      seen.flagged ||= f.staleQuote === true;
      if (ageA !== null) seen.ageAMs = Math.max(seen.ageAMs ?? ageA, ageA);
      if (ageB !== null) seen.ageBMs = Math.max(seen.ageBMs ?? ageB, ageB);
      if (ageA !== null) seen.youngestAMs = Math.min(seen.youngestAMs ?? ageA, ageA);
      if (ageB !== null) seen.youngestBMs = Math.min(seen.youngestBMs ?? ageB, ageB);
    }
  }
  return entries;
}

/** The trading acceptance rows: no entry on a stale quote, venue coverage, no position left open. */
export function tradingAcceptanceOf(
  ledgers: Readonly<Record<string, readonly Fill[]>>,
  venues: readonly VenueQualityRow[],
  openAtEnd: readonly OpenPosition[],
  refusals: Readonly<Record<string, number>>,
  config: TradingConfig,
): TradingCriterion[] {
  const maxAgeMs = config.maxQuoteAgeSec * 1000;
  const entries = entryAgesOf(ledgers);
  const tooOld = (age: number | null) => age !== null && age > maxAgeMs;
  // A quote time after the decision's event time: priced on a quote the engine could not have had yet
  // (look-ahead; every engine prices on quotes already applied, so its ages are ≥ 0). A tester's edit of
  // a real run's fills (upbit's quote 5 s after each decision) scored 11/11.
  const ahead = (age: number | null) => age !== null && age < 0;
  const stale = entries.filter((e) => e.flagged || tooOld(e.ageAMs) || tooOld(e.ageBMs) || ahead(e.youngestAMs) || ahead(e.youngestBMs));
  const timeless = (e: EntryAge) => e.ageAMs === null || e.ageBMs === null;
  const unchecked = entries.filter(timeless).length;
  // Fresh: judged on both quote times and found within the bound (an entry without them is not judged fresh).
  const fresh = entries.filter((e) => !timeless(e) && !stale.includes(e)).length;
  const staleRefused = Object.entries(refusals)
    .filter(([reason]) => reason.startsWith('stale'))
    .reduce((sum, [, n]) => sum + n, 0);
  const late = venues.filter((v) => (v.lateFrames ?? 0) > 0);
  const lateWords =
    late.length === 0
      ? ''
      : `; late frames (older than the age bound by exchange time on arrival): ${late
          .map((v) => `${v.name} ${formatCount(v.lateFrames ?? 0)} in ${formatCount(v.lateBursts ?? 0)} burst(s)`)
          .join(', ')}`;
  // A venue's clock offset past half the age bound skews every age by as much (`CLOCK_OFFSET_SHARE`).
  const skewed = venues.filter((v) => v.clockOffsetMs !== null && v.clockOffsetMs !== undefined && Math.abs(v.clockOffsetMs) > CLOCK_OFFSET_SHARE * maxAgeMs);
  const skewWords =
    skewed.length === 0
      ? ''
      : `; clock offset ${skewed.map((v) => `${v.name} ${formatCount(Math.round(v.clockOffsetMs as number))} ms`).join(', ')}: quote ages by exchange time are off by as much (sync this machine's clock)`;
  const seconds = (ms: number | null) => (ms === null ? '?' : `${formatNumber(ms / 1000, 3)} s`);
  const staleWords = (e: EntryAge) =>
    `${e.shardId} ${e.symbol} #${e.tradeId} (` +
    [
      e.flagged ? 'flagged' : '',
      tooOld(e.ageAMs) ? `${config.venueNames.a} ${seconds(e.ageAMs)} old` : '',
      tooOld(e.ageBMs) ? `${config.venueNames.b} ${seconds(e.ageBMs)} old` : '',
      ahead(e.youngestAMs) ? `${config.venueNames.a}'s quote ${seconds(-(e.youngestAMs as number))} after the decision: look-ahead` : '',
      ahead(e.youngestBMs) ? `${config.venueNames.b}'s quote ${seconds(-(e.youngestBMs as number))} after the decision: look-ahead` : '',
    ]
      .filter(Boolean)
      .join(', ') +
    ')';
  const measured = venues.filter((v) => v.coverage !== null && (v.venue !== 'fx' || v.maxAgeSec !== null));
  const thin = measured.filter((v) => (v.coverage as number) < COVERAGE_BOUND);
  const fx = venues.find((v) => v.venue === 'fx');
  const open = openAtEnd.filter((p) => p.state === 'open');
  const staleClosed = openAtEnd.filter((p) => p.state === 'stale-close');
  const list = (ps: readonly OpenPosition[]) =>
    ps
      .slice(0, 5)
      .map((p) => `${p.shardId} ${p.symbol} #${p.tradeId}`)
      .join(', ') + (ps.length > 5 ? ', …' : '');
  return [
    {
      id: 'no-stale-entry',
      criterion: 'No entry on a stale quote',
      target: `every entry: not flagged staleQuote, both venues' quotes ≤ ${formatNumber(config.maxQuoteAgeSec, 3)} s old at the decision (maxQuoteAge) and none from after it, judged from its fills' quote times`,
      result:
        (stale.length === 0
          ? `${formatCount(fresh)} of ${formatCount(entries.length)} entries fresh`
          : `${stale.length} of ${formatCount(entries.length)} entries on a stale quote: ${stale.slice(0, 3).map(staleWords).join('; ')}${stale.length > 3 ? '; …' : ''}`) +
        (unchecked > 0
          ? `; not judged: ${formatCount(unchecked)} of ${formatCount(entries.length)} entries carried no quote times (quoteTsA/quoteTsB on their fills)`
          : '') +
        `; ${formatCount(staleRefused)} stale entries refused` +
        lateWords +
        skewWords,
      // An entry without quote times cannot be judged: the row cannot pass on it (the flag alone is the engine's word).
      pass: stale.length === 0 && unchecked === 0,
    },
    {
      id: 'data-coverage',
      criterion: 'Quote coverage',
      target: `each venue's last update ≤ maxQuoteAge old (the FX rate's ≤ maxFxAge, when set) at ≥ ${COVERAGE_BOUND * 100} % of heartbeats`,
      result:
        measured.length === 0
          ? 'not measured: no heartbeat carried per-venue update times'
          : measured.map((v) => `${v.name} ${formatNumber((v.coverage as number) * 100, 1)} %`).join(', ') +
            (fx !== undefined && fx.maxAgeSec === null ? '; FX not judged (no maxFxAge, or a fixed rate: it never ages)' : ''),
      pass: measured.length > 0 && thin.length === 0,
    },
    {
      id: 'no-open-positions',
      criterion: 'No position left open',
      target: 'every trade closed at the end, none at a stale price',
      result:
        open.length + staleClosed.length === 0
          ? 'none open, none closed at a stale price'
          : [
              open.length > 0 ? `${open.length} open: ${list(open)}` : '',
              staleClosed.length > 0 ? `${staleClosed.length} closed at a stale price: ${list(staleClosed)}` : '',
            ]
              .filter(Boolean)
              .join('; '),
      pass: open.length + staleClosed.length === 0,
    },
  ];
}

/** The whole trading section of a report. */
export function tradingReportOf(
  ledgers: Readonly<Record<string, readonly Fill[]>>,
  histories: ReadonlyMap<string, readonly Heartbeat[]>,
  config: TradingConfig,
): TradingReport {
  // One grouping of the fills into trades for the statistics and the positions left open.
  const legs = tradesOf(ledgers);
  const openAtEnd = openOfTrades(legs);
  const venues = venueQualityOf(histories.values(), config);
  const refusals = refusalsOf(histories.values());
  const trades = tradeRowsOf(ledgers);
  return {
    stats: statsOfTrades(legs),
    bySymbol: symbolPnlOf(trades),
    risk: riskFiguresOf(trades),
    trades,
    entryThresholdBps: config.entryThresholdBps,
    openAtEnd,
    venues,
    refusals,
    premium: premiumSeriesOf(histories),
    acceptance: tradingAcceptanceOf(ledgers, venues, openAtEnd, refusals, config),
  };
}
