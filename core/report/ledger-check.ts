/**
 * The ledger check: exactly once, verified after the fact. Each shard's ledger is compared with
 * two sets of engine counters: those of its last checkpoint (committed atomically with the fills
 * it counts, so a commit that lost fills together with their checkpoint cannot show there) and
 * those its last heartbeat carried (`fillsA + fillsB` made, written apart from the ledger). A fill
 * is identified by its `seq` and, independently, by `(tradeId, venue, kind)`: a trade has one
 * opening and one closing leg per venue, so either key seen twice is a duplicate. Two trades
 * entered on the same decision (symbol, event time, and each leg's venue, side and price) are
 * the same market updates traded twice (a restore that resumed the feed before fills it restored:
 * `repeatedDecisions`), whatever their seqs and trade ids. Realised P&L is recomputed from the
 * ledger in integer micro-units and compared with the engine's, and so are the trades opened and
 * closed once a shard has COMPLETED (`tradesOverclaimed`): a command engine's `progress` may claim
 * any count (docs/task-protocol.md), the report's headline counts are the ledger's, and an engine
 * claiming more trades than it committed fails the check rather than looking clean. Fills are
 * also held to rules every correct engine meets (`fillRuleBreaksOf`): each venue's close equals its
 * entry's quantity, no entry leg fills above its order, and with no latency on its venue no leg
 * fills better than the price it was decided on.
 */
import type { ShardStatus } from '../model/records.js';
import type { Checkpoint } from '../model/checkpoint.js';
import { fillCashMicros, MICROS, type Fill } from '../model/fill.js';
import type { Progress } from '../model/progress.js';
import { type Micros, micros, sumMicros } from '../model/units.js';
import type { LedgerCheck, ShardLedgerCheck } from './report-schema.js';
import { ledgerFiguresOf } from './report-totals.js';

/**
 * A P&L reported as a decimal rounded to 3 places (heartbeats stored before micro-units, read as
 * `pnlFromDecimal`, `core/model/progress.ts`) is within half a thousandth of a unit of the exact
 * sum: that much difference is rounding.
 */
const ROUNDED_PNL_TOLERANCE_MICROS = MICROS / 2000;

/** What one shard's check reads. */
export interface ShardLedgerFacts {
  shardId: string;
  status: ShardStatus;
  ledger: readonly Fill[];
  checkpoint: Checkpoint | undefined;
  /** The progress of the shard's last heartbeat, if it ever sent one. */
  lastProgress: Progress | undefined;
  /** The campaign's `execution.latency` per venue, ms (`executionSettingsOf`): a leg is held to its decision price only at 0. */
  latencyMs: { a: number; b: number };
  /** The shard as recorded: its symbols (no fill names another) and its generation (no fill was written by a later one). */
  shard?: ShardShape;
  /** The campaign's `venues.a/b.takerFeeBps`: every leg's fee is its notional at its venue's rate (not judged when absent). */
  feesBps?: VenueFeesBps;
}

/** Taker fee per venue, bps of a leg's notional (`venues.a.takerFeeBps`, `venues.b.takerFeeBps`). */
export interface VenueFeesBps {
  a: number;
  b: number;
}

/** `{ feesBps }` from a stored campaign config's `venues` (read leniently), or nothing when either venue lacks a fee. */
export function feesBpsOf(config: Record<string, unknown>): { feesBps?: VenueFeesBps } {
  const venues = config.venues as { a?: { takerFeeBps?: unknown }; b?: { takerFeeBps?: unknown } } | undefined;
  const a = venues?.a?.takerFeeBps;
  const b = venues?.b?.takerFeeBps;
  return typeof a === 'number' && typeof b === 'number' ? { feesBps: { a, b } } : {};
}

/** What a shard's fills must agree with (`fillRuleBreaksOf`). */
export interface ShardShape {
  symbols: readonly string[];
  generation: number;
}

/**
 * Checks one shard's ledger against its checkpoint's and its last heartbeat's counters.
 * The heartbeat's count is the fills the engine made (`fillsA + fillsB`) once the shard is
 * COMPLETED (its last heartbeat follows its last commit); while it runs, or once FAILED, it is
 * the fills the engine says it committed (`lastFillSeq + 1`), since fills made after the last
 * commit are still in flight (or were traded again by no one: the shard failed, and says so).
 */
export function checkShardLedger(facts: ShardLedgerFacts): ShardLedgerCheck {
  const { shardId, ledger, checkpoint, lastProgress } = facts;
  const seqs = new Set<number>();
  const legs = new Set<number | string>();
  const unique: Fill[] = [];
  let duplicated = 0;
  for (const fill of ledger) {
    const leg = legKey(fill);
    if (seqs.has(fill.seq) || legs.has(leg)) duplicated++;
    else unique.push(fill);
    seqs.add(fill.seq);
    legs.add(leg);
  }
  const repeatedDecisions = repeatedDecisionsOf(unique);
  const counted = checkpoint ? checkpoint.fillsA + checkpoint.fillsB : 0;
  // The checkpoint covers the fills up to its lastFillSeq, seqs running gap-free from 0: lastFillSeq + 1
  // of them, as its counts must say too (171 checkpoints of real runs did). One behind its counts (a
  // tester's edit of a real run: lastFillSeq 199 for 244 fills counted, 11/11) would have a restore
  // take fills 200… again from the ledger tail: the fills past it are uncounted, those it claims past the ledger lost.
  const covered = checkpoint ? checkpoint.lastFillSeq + 1 : 0;
  const made = lastProgress ? lastProgress.fillsA + lastProgress.fillsB : 0;
  const reported = lastProgress ? reportedCount(facts.status, lastProgress) : 0;
  // Counts and P&L of the unique fills in one fold (`ledgerFiguresOf`, the shard totals' too).
  const { counts: inLedger, pnlMicros: realizedPnlMicros } = ledgerFiguresOf(unique, 'ledger.realizedPnlMicros');
  const reportedPnlMicros = lastProgress ? lastProgress.realizedPnlMicros : null;
  // The heartbeat's P&L covers the fills it counted: comparable when those are the ledger's.
  const whole = reportedPnlMicros !== null && made === unique.length;
  // A last heartbeat that trails the ledger (a final one lost to a store stall) still claims the P&L of
  // the fills it counted: the ledger's first `made` by seq, when every one of them was committed as it
  // was written (made ≤ lastFillSeq + 1; the store keeps a committed fill as it was). A claim off from
  // those passed unseen (a tester's edit of a real run: 242 of 244 fills counted, -500 USDT claimed for the +17.26 they made, 11/11).
  // Not when the count ends inside one step of a trade (its entry's or its exit's legs on both venues,
  // which every engine here commits together): the heartbeat cannot have said what such a half made.
  const bySeq = !whole && made > 0 && made < unique.length ? [...unique].sort((a, b) => a.seq - b.seq) : [];
  const lastCounted = bySeq[made - 1];
  const firstUncounted = bySeq[made];
  const midStep =
    lastCounted !== undefined && firstUncounted !== undefined && lastCounted.tradeId === firstUncounted.tradeId && lastCounted.kind === firstUncounted.kind;
  // Only once COMPLETED: its last heartbeat follows its last commit, so its claim covers what it counted
  // (while it runs, a command engine's progress may count a close whose fills are not yet committed).
  const trailing =
    facts.status === 'COMPLETED' &&
    bySeq.length > 0 &&
    !midStep &&
    reportedPnlMicros !== null &&
    lastProgress !== undefined &&
    made <= lastProgress.lastFillSeq + 1;
  const comparable = whole || trailing;
  const coveredPnlMicros = trailing ? ledgerFiguresOf(bySeq.slice(0, made), 'ledger.coveredPnlMicros').pnlMicros : realizedPnlMicros;
  const tolerance = lastProgress?.pnlFromDecimal ? ROUNDED_PNL_TOLERANCE_MICROS : 0;
  const difference = comparable && reportedPnlMicros !== null ? Math.abs(coveredPnlMicros - reportedPnlMicros) : 0;
  const tradesReported = lastProgress?.trades ?? 0;
  const tradesClosedReported = lastProgress?.tradesClosed ?? 0;
  // A COMPLETED shard's last heartbeat follows its last commit: every trade it counts is committed.
  const settled = facts.status === 'COMPLETED' && lastProgress !== undefined;
  // Only a claim beyond the ledger: a heartbeat is written apart from the ledger, so one that trails it (a final heartbeat
  // lost to a store stall) under-counts innocently, as `lost` counts only fills claimed beyond the ledger.
  const tradesOverclaimed = settled ? Math.max(0, tradesReported - inLedger.trades) + Math.max(0, tradesClosedReported - inLedger.tradesClosed) : 0;
  const breaks = fillRuleBreaksOf(unique, facts.latencyMs, facts.shard, facts.feesBps);
  return {
    shardId,
    fillsInLedger: ledger.length,
    fillsCounted: counted,
    fillsReported: reported,
    lost: Math.max(0, Math.max(counted, covered, reported) - unique.length),
    duplicated,
    repeatedDecisions,
    uncounted: Math.max(0, unique.length - Math.min(counted, covered)),
    ...(covered === counted ? {} : { checkpointCovers: covered }),
    realizedPnlMicros,
    reportedPnlMicros: comparable ? reportedPnlMicros : null,
    pnlMismatchMicros: micros(difference > tolerance ? difference : 0, 'ledger.pnlMismatchMicros'),
    ...(trailing ? { pnlComparedFills: made, pnlComparedMicros: coveredPnlMicros } : {}),
    tradesInLedger: inLedger.trades,
    tradesClosedInLedger: inLedger.tradesClosed,
    tradesReported,
    tradesClosedReported,
    tradesOverclaimed,
    partialCloses: breaks.partialCloses,
    overfilledEntries: breaks.overfilledEntries,
    betterThanDecision: breaks.betterThanDecision,
    beyondBookOverruns: breaks.beyondBookOverruns,
    malformedFills: breaks.malformedFills,
    fillRuleBreaks: breaks.examples.map((e) => `${shardId} ${e}`),
  };
}

/**
 * Relative tolerance of the fill rules (`fillRuleBreaksOf`), on quantities and prices: the engine
 * computes a leg's quantity and volume-weighted price in floating point (`execution-model.ts`
 * `take`: q + (want − q) may miss `want` by a unit in the last place, a mean of levels all at the
 * top may land one below it: /tmp/v7c/s15's exit bought at 100010000.00000001 on a top of
 * 100010000), so a difference below 1e-9 of the value is rounding; the smallest real fault (a tick,
 * a lot) is many orders of magnitude larger.
 */
export const FILL_RULE_TOLERANCE = 1e-9;

/** Examples each shard's check keeps in words (`fillRuleBreaks`). */
const FILL_RULE_EXAMPLES = 3;

/** What `fillRuleBreaksOf` found. */
export interface FillRuleBreaks {
  partialCloses: number;
  overfilledEntries: number;
  betterThanDecision: number;
  beyondBookOverruns: number;
  malformedFills: number;
  /** The first few breaks in words (`trade 1: venue B closed 0.004 of 0.005 opened`). */
  examples: string[];
}

const beyond = (x: number, bound: number) => x > bound + FILL_RULE_TOLERANCE * Math.abs(bound);

/**
 * Fills no correct engine makes, in one pass over a shard's (deduplicated) ledger plus one over its trades:
 * - a partial close: a trade whose CLOSE leg on a venue moved another quantity than its OPEN leg
 *   there (a venue without a CLOSE leg is the positions row's: a trade closed on one venue only is
 *   open, `openPositionsOf`);
 * - an overfilled entry: an OPEN leg filled above its `orderedQty` (legs without it are not judged);
 * - a leg better than its decision: with `execution.latency` 0 on its venue a leg fills against the
 *   book it was decided on, whose top in its direction is its `decisionPrice`
 *   (`engine-task/src/execution/paper-execution.ts`), and every model takes the top first and walks
 *   only to worse levels: a BUY below its decision price or a SELL above it cannot happen. With a
 *   latency the book may have moved in the leg's favour meanwhile, so such legs are not judged;
 * - a beyond-book overrun: a leg whose `beyondBookQty` is more than the quantity it filled, or one on
 *   an entry (only an exit fills beyond the displayed book, `execution-model.ts`);
 * - a malformed fill or trade: an OPEN leg whose reason is an exit's or a CLOSE leg's that is ENTRY;
 *   a trade whose legs name two symbols, or closed (on a venue) before it opened there; with `shard`,
 *   a fill of a symbol not the shard's, or written by a generation above the shard's (none ran); a
 *   trade whose two entry legs take the same side, or whose exit on a venue takes its entry's side
 *   there (it doubles the position instead of closing it); with `feesBps`, a leg whose fee is not
 *   its notional (qty × price) at its venue's taker fee (every engine charges it so:
 *   `paper-execution.ts`, `examples/python-engine/paper.py`): fees wrong by a factor, with the
 *   engine's P&L agreeing, scored 11/11.
 * Each found by a tester who edited a real run's `fleet.db` and saw "Ledger exact" pass.
 * Tolerance `FILL_RULE_TOLERANCE`, relative.
 */
export function fillRuleBreaksOf(fills: readonly Fill[], latencyMs: { a: number; b: number }, shard?: ShardShape, feesBps?: VenueFeesBps): FillRuleBreaks {
  const out: FillRuleBreaks = { partialCloses: 0, overfilledEntries: 0, betterThanDecision: 0, beyondBookOverruns: 0, malformedFills: 0, examples: [] };
  const note = (words: string) => {
    if (out.examples.length < FILL_RULE_EXAMPLES) out.examples.push(words);
  };
  const malformed = (words: string) => {
    out.malformedFills++;
    note(words);
  };
  const symbols = shard === undefined ? undefined : new Set(shard.symbols);
  // Per trade: OPEN and CLOSE quantity per venue (NaN: no such leg).
  const legs = new Map<number, [number, number, number, number]>();
  // Per trade: its first leg's symbol, and per venue its entry's and its exit's time and side.
  const shapes = new Map<
    number,
    {
      symbol: string;
      openTs: [number, number];
      closeTs: [number, number];
      openSide: [Fill['side'] | null, Fill['side'] | null];
      closeSide: [Fill['side'] | null, Fill['side'] | null];
    }
  >();
  for (const f of fills) {
    const q = legs.get(f.tradeId) ?? [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
    legs.set(f.tradeId, q);
    q[(f.kind === 'OPEN' ? 0 : 2) + (f.venue === 'A' ? 0 : 1)] = f.qty;
    let shape = shapes.get(f.tradeId);
    if (shape === undefined) {
      shape = { symbol: f.symbol, openTs: [Number.NaN, Number.NaN], closeTs: [Number.NaN, Number.NaN], openSide: [null, null], closeSide: [null, null] };
      shapes.set(f.tradeId, shape);
    } else if (shape.symbol !== f.symbol) {
      malformed(`trade ${f.tradeId}: venue ${f.venue}'s ${f.kind === 'OPEN' ? 'entry' : 'exit'} is of ${f.symbol}, the trade of ${shape.symbol}`);
    }
    (f.kind === 'OPEN' ? shape.openTs : shape.closeTs)[f.venue === 'A' ? 0 : 1] = f.ts;
    (f.kind === 'OPEN' ? shape.openSide : shape.closeSide)[f.venue === 'A' ? 0 : 1] = f.side;
    if (feesBps !== undefined) {
      const due = f.qty * f.price * ((f.venue === 'A' ? feesBps.a : feesBps.b) / 1e4);
      if (beyond(f.fee, due) || beyond(due, f.fee))
        malformed(
          `fill ${f.seq}: trade ${f.tradeId}'s venue ${f.venue} fee ${f.fee}, not ${due} (${f.qty} × ${f.price} at ${f.venue === 'A' ? feesBps.a : feesBps.b} bps)`,
        );
    }
    if ((f.kind === 'OPEN') !== (f.reason === 'ENTRY'))
      malformed(`trade ${f.tradeId}: venue ${f.venue}'s ${f.kind === 'OPEN' ? 'entry' : 'exit'} gives the reason ${f.reason}`);
    if (symbols !== undefined && !symbols.has(f.symbol)) malformed(`fill ${f.seq}: ${f.symbol} is not one of the shard's symbols (${[...symbols].join(', ')})`);
    if (shard !== undefined && f.generation > shard.generation)
      malformed(`fill ${f.seq}: written by generation ${f.generation}, above the shard's ${shard.generation} (no such generation ran)`);
    if (f.kind === 'OPEN' && f.orderedQty !== undefined && beyond(f.qty, f.orderedQty)) {
      out.overfilledEntries++;
      note(`trade ${f.tradeId}: venue ${f.venue}'s entry filled ${f.qty} of ${f.orderedQty} ordered`);
    }
    if (f.beyondBookQty !== undefined && (f.kind === 'OPEN' || beyond(f.beyondBookQty, f.qty))) {
      out.beyondBookOverruns++;
      note(
        f.kind === 'OPEN'
          ? `trade ${f.tradeId}: venue ${f.venue}'s entry carries a quantity beyond the book (${f.beyondBookQty}): only an exit fills beyond it`
          : `trade ${f.tradeId}: venue ${f.venue}'s exit took ${f.beyondBookQty} beyond the book of the ${f.qty} it filled`,
      );
    }
    const latency = f.venue === 'A' ? latencyMs.a : latencyMs.b;
    if (f.decisionPrice !== undefined && latency === 0 && f.qty > 0) {
      const better = f.side === 'BUY' ? beyond(f.decisionPrice, f.price) : beyond(f.price, f.decisionPrice);
      if (better) {
        out.betterThanDecision++;
        note(
          `trade ${f.tradeId}: venue ${f.venue}'s ${f.kind === 'OPEN' ? 'entry' : 'exit'} ${f.side === 'BUY' ? 'bought' : 'sold'} at ${f.price}, ` +
            `better than its decision ${f.side === 'BUY' ? 'ask' : 'bid'} ${f.decisionPrice} with no latency`,
        );
      }
    }
  }
  for (const [tradeId, { openTs, closeTs, openSide, closeSide }] of shapes) {
    if (openSide[0] !== null && openSide[0] === openSide[1]) malformed(`trade ${tradeId}: both entry legs ${openSide[0] === 'BUY' ? 'bought' : 'sold'}`);
    for (const v of [0, 1]) {
      if ((closeTs[v] as number) < (openTs[v] as number))
        malformed(`trade ${tradeId}: venue ${v === 0 ? 'A' : 'B'} closed at ${closeTs[v]}, before it opened at ${openTs[v]}`);
      if (closeSide[v] !== null && closeSide[v] === openSide[v])
        malformed(
          `trade ${tradeId}: venue ${v === 0 ? 'A' : 'B'}'s exit ${closeSide[v] === 'BUY' ? 'bought' : 'sold'} as its entry did: it adds to the position instead of closing it`,
        );
    }
  }
  for (const [tradeId, [openA, openB, closeA, closeB]] of legs) {
    const off = (open: number, close: number) =>
      !Number.isNaN(close) && (beyond(close, Number.isNaN(open) ? 0 : open) || beyond(Number.isNaN(open) ? 0 : open, close));
    const venue = off(openA, closeA) ? 'A' : off(openB, closeB) ? 'B' : null;
    if (venue === null) continue;
    out.partialCloses++;
    const [open, close] = venue === 'A' ? [openA, closeA] : [openB, closeB];
    note(`trade ${tradeId}: venue ${venue} closed ${close} of ${Number.isNaN(open) ? 0 : open} opened`);
  }
  return out;
}

/**
 * The campaign's ledger check: shard checks summed; passes when nothing is lost, repeated (a seq, a
 * leg or a decision) or extra, every P&L matches and every COMPLETED shard's engine counted the
 * trades (opened, closed) its ledger holds.
 */
export function checkLedgers(shards: readonly ShardLedgerCheck[]): LedgerCheck {
  const sum = (pick: (c: ShardLedgerCheck) => number) => shards.reduce((total, c) => total + pick(c), 0);
  const sumOf = (pick: (c: ShardLedgerCheck) => Micros, field: string) => sumMicros(shards.map(pick), field);
  const lost = sum((c) => c.lost);
  const duplicated = sum((c) => c.duplicated);
  const repeatedDecisions = sum((c) => c.repeatedDecisions);
  const uncounted = sum((c) => c.uncounted);
  const pnlMismatchMicros = sumOf((c) => c.pnlMismatchMicros, 'ledger.pnlMismatchMicros');
  const compared = shards.filter((c) => c.reportedPnlMicros !== null);
  const tradesOverclaimed = sum((c) => c.tradesOverclaimed);
  return {
    fillsInLedger: sum((c) => c.fillsInLedger),
    fillsCounted: sum((c) => c.fillsCounted),
    fillsReported: sum((c) => c.fillsReported),
    lost,
    duplicated,
    repeatedDecisions,
    uncounted,
    realizedPnlMicros: sumOf((c) => c.realizedPnlMicros, 'ledger.realizedPnlMicros'),
    reportedPnlMicros:
      compared.length === 0
        ? null
        : sumMicros(
            compared.map((c) => c.reportedPnlMicros ?? 0),
            'ledger.reportedPnlMicros',
          ),
    pnlMismatchMicros,
    tradesInLedger: sum((c) => c.tradesInLedger),
    tradesClosedInLedger: sum((c) => c.tradesClosedInLedger),
    tradesReported: sum((c) => c.tradesReported),
    tradesClosedReported: sum((c) => c.tradesClosedReported),
    tradesOverclaimed,
    partialCloses: sum((c) => c.partialCloses),
    overfilledEntries: sum((c) => c.overfilledEntries),
    betterThanDecision: sum((c) => c.betterThanDecision),
    beyondBookOverruns: sum((c) => c.beyondBookOverruns),
    malformedFills: sum((c) => c.malformedFills),
    fillRuleBreaks: shards.flatMap((c) => c.fillRuleBreaks).slice(0, FILL_RULE_EXAMPLES),
    pass:
      lost === 0 &&
      duplicated === 0 &&
      repeatedDecisions === 0 &&
      uncounted === 0 &&
      pnlMismatchMicros === 0 &&
      tradesOverclaimed === 0 &&
      shards.every(
        (c) => c.partialCloses === 0 && c.overfilledEntries === 0 && c.betterThanDecision === 0 && c.beyondBookOverruns === 0 && c.malformedFills === 0,
      ),
    shards: [...shards],
  };
}

/**
 * Trades whose entry (its OPEN legs, grouped by `tradeId`) an earlier trade of the same ledger
 * already made: the same symbol and event time (`eventTs`, else `ts`), and the same venue, side and
 * price on every leg. The engine enters at most once per symbol per market update, so a repeat is
 * the same updates traded again. Exits are not compared: one exit decision closes every open trade
 * of a symbol it applies to, at the same prices and time (a healthy replay does so every minute).
 */
export function repeatedDecisionsOf(fills: readonly Fill[]): number {
  const legsOf = new Map<number, Fill[]>();
  for (const fill of fills) {
    if (fill.kind !== 'OPEN') continue;
    const key = fill.tradeId;
    const legs = legsOf.get(key);
    if (legs) legs.push(fill);
    else legsOf.set(key, [fill]);
  }
  // Only trades entered at the same instant can repeat a decision: each one's key is built only
  // when another trade entered at its instant (most entries have an instant of their own).
  const atInstant = new Map<number, number>();
  for (const legs of legsOf.values()) {
    const first = legs[0] as Fill;
    const at = first.eventTs ?? first.ts;
    atInstant.set(at, (atInstant.get(at) ?? 0) + 1);
  }
  const seen = new Set<string>();
  const repeatedTrades = new Set<number>();
  for (const legs of legsOf.values()) {
    const first = legs[0] as Fill;
    if ((atInstant.get(first.eventTs ?? first.ts) as number) < 2) continue;
    const sides = legs
      .map((f) => `${f.venue}:${f.side}:${f.price}`)
      .sort()
      .join(',');
    const decision = `${first.symbol}|${first.eventTs ?? first.ts}|${sides}`;
    if (seen.has(decision)) repeatedTrades.add(first.tradeId);
    seen.add(decision);
  }
  return repeatedTrades.size;
}

/**
 * Realised P&L recomputed from the ledger alone, in micro-units: the cash of every fill of every
 * trade with a closing leg, each rounded by the published rule (`fillCashMicros`). Exact. Grouped
 * apart from the report's own fold (`ledgerFiguresOf`), which the tests hold to it.
 */
export function realizedMicrosOf(fills: readonly Fill[]): Micros {
  const trades = new Map<number, Fill[]>();
  for (const fill of fills) {
    const legs = trades.get(fill.tradeId);
    if (legs) legs.push(fill);
    else trades.set(fill.tradeId, [fill]);
  }
  let total = 0;
  for (const legs of trades.values()) {
    if (legs.some((fill) => fill.kind === 'CLOSE')) for (const leg of legs) total += fillCashMicros(leg);
  }
  return micros(total, 'ledger.realizedPnlMicros');
}

/**
 * A fill's leg, `(tradeId, venue, kind)`, as one number (`tradeId` × 4 + venue + kind: one per leg
 * while that stays a safe integer, `Fill.tradeId` being one), else as text: a number is compared
 * without building a string per fill (17,236 of them in 3 months of 5-minute candles).
 */
function legKey(fill: Fill): number | string {
  return fill.tradeId <= MAX_NUMERIC_TRADE_ID
    ? fill.tradeId * 4 + (fill.venue === 'A' ? 0 : 2) + (fill.kind === 'OPEN' ? 0 : 1)
    : `${fill.tradeId}/${fill.venue}/${fill.kind}`;
}

/** The largest `tradeId` whose `legKey` is a safe integer. */
const MAX_NUMERIC_TRADE_ID = Math.floor((Number.MAX_SAFE_INTEGER - 3) / 4);

function reportedCount(status: ShardStatus, progress: Progress): number {
  return status === 'COMPLETED' ? progress.fillsA + progress.fillsB : progress.lastFillSeq + 1;
}
