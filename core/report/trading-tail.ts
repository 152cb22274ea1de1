/**
 * Continuous trading in recorded time, for a `clock: virtual` campaign (a backtest). Its wall
 * time says nothing: a 72-hour replay runs in seconds, so the 5-minute wall windows of
 * `trade-windows.ts` would judge it as one window that any single trade passes.
 *
 * Nor does "a trade in every window of recorded time" fit: a real market may offer nothing for a
 * day (`configs/real-btc-premium.yaml`: no entry for the last 19 of 49.5 recorded hours, its
 * premium's deviation never past 23 bps against a 40 bps threshold), and such a row would fail
 * honest backtests. What the row exists for is the seed report's failure
 * (`../shared/seed-report.md`): paper exits never fired, the caps stayed full, and trading
 * plateaued at 40 trades per symbol while the engine ran on. So the rule judges the end of each
 * shard's recorded run, its *tail*: the last {@link TAIL_FRACTION} of the recorded span it
 * heartbeated over, and never less than `strategy.maxHolding` plus one heartbeat interval (a
 * trade may rightly hold its slot that long; exits fire within maxHolding + one loop turn, and a
 * turn comes at least once per heartbeat interval of engine time). A shard with no entry in its
 * tail fails when either
 * - **plateau**: entries were refused for capacity there (`max-open-trades`, `symbol-open-trades`,
 *   `symbol-notional`, `ledger-full`: the growth of `Progress.refusals` over the tail) and no trade
 *   closed there either: nothing opens, nothing closes, the caps turn every signal away; or
 * - **unanswered**: no entry was refused there for any reason, yet a heartbeat in the tail shows
 *   a symbol's premium deviation (`SymbolProgress.deviationBps`, mid to mid) at least
 *   {@link OPPORTUNITY_MULTIPLE} × the entry threshold e = entryBps + both taker fees: the quoted
 *   spreads would have to be as wide as the threshold itself for the rule not to enter, so an
 *   engine that stopped trading while data kept coming is caught when the market offered.
 * - **silent**: no entry, no refusal and no close there, and no tail heartbeat reported a premium
 *   deviation: nothing shows the engine was still watching the market, so a quiet market cannot
 *   be told from an engine that stopped trading (a command engine's heartbeats carry no per-symbol
 *   premium, docs/task-protocol.md); the row cannot judge it, and fails rather than pass.
 * Otherwise a tail without entries is a quiet market, said so with the widest deviation seen.
 * Limits: heartbeats sample the deviation (one per heartbeat interval of engine time), so an
 * unanswered opportunity between two heartbeats is not seen; a plateau that ends before the tail
 * (exits fired late, then trading resumed) is not a failure of this row.
 */
import { StrategySchema, WatchdogSchema } from '../config/campaign-config.js';
import type { Heartbeat } from '../model/records.js';
import type { Fill } from '../model/fill.js';
import { opensPosition } from './trade-windows.js';

/** The share of a shard's recorded span judged as its tail (at least maxHolding + one heartbeat interval). */
export const TAIL_FRACTION = 0.25;
/** A tail heartbeat's |deviation| at least this multiple of the entry threshold is an opportunity the rule must answer. */
export const OPPORTUNITY_MULTIPLE = 2;
/** The refusal reasons (`Progress.refusals` keys) that mean the caps were full. */
export const CAPACITY_REASONS = ['max-open-trades', 'symbol-open-trades', 'symbol-notional', 'ledger-full'] as const;

/** The strategy settings the rule reads (from the stored config). */
export interface TailRules {
  /** `strategy.maxHolding`, seconds. */
  maxHoldingSec: number;
  /** `watchdog.heartbeatInterval`, seconds. */
  heartbeatIntervalSec: number;
  /** e = `strategy.entryBps` + `venues.a.takerFeeBps` + `venues.b.takerFeeBps`, bps. */
  entryThresholdBps: number;
}

/** How a shard's tail was judged. */
export type TailVerdict = 'trading' | 'quiet' | 'plateau' | 'unanswered' | 'silent' | 'unheard';

/** One shard's recorded run and its tail, in recorded (event) time, ms. */
export interface ShardTail {
  shardId: string;
  verdict: TailVerdict;
  /** The recorded span: the first and last heartbeat's `eventTime` (null when it never heartbeated). */
  fromMs: number | null;
  toMs: number | null;
  /** Where the tail starts. */
  tailFromMs: number | null;
  /** Trades opened over the whole run, and in the tail (by the opening fill's `eventTs`, else `ts`). */
  entries: number;
  tailEntries: number;
  /** Trades closed in the tail. */
  tailExits: number;
  /** Recorded time of the last entry (null when none). */
  lastEntryMs: number | null;
  /** Growth of each refusal reason over the tail (reasons that grew only). */
  tailRefusals: Record<string, number>;
  /** Of which for capacity. */
  tailCapacityRefusals: number;
  /** The widest |deviation| a tail heartbeat showed, with its symbol and recorded time (null when none was reported). */
  widest: { symbol: string; deviationBps: number; atMs: number } | null;
}

const eventTimeOf = (h: Heartbeat): number => h.progress.eventTime ?? h.progress.at;
const fillTimeOf = (f: Fill): number => f.eventTs ?? f.ts;

/** Judges one shard's tail from its heartbeat history (oldest first, every generation) and ledger. */
export function shardTailOf(shardId: string, history: readonly Heartbeat[], ledger: readonly Fill[], rules: TailRules): ShardTail {
  const first = history[0];
  const last = history.at(-1);
  const openings = new Map<number, number>();
  for (const f of ledger) if (opensPosition(f) && !openings.has(f.tradeId)) openings.set(f.tradeId, fillTimeOf(f));
  const entries = openings.size;
  const lastEntryMs = entries === 0 ? null : Math.max(...openings.values());
  const base = { shardId, entries, lastEntryMs };
  if (first === undefined || last === undefined) {
    return {
      ...base,
      verdict: 'unheard',
      fromMs: null,
      toMs: null,
      tailFromMs: null,
      tailEntries: 0,
      tailExits: 0,
      tailRefusals: {},
      tailCapacityRefusals: 0,
      widest: null,
    };
  }
  const fromMs = eventTimeOf(first);
  const toMs = eventTimeOf(last);
  const spanMs = Math.max(0, toMs - fromMs);
  const tailMs = Math.min(spanMs, Math.max(TAIL_FRACTION * spanMs, (rules.maxHoldingSec + rules.heartbeatIntervalSec) * 1000));
  const tailFromMs = toMs - tailMs;

  const tailEntries = [...openings.values()].filter((at) => at >= tailFromMs).length;
  const closed = new Set<number>();
  for (const f of ledger) if (f.kind === 'CLOSE' && fillTimeOf(f) >= tailFromMs) closed.add(f.tradeId);

  // Refusals are cumulative (restored from the checkpoint across generations): growth from the last heartbeat before the tail.
  const before = [...history].reverse().find((h) => eventTimeOf(h) < tailFromMs);
  const tailRefusals: Record<string, number> = {};
  for (const [reason, n] of Object.entries(last.progress.refusals ?? {})) {
    const grew = n - (before?.progress.refusals?.[reason] ?? 0);
    if (grew > 0) tailRefusals[reason] = grew;
  }
  const tailCapacityRefusals = CAPACITY_REASONS.reduce((sum, r) => sum + (tailRefusals[r] ?? 0), 0);

  let widest: ShardTail['widest'] = null;
  for (const h of history) {
    if (eventTimeOf(h) < tailFromMs) continue;
    for (const s of h.progress.symbols) {
      if (s.deviationBps === undefined || !Number.isFinite(s.deviationBps)) continue;
      if (widest === null || Math.abs(s.deviationBps) > Math.abs(widest.deviationBps))
        widest = { symbol: s.symbol, deviationBps: s.deviationBps, atMs: eventTimeOf(h) };
    }
  }

  const refusedAny = Object.keys(tailRefusals).length > 0;
  const offered = widest !== null && Math.abs(widest.deviationBps) >= OPPORTUNITY_MULTIPLE * rules.entryThresholdBps;
  // Silent: nothing in the tail shows the engine still deciding (no refusal, no close, no deviation reported).
  const silent = !refusedAny && closed.size === 0 && widest === null;
  const verdict: TailVerdict =
    tailEntries > 0
      ? 'trading'
      : tailCapacityRefusals > 0 && closed.size === 0
        ? 'plateau'
        : !refusedAny && offered
          ? 'unanswered'
          : silent
            ? 'silent'
            : 'quiet';
  return { ...base, verdict, fromMs, toMs, tailFromMs, tailEntries, tailExits: closed.size, tailRefusals, tailCapacityRefusals, widest };
}

const STRATEGY_DEFAULTS = StrategySchema.parse({});
const HEARTBEAT_INTERVAL_DEFAULT_SEC = WatchdogSchema.parse({}).heartbeatInterval;

/** Reads the rule's settings leniently from a stored config (the config schema's defaults where absent). */
export function tailRulesOf(config: Record<string, unknown>): TailRules {
  const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined);
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  return {
    maxHoldingSec: num(get(config.strategy, 'maxHolding'), STRATEGY_DEFAULTS.maxHolding),
    heartbeatIntervalSec: num(get(config.watchdog, 'heartbeatInterval'), HEARTBEAT_INTERVAL_DEFAULT_SEC),
    entryThresholdBps:
      num(get(config.strategy, 'entryBps'), STRATEGY_DEFAULTS.entryBps) +
      num(get(get(config.venues, 'a'), 'takerFeeBps'), 0) +
      num(get(get(config.venues, 'b'), 'takerFeeBps'), 0),
  };
}
