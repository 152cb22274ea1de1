/**
 * The acceptance table, computed: the seed report's criteria (stability for the full duration,
 * loop latency under target, monitoring, no unrecovered stalls, continuous trades, all symbols
 * traded, crash-free) plus the ledger check, each judged from stored facts with its target and
 * result in words.
 */
import type { ReplayExtent } from '../data/replay-extent.js';
import { describeRestartOutcome, restartOutcome } from './restart-outcome.js';
import { ENGINE_EXIT } from '../exit-codes.js';
import { isVirtualClock, type CampaignRecord, type Heartbeat, type RestartCause, type ShardRecord } from '../model/records.js';
import type { Fill } from '../model/fill.js';
import { heartbeatContradictions } from './heartbeat-consistency.js';
import { longestHeartbeatGap, notYetRunning, type HeartbeatGap } from './heartbeat-gaps.js';
import type { ReportConfig } from './report-config.js';
import { formatCount, formatInstant, formatLatencyUs, formatMoney, formatNumber, formatOffset, formatSeconds } from './report-format.js';
import { currencyDecimals, type Micros, MICROS_PER_UNIT } from '../model/units.js';
import type { AcceptanceCriterion, LedgerCheck, ShardReport } from './report-schema.js';
import { secondsSinceStart, type RunWindow } from './run-window.js';
import { opensPosition, TRADE_WINDOW_SEC, tradeWindowsOf } from './trade-windows.js';
import { OPPORTUNITY_MULTIPLE, shardTailOf, TAIL_FRACTION, tailRulesOf, type ShardTail } from './trading-tail.js';

/** A campaign must run at least this fraction of its configured duration. */
export const FULL_DURATION_FRACTION = 0.99;
/** Loop latency p99 must stay under this (µs). */
export const LATENCY_P99_TARGET_US = 10_000;

/**
 * Whether a heartbeat carries the engine's progress, not only a task's liveness: the engine's loop
 * turned (`turns`, a command engine's `counter`) or took a tick. A command engine's agent
 * heartbeats on its own before the engine's first `progress`, and for ever when the engine never
 * says `hello` (docs/task-protocol.md), with 0 ticks and 0 turns: such beats show the agent alive,
 * not the engine running, so "Ran the full duration" and "Monitoring on" do not pass on them.
 */
export function showsEngineProgress(h: Heartbeat): boolean {
  return h.progress.ticks > 0 || (h.progress.turns ?? 0) > 0;
}

/** The shards that heartbeated, none of whose heartbeats showed engine progress, in words. */
function withoutEngineProgress(shards: readonly ShardRecord[], histories: ReadonlyMap<string, readonly Heartbeat[]>, longerThanSec = 0): string[] {
  return shards.flatMap((s) => {
    const history = histories.get(s.shardId) ?? [];
    const first = history[0];
    const last = history.at(-1);
    if (first === undefined || last === undefined || history.some(showsEngineProgress)) return [];
    if ((last.receivedAt - first.receivedAt) / 1000 <= longerThanSec) return [];
    return [`${s.shardId}: no engine progress in ${formatCount(history.length)} heartbeats (0 ticks, 0 turns: the task alive, its engine not running)`];
  });
}

/**
 * A shard whose last heartbeat is not a final one (no `stop`: its engine never said it ended or was
 * stopped; every engine writes one when it ends, `runner.ts`, the agent) and that stayed silent past
 * `boundSec` up to the run's end (`endMs`): lost at the end, whatever status the campaign's end gave
 * it (a task frozen or killed in the last `staleAfter` is completed by the campaign's end, never
 * restarted). Undefined for a shard still running (`openUntil` judges it), one that never
 * heartbeated, and one whose replay ran out.
 */
function silentAtTheEnd(shard: ShardRecord, history: readonly Heartbeat[], endMs: number, boundSec: number): { fromMs: number; silentSec: number } | undefined {
  const last = history.at(-1);
  if (last === undefined || last.progress.stop !== undefined || last.progress.feedDone === true || (shard.status !== 'COMPLETED' && shard.status !== 'FAILED'))
    return undefined;
  const silentSec = (endMs - last.receivedAt) / 1000;
  return silentSec > boundSec ? { fromMs: last.receivedAt, silentSec } : undefined;
}

/** Everything the acceptance table is judged on. */
export interface AcceptanceFacts {
  campaign: CampaignRecord;
  config: ReportConfig;
  window: RunWindow;
  now: number;
  shards: readonly ShardRecord[];
  /** Per shard: its heartbeat history, oldest first. */
  histories: ReadonlyMap<string, readonly Heartbeat[]>;
  ledgers: Readonly<Record<string, readonly Fill[]>>;
  shardReports: readonly ShardReport[];
  ledger: LedgerCheck;
  /** Where the replay's data ends, read from its files (`ReportInput.replayExtent`); undefined when not read. */
  replayExtent?: ReplayExtent | undefined;
}

/** The acceptance table, in the seed report's order. */
export function assessAcceptance(facts: AcceptanceFacts): AcceptanceCriterion[] {
  return [
    fullDuration(facts),
    loopLatency(facts),
    monitoring(facts),
    noUnrecoveredStall(facts),
    continuousTrades(facts),
    allSymbolsTraded(facts),
    noUnhandledException(facts),
    ledgerExact(facts),
  ];
}

/** The recorded (engine-time) stretch a campaign was asked to cover, ms, and which fields asked for it. */
export interface AskedWindow {
  startMs: number;
  endMs: number;
  /** The config fields that set the end, in words: `feed.to`, `duration`. */
  by: string;
}

/** Reads a field of the stored config leniently (records predating a field lack it). */
function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

/**
 * What a campaign in engine time asked for (a `clock: virtual` campaign, or any replay with
 * `feed.to`): from `feed.from`, else its first heartbeat's event time (the engine's window start:
 * the replay's first update, or the campaign's start); to `feed.to`, else start + `duration`
 * (virtual time only: a real-time replay's recorded end depends on its launch, and its wall-clock
 * duration is judged on the wall). Null when the window is the wall clock's, or nothing heartbeated.
 */
export function askedWindowOf(campaign: CampaignRecord, config: ReportConfig, firstEventTime: number | undefined): AskedWindow | null {
  const feed = campaign.config['feed'];
  const from = field(feed, 'from');
  const to = field(feed, 'to');
  const virtual = isVirtualClock(campaign.config);
  const replayTo = field(feed, 'kind') === 'replay' && typeof to === 'string';
  if (!virtual && !replayTo) return null;
  const startMs = typeof from === 'string' ? Date.parse(from) : firstEventTime;
  if (startMs === undefined || Number.isNaN(startMs)) return null;
  if (replayTo) return { startMs, endMs: Date.parse(to), by: 'feed.to' };
  return { startMs, endMs: startMs + config.durationSec * 1000, by: 'duration' };
}

/**
 * Ran the full duration: what the user asked for, by every shard, in a COMPLETED campaign.
 * - On the wall clock, the campaign ran ≥ 99 % of `duration`, and every shard heartbeated within
 *   `staleAfter` of the campaign's end: a shard that stopped early (its symbols untraded for the
 *   rest of the run) fails the row however long the campaign ran.
 * - In engine time (`clock: virtual`, or a replay with `feed.to`), every shard reached ≥ 99 % of the
 *   asked window (`askedWindowOf`) by its last heartbeat's event time.
 * A replay that ran out (last heartbeat `feedDone`, honoured only when `feed.kind` is `replay`: an
 * engine claiming it on a synthetic or live feed excuses nothing) has played all it had: that is the end of a
 * window asked by `duration` (an upper bound on the replay), not of one asked by `feed.to`. Where
 * the recorded files were read (`replayExtent`), the claim must agree with them: a shard whose event
 * time stopped before its symbols' last recorded update in the window fails the row, however it
 * ended (an engine that stopped reading halfway and said feed-done passed on its own word); where
 * they were not, the result says the end was taken on the engines' word. The result names the
 * recorded window covered, and says when the data held more past its end.
 */
function fullDuration({ campaign, config, window, shards, histories, replayExtent }: AcceptanceFacts): AcceptanceCriterion {
  const base = { id: 'full-duration', criterion: 'Ran the full duration' } as const;
  const completed = campaign.status === 'COMPLETED';
  const lastOf = (s: ShardRecord) => histories.get(s.shardId)?.at(-1);
  // Only a replay can run out: an engine saying feed-done on a synthetic or live feed excuses nothing.
  const replay = field(campaign.config['feed'], 'kind') === 'replay';
  const reachedOf = (s: ShardRecord) => {
    const last = lastOf(s);
    return last === undefined ? undefined : (last.progress.eventTime ?? last.progress.at);
  };
  const claimsRanOut = (s: ShardRecord) => replay && lastOf(s)?.progress.feedDone === true;
  // The files' word against the engine's: its symbols' last recorded update, where the files were read.
  const dataEndOf = (s: ShardRecord) =>
    replayExtent === undefined
      ? undefined
      : s.symbols.reduce<number | undefined>((end, symbol) => {
          const t = replayExtent.lastUpdateAt[symbol];
          return t === undefined || (end !== undefined && end >= t) ? end : t;
        }, undefined);
  const stoppedShort = shards.flatMap((s) => {
    const end = dataEndOf(s);
    const reached = reachedOf(s);
    if (!claimsRanOut(s) || end === undefined || (reached !== undefined && reached >= end)) return [];
    return [
      `${s.shardId} said its replay ran out at ${reached === undefined ? 'no event time' : formatInstant(reached)}, but its data goes on to ${formatInstant(end)}`,
    ];
  });
  const ranOutOf = (s: ShardRecord) => claimsRanOut(s) && !stoppedShort.some((p) => p.startsWith(`${s.shardId} `));
  const onWhoseWord = replayExtent === undefined ? " (on the engines' word: the recorded files were not read)" : ", each to its data's last update";
  const firstEventTime = shards
    .map((s) => histories.get(s.shardId)?.[0])
    .reduce<number | undefined>((min, h) => (h === undefined ? min : Math.min(min ?? Infinity, h.progress.eventTime ?? h.progress.at)), undefined);
  const asked = askedWindowOf(campaign, config, firstEventTime);
  // A campaign whose shard records are gone (or were never made) ran nothing anyone can vouch for.
  const notCompleted = shards.length === 0 ? ['no shard'] : shards.filter((s) => s.status !== 'COMPLETED').map((s) => `${s.shardId} ${s.status}`);
  const idle = withoutEngineProgress(shards, histories);

  if (asked !== null) {
    const spanMs = Math.max(0, asked.endMs - asked.startMs);
    const mustReach = asked.startMs + FULL_DURATION_FRACTION * spanMs;
    const short = shards.flatMap((s) => {
      const reached = reachedOf(s);
      const ranOut = ranOutOf(s);
      if (reached !== undefined && (reached >= mustReach || (ranOut && asked.by === 'duration'))) return [];
      const share = reached === undefined || spanMs === 0 ? 0 : Math.max(0, (reached - asked.startMs) / spanMs);
      const where = reached === undefined ? 'never heartbeated' : `reached ${formatInstant(reached)} (${formatNumber(share * 100, 1)} %)`;
      return [`${s.shardId} ${where}${ranOut ? ': its data ended' : ''}`];
    });
    const allRanOut = shards.length > 0 && shards.every(ranOutOf);
    const problems = [...notCompleted, ...idle, ...stoppedShort, ...short];
    const covered = `recorded ${formatInstant(asked.startMs)} → ${formatInstant(asked.endMs)} (${formatSeconds(spanMs / 1000)}, asked by ${asked.by})`;
    return {
      ...base,
      target: `every shard reaches ≥ ${FULL_DURATION_FRACTION * 100} % of the recorded window asked (feed.from/feed.to, else duration; a replay may end sooner when asked by duration) by its engine-reported event time, COMPLETED`,
      result:
        (problems.length > 0
          ? `${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}; window ${covered}`
          : `${covered}: ${allRanOut ? `every shard played its replay to the end${onWhoseWord}` : 'every shard reached its end'}` +
            (!allRanOut && shards.some((s) => !ranOutOf(s)) && replay ? ' (the data goes on past it)' : '')) +
        ` (wall ${formatSeconds(window.ranSec)}), ${campaign.status}`,
      pass: completed && shards.length > 0 && problems.length === 0,
    };
  }

  const share = config.durationSec > 0 ? window.ranSec / config.durationSec : 0;
  // The campaign's end as it happened: a campaign that ended early fails on its run time, not on every shard's silence after it.
  const endMs = Math.min(campaign.endsAt ?? Infinity, window.endMs);
  // A shard ran to the end when its last heartbeat is a final one (its engine said it ended or was
  // stopped: `stop`) within staleAfter of the end. A last heartbeat that is not final means the
  // engine went silent, however close to the end (a task frozen 1 s into a 5 s campaign passed
  // this row when "within staleAfter of the end" was the whole rule).
  const early = shards.flatMap((s) => {
    if (ranOutOf(s)) return [];
    const last = lastOf(s);
    if (last === undefined) return [`${s.shardId} never heartbeated`];
    const from = formatOffset(secondsSinceStart(window, last.receivedAt));
    if (last.receivedAt < endMs - config.staleAfterSec * 1000) return [`${s.shardId} silent from ${from}`];
    if (last.progress.stop === undefined) return [`${s.shardId} silent from ${from}, no final heartbeat (its engine never said it ended)`];
    return [];
  });
  const replayEnded = shards.length > 0 && shards.every(ranOutOf);
  const ranEnough = replayEnded || window.ranSec >= FULL_DURATION_FRACTION * config.durationSec;
  const problems = [...notCompleted, ...idle, ...stoppedShort, ...early];
  return {
    ...base,
    target: `${formatSeconds(config.durationSec)} (≥ ${FULL_DURATION_FRACTION * 100} %, or every replay to its end), every shard's final heartbeat within staleAfter of the end, COMPLETED`,
    result:
      `${formatSeconds(window.ranSec)} (${formatNumber(share * 100, 1)} %${replayEnded ? `, every shard played its replay to the end${onWhoseWord}` : ''}), ${campaign.status}` +
      (problems.length > 0 ? `; ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}` : ''),
    pass: completed && ranEnough && problems.length === 0,
  };
}

function loopLatency({ shardReports, histories }: AcceptanceFacts): AcceptanceCriterion {
  const base = {
    id: 'loop-latency',
    criterion: 'Loop latency p99',
    target: `< ${formatLatencyUs(LATENCY_P99_TARGET_US)}, as the engines measured it (engine-reported)`,
  } as const;
  const reporting = shardReports.filter((s) => (histories.get(s.shardId)?.length ?? 0) > 0);
  if (reporting.length === 0) return { ...base, result: 'no shard reported latency', pass: false };
  // A shard none of whose heartbeats measured latency (`latencyMeasured: false`) is not judged on its placeholder 0 µs.
  const measured = reporting.filter((s) => (histories.get(s.shardId) ?? []).some((h) => h.progress.latencyMeasured !== false));
  const unmeasured = reporting.filter((s) => !measured.includes(s)).map((s) => s.shardId);
  const notMeasured =
    unmeasured.length === 0
      ? ''
      : `not measured for ${unmeasured.slice(0, 5).join(', ')}${unmeasured.length > 5 ? ', …' : ''} (its engine's progress carried no latency, docs/task-protocol.md)`;
  if (measured.length === 0) return { ...base, result: notMeasured, pass: false };
  const worst = measured.reduce((a, b) => (b.totals.latencyUs.p99 > a.totals.latencyUs.p99 ? b : a));
  const p99 = worst.totals.latencyUs.p99;
  return {
    ...base,
    result: `${formatLatencyUs(p99)} (worst: ${worst.shardId})${notMeasured === '' ? '' : `; ${notMeasured}`}`,
    pass: p99 < LATENCY_P99_TARGET_US && unmeasured.length === 0,
  };
}

function monitoring({ shards, histories, config, campaign, now, window }: AcceptanceFacts): AcceptanceCriterion {
  const openUntil = campaign.endedAt === undefined ? now : undefined;
  const gaps = shards.map((s) => longestHeartbeatGap(s, histories.get(s.shardId) ?? [], openUntil));
  const silent = gaps.filter((g, i) => g.gapSec === null && !notYetRunning(shards[i] as ShardRecord));
  const late = gaps.filter((g) => g.gapSec !== null && g.gapSec > config.staleAfterSec);
  // The silence after a last heartbeat that is not a final one, up to the run's end, is a gap too.
  const lostAtEnd =
    openUntil === undefined
      ? shards.flatMap((s) => {
          const silent = silentAtTheEnd(s, histories.get(s.shardId) ?? [], window.endMs, config.staleAfterSec);
          return silent === undefined
            ? []
            : [
                `${s.shardId}: ${formatNumber(silent.silentSec, 1)} s silent from ${formatOffset(secondsSinceStart(window, silent.fromMs))} to the end, no final heartbeat`,
              ];
        })
      : [];
  const base = {
    id: 'monitoring',
    criterion: 'Monitoring on',
    target:
      `every shard heartbeats at least every ${formatNumber(config.staleAfterSec, 1)} s (staleAfter), its engine's progress in them; ` +
      "no heartbeat its shard's record contradicts (a generation that never ran, was replaced or has no restart into it, two writers in one generation, a writer's counts going back)",
  } as const;
  // Beats without engine progress for longer than staleAfter: the agent alive, its engine never running.
  const idle = withoutEngineProgress(shards, histories, config.staleAfterSec);
  const contradicted = heartbeatContradictions(shards, histories);
  if (silent.length > 0 || late.length > 0 || idle.length > 0 || lostAtEnd.length > 0 || contradicted.length > 0) {
    const problems = [
      ...late.map((g) => `${g.shardId} gen ${g.generation}: ${formatNumber(g.gapSec ?? 0, 1)} s silent from ${offsetOf(g, window)}`),
      ...lostAtEnd,
      ...silent.map((g) => `${g.shardId} never heartbeated`),
      ...idle,
      ...contradicted,
    ];
    return { ...base, result: problems.join('; '), pass: false };
  }
  const heard = gaps.filter((g) => g.gapSec !== null);
  if (heard.length === 0) return { ...base, result: 'no shard heartbeated yet', pass: false };
  const widest = heard.reduce((a, b) => ((b.gapSec ?? 0) > (a.gapSec ?? 0) ? b : a));
  return { ...base, result: `longest gap ${formatNumber(widest.gapSec ?? 0, 1)} s (${widest.shardId})`, pass: true };
}

/**
 * A stall the fleet never acted on, seen in the heartbeats: progress beyond this multiple of
 * `staleAfter` without a restart of its generation. The watchdog restarts a shard whose progress
 * (`turns`, else ticks: its stall rule) stands still for `staleAfter`, after its confirmation and
 * within one look; twice `staleAfter` leaves room for both, so a stretch this long with no restart
 * of that generation means the watchdog missed it (or never ran), whatever the records say.
 */
export const UNNOTICED_STALL_MULTIPLE = 2;

/** The longest stretch of each generation whose progress stood still past the bound with no restart of that generation, in words. */
function unnoticedStalls(
  shards: readonly ShardRecord[],
  histories: ReadonlyMap<string, readonly Heartbeat[]>,
  staleAfterSec: number,
  window: RunWindow,
): string[] {
  const boundMs = UNNOTICED_STALL_MULTIPLE * staleAfterSec * 1000;
  return shards.flatMap((s) => {
    const acted = new Set(s.restarts.map((r) => r.fromGeneration));
    const longest = new Map<number, { fromMs: number; forMs: number; at: number }>();
    let since: Heartbeat | undefined;
    for (const h of histories.get(s.shardId) ?? []) {
      const count = h.progress.turns ?? h.progress.ticks;
      if (since === undefined || since.generation !== h.generation || (since.progress.turns ?? since.progress.ticks) !== count) since = h;
      // Standing at 0 is an engine not yet started (or never: "Monitoring on" and "Ran the full duration" say so).
      const forMs = h.receivedAt - since.receivedAt;
      if (count === 0 || acted.has(h.generation) || forMs <= boundMs) continue;
      if (forMs > (longest.get(h.generation)?.forMs ?? 0)) longest.set(h.generation, { fromMs: since.receivedAt, forMs, at: count });
    }
    return [...longest].map(
      ([generation, stall]) =>
        `${s.shardId} gen ${generation}: progress stood at ${formatCount(stall.at)} for ${formatSeconds(stall.forMs / 1000)} from ` +
        `${formatOffset(secondsSinceStart(window, stall.fromMs))} (staleAfter ${formatSeconds(staleAfterSec)}), never restarted`,
    );
  });
}

function noUnrecoveredStall({ shards, window, histories, config }: AcceptanceFacts): AcceptanceCriterion {
  const stalls = shards.flatMap((s) => s.restarts.filter((r) => r.cause === 'STALLED' || r.cause === 'LOST').map((r) => ({ shard: s, r })));
  const unrecovered = stalls.filter(({ r }) => r.restartedAt === undefined);
  const outcomeOf = (shard: (typeof shards)[number], r: (typeof shard.restarts)[number]) =>
    describeRestartOutcome(
      restartOutcome(r, shard.restarts, shard.status, shard.generation),
      () => '',
      () => '',
    );
  const failed = shards.filter((s) => s.status === 'FAILED');
  const problems = [
    ...unrecovered.map(({ shard, r }) => `${shard.shardId} ${r.cause} at ${formatOffset(secondsSinceStart(window, r.failedAt))}: ${outcomeOf(shard, r)}`),
    ...failed.map((s) => `${s.shardId} FAILED`),
    ...unnoticedStalls(shards, histories, config.staleAfterSec, window),
    // Silent past staleAfter up to the end with no final heartbeat: LOST, and the campaign's end, not a restart, closed it.
    ...shards.flatMap((s) => {
      if (unrecovered.some(({ shard }) => shard.shardId === s.shardId)) return []; // said above, with its restart record
      const silent = silentAtTheEnd(s, histories.get(s.shardId) ?? [], window.endMs, config.staleAfterSec);
      return silent === undefined
        ? []
        : [
            `${s.shardId} lost at the end: no heartbeat from ${formatOffset(secondsSinceStart(window, silent.fromMs))} (${formatNumber(silent.silentSec, 1)} s, staleAfter ${formatSeconds(config.staleAfterSec)}) and no final one, never restarted`,
          ];
    }),
  ];
  return {
    id: 'no-unrecovered-stall',
    criterion: 'No unrecovered stall',
    target: `every STALLED/LOST shard restarted; no shard FAILED; no progress standing still past ${UNNOTICED_STALL_MULTIPLE} × staleAfter in heartbeats without a restart; none silent past staleAfter at the end without a final heartbeat`,
    result:
      problems.length > 0
        ? problems.join('; ')
        : stalls.length === 0
          ? 'no stall or loss; no shard FAILED'
          : `${stalls.length} stalled/lost, all restarted; no shard FAILED`,
    pass: problems.length === 0,
  };
}

/**
 * Continuous trades. On the wall clock: a trade opened in every 5-minute window of the run
 * (`trade-windows.ts`). In recorded time (`clock: virtual`, a backtest that runs a day in
 * seconds): at least one trade opened, and no shard's tail stopped trading while its caps turned
 * signals away (a plateau) or while the market offered twice the entry threshold unanswered
 * (`trading-tail.ts`, which says why the rule is not "a trade in every window of recorded time").
 */
function continuousTrades(facts: AcceptanceFacts): AcceptanceCriterion {
  if (isVirtualClock(facts.campaign.config)) return continuousTradesRecorded(facts);
  const { window, ledgers } = facts;
  const windows = tradeWindowsOf(window, Object.values(ledgers));
  const base = { id: 'continuous-trades', criterion: 'Continuous trades' } as const;
  if (windows.shortRun) {
    const opened = windows.openFills[0] ?? 0;
    return {
      ...base,
      target: `a trade opened in the whole run (shorter than ${formatSeconds(TRADE_WINDOW_SEC)}: one window)`,
      result: `${formatCount(opened)} opening fills in ${formatSeconds(window.ranSec)}`,
      pass: window.ranSec > 0 && opened > 0,
    };
  }
  const empty = windows.openFills.flatMap((n, i) => (n === 0 ? [i] : []));
  const total = windows.openFills.length;
  const where = empty.map((i) => `${formatOffset(i * TRADE_WINDOW_SEC)}…${formatOffset((i + 1) * TRADE_WINDOW_SEC)}`);
  return {
    ...base,
    target: `a trade opened in every ${formatSeconds(TRADE_WINDOW_SEC)} window`,
    result:
      empty.length === 0
        ? `${total} of ${total} windows`
        : `${total - empty.length} of ${total} windows; none in ${where.slice(0, 5).join(', ')}${where.length > 5 ? ', …' : ''}`,
    pass: empty.length === 0,
  };
}

/** Continuous trades in recorded time, per shard's tail (`trading-tail.ts`). */
function continuousTradesRecorded({ campaign, shards, histories, ledgers }: AcceptanceFacts): AcceptanceCriterion {
  const rules = tailRulesOf(campaign.config);
  const tails = shards.map((s) => shardTailOf(s.shardId, histories.get(s.shardId) ?? [], ledgers[s.shardId] ?? [], rules));
  const entries = tails.reduce((sum, t) => sum + t.entries, 0);
  const opportunityBps = OPPORTUNITY_MULTIPLE * rules.entryThresholdBps;
  const failed = tails.filter((t) => t.verdict === 'plateau' || t.verdict === 'unanswered' || t.verdict === 'silent' || t.verdict === 'unheard');
  const spanText = (t: ShardTail) =>
    t.fromMs === null || t.toMs === null || t.tailFromMs === null
      ? 'no recorded time (never heartbeated)'
      : `last ${formatSeconds((t.toMs - t.tailFromMs) / 1000)} of ${formatSeconds((t.toMs - t.fromMs) / 1000)} recorded (from ${formatInstant(t.tailFromMs)})`;
  const refusalText = (t: ShardTail) =>
    Object.entries(t.tailRefusals)
      .map(([reason, n]) => `${reason} ${formatCount(n)}`)
      .join(', ');
  const widestText = (t: ShardTail) =>
    t.widest === null
      ? 'no deviation reported'
      : `widest deviation ${formatNumber(t.widest.deviationBps, 1)} bps (${t.widest.symbol} at ${formatInstant(t.widest.atMs)})`;
  const describe = (t: ShardTail): string => {
    const opened = `${formatCount(t.entries)} opened${t.lastEntryMs === null ? '' : `, last ${formatInstant(t.lastEntryMs)}`}`;
    switch (t.verdict) {
      case 'unheard':
        return `${t.shardId}: ${spanText(t)}`;
      case 'trading':
        return `${t.shardId}: ${formatCount(t.tailEntries)} opened in the ${spanText(t)}`;
      case 'plateau':
        return (
          `${t.shardId}: trading plateaued: no entry and no exit in the ${spanText(t)} while ${formatCount(t.tailCapacityRefusals)} ` +
          `entries were refused for capacity (${refusalText(t)}); ${opened}`
        );
      case 'unanswered':
        return `${t.shardId}: stopped trading: no entry and no refusal in the ${spanText(t)} while the ${widestText(t)} was ≥ ${formatNumber(opportunityBps, 1)} bps; ${opened}`;
      case 'silent':
        return (
          `${t.shardId}: not judged: no entry, no refusal, no close and no premium deviation reported in the ${spanText(t)}: ` +
          `a quiet market cannot be told from an engine that stopped trading; ${opened}`
        );
      case 'quiet':
        return (
          `${t.shardId}: a quiet market: no entry in the ${spanText(t)}, ` +
          `${Object.keys(t.tailRefusals).length === 0 ? 'none refused' : `refused ${refusalText(t)}`}${t.tailExits > 0 ? `, ${formatCount(t.tailExits)} closed` : ''}, ` +
          `${widestText(t)} < ${formatNumber(opportunityBps, 1)} bps or refused; ${opened}`
        );
    }
  };
  const shown = failed.length > 0 ? failed : tails;
  const noEntry = entries === 0 ? [`no trade opened in the recorded run`] : [];
  return {
    id: 'continuous-trades',
    criterion: 'Continuous trades',
    target:
      `recorded time (clock: virtual): a trade opened; no shard's last ${TAIL_FRACTION * 100} % of recorded time (at least maxHolding + one heartbeat) ` +
      `without entries while entries are refused for capacity and nothing closes (a plateau), while a deviation ≥ ${OPPORTUNITY_MULTIPLE} × ` +
      `the entry threshold (${formatNumber(opportunityBps, 1)} bps) goes unanswered, or with nothing to judge it by (no refusal, close or deviation reported)`,
    result: `${[...noEntry, ...shown.slice(0, 5).map(describe)].join('; ')}${shown.length > 5 ? '; …' : ''} (${formatCount(entries)} trades opened in all)`,
    pass: entries > 0 && failed.length === 0 && shards.length > 0,
  };
}

function allSymbolsTraded({ campaign, ledgers }: AcceptanceFacts): AcceptanceCriterion {
  const traded = new Set<string>();
  // Traded: an entry filled some quantity (an entry whose legs all found nothing to take traded nothing).
  for (const ledger of Object.values(ledgers)) for (const fill of ledger) if (opensPosition(fill)) traded.add(fill.symbol);
  const missing = campaign.symbols.filter((s) => !traded.has(s));
  const total = campaign.symbols.length;
  return {
    id: 'all-symbols-traded',
    criterion: 'Every symbol traded',
    target: `${total} of ${total} symbols open a trade (an entry filling some quantity)`,
    result:
      missing.length === 0
        ? `${total} of ${total}`
        : `${total - missing.length} of ${total}; none for ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`,
    pass: missing.length === 0,
  };
}

function noUnhandledException({ shards }: AcceptanceFacts): AcceptanceCriterion {
  const crashCauses: RestartCause[] = ['CRASHED', 'OOM'];
  const counts = new Map<RestartCause, number>();
  // An engine that refused its input (exit ENGINE_EXIT.BAD_INPUT, no signal: `classifyStop` in
  // core/fleet/watchdog-policy.ts) failed its shard without a restart: said, never counted as a crash.
  const badInput = (r: ShardRecord['restarts'][number]) => r.cause === 'CRASHED' && r.detail.exitCode === ENGINE_EXIT.BAD_INPUT && !r.detail.signal;
  let refused = 0;
  for (const s of shards) {
    for (const r of s.restarts) {
      if (badInput(r)) refused += 1;
      else if (crashCauses.includes(r.cause)) counts.set(r.cause, (counts.get(r.cause) ?? 0) + 1);
    }
  }
  const crashes = [...counts.values()].reduce((a, b) => a + b, 0);
  const byCause = [...counts].map(([cause, n]) => `${cause} ×${n}`).join(', ');
  // A busy or unreachable store (STORE_UNAVAILABLE) is not the engines' crash: said, never counted.
  const outages = shards.reduce((n, s) => n + s.restarts.filter((r) => r.cause === 'STORE_UNAVAILABLE').length, 0);
  const store = outages === 0 ? '' : `; ${outages} restart(s) for the store being unavailable (STORE_UNAVAILABLE), not counted as crashes`;
  const input = refused === 0 ? '' : `; ${refused} shard(s) failed for bad input (engine exit ${ENGINE_EXIT.BAD_INPUT}, not retried), not counted as crashes`;
  return {
    id: 'no-unhandled-exception',
    criterion: 'Crash-free',
    target: '0 CRASHED or OOM restarts',
    result: (crashes === 0 ? '0 crashes' : `${crashes} ${crashes === 1 ? 'crash' : 'crashes'} (${byCause}); restart causes are listed below`) + store + input,
    pass: crashes === 0,
  };
}

function ledgerExact({ ledger, config }: AcceptanceFacts): AcceptanceCriterion {
  const money = pnlMismatchMoney(ledger, config.currency);
  return {
    id: 'ledger-exact',
    criterion: 'Ledger exact (every fill once)',
    target:
      "0 lost, 0 duplicated, 0 uncounted, no decision traded twice; realised P&L from the ledger = the engines'; " +
      "no COMPLETED shard's engine claiming more trades opened or closed than its ledger holds; " +
      'every close equal to its entry per venue, no entry leg above its order, no leg on a venue without latency better than its decision price, no leg beyond the book by more than it filled, no malformed fill',
    result: ledger.pass
      ? `${formatCount(ledger.fillsInLedger)} fills in ledger = ${formatCount(ledger.fillsCounted)} counted; ${formatCount(ledger.tradesInLedger)} trades (${formatCount(ledger.tradesClosedInLedger)} closed) in the ledger`
      : `${ledger.lost} lost, ${ledger.duplicated} duplicated, ${ledger.uncounted} uncounted` +
        `${ledger.repeatedDecisions > 0 ? `, ${ledger.repeatedDecisions} ${ledger.repeatedDecisions === 1 ? 'trade repeats' : 'trades repeat'} an earlier trade's decision` : ''} ` +
        `(${formatCount(ledger.fillsInLedger)} in ledger, ${formatCount(ledger.fillsCounted)} counted` +
        `${ledger.fillsReported === ledger.fillsCounted ? '' : `, ${formatCount(ledger.fillsReported)} reported by heartbeats`})` +
        (ledger.pnlMismatchMicros === 0
          ? ''
          : `; realised P&L ${money(ledger.realizedPnlMicros)} from the ledger vs ${ledger.reportedPnlMicros === null ? '?' : money(ledger.reportedPnlMicros)} reported by the engines, off by ${money(ledger.pnlMismatchMicros)}` +
            trailingClaims(ledger, money)) +
        overclaimedTrades(ledger) +
        selfContradictingCheckpoints(ledger) +
        fillRuleWords(ledger),
    pass: ledger.pass,
  };
}

/** Fills no correct engine makes (`fillRuleBreaksOf`), counted and the first few named (empty when none). */
function fillRuleWords(ledger: LedgerCheck): string {
  const counts = [
    [ledger.partialCloses, 'trade(s) closed another quantity than opened'],
    [ledger.overfilledEntries, 'entry leg(s) filled above their order'],
    [ledger.betterThanDecision, 'leg(s) filled better than their decision price with no latency'],
    [ledger.beyondBookOverruns, 'leg(s) beyond the book by more than they filled, or on an entry'],
    [
      ledger.malformedFills,
      'malformed fill(s) (a reason against its kind, a trade of two symbols or closed before it opened, an exit on its entry’s side, a symbol or generation not the shard’s, a fee not the venue’s)',
    ],
  ] as const;
  const found = counts.filter(([n]) => n > 0).map(([n, words]) => `${formatCount(n)} ${words}`);
  return found.length === 0 ? '' : `; fills no engine makes: ${found.join(', ')} (${ledger.fillRuleBreaks.join('; ')})`;
}

/** Shards whose last heartbeat trailed the ledger and claimed a P&L its fills did not make, in words (empty when none). */
function trailingClaims(ledger: LedgerCheck, money: (amount: Micros) => string): string {
  const off = ledger.shards.filter((c) => c.pnlComparedFills !== undefined && c.pnlComparedMicros !== undefined && c.pnlMismatchMicros > 0);
  const words = off.map(
    (c) =>
      `${c.shardId}'s last heartbeat counted ${formatCount(c.pnlComparedFills ?? 0)} of its ${formatCount(c.fillsInLedger)} fills and claimed ` +
      `${c.reportedPnlMicros === null ? '?' : money(c.reportedPnlMicros)}; those fills made ${money(c.pnlComparedMicros ?? (0 as Micros))}`,
  );
  return words.length === 0 ? '' : ` (${words.slice(0, 3).join('; ')}${words.length > 3 ? '; …' : ''})`;
}

/** Shards whose last checkpoint's lastFillSeq says another number of fills than its counts, in words (empty when none). */
function selfContradictingCheckpoints(ledger: LedgerCheck): string {
  const off = ledger.shards.filter((c) => c.checkpointCovers !== undefined);
  const words = off.map(
    (c) =>
      `${c.shardId}'s checkpoint covers seqs up to ${formatCount((c.checkpointCovers ?? 0) - 1)} (${formatCount(c.checkpointCovers ?? 0)} fills) and counts ${formatCount(c.fillsCounted)}`,
  );
  return words.length === 0 ? '' : `; checkpoints at odds with themselves: ${words.slice(0, 5).join('; ')}${words.length > 5 ? '; …' : ''}`;
}

/** The shards whose engine claimed more trades than their ledger holds, in words (empty when none). */
function overclaimedTrades(ledger: LedgerCheck): string {
  const off = ledger.shards.filter((c) => c.tradesOverclaimed > 0);
  if (off.length === 0) return '';
  const words = off.map(
    (c) =>
      `${c.shardId} engine-reported ${formatCount(c.tradesReported)} opened / ${formatCount(c.tradesClosedReported)} closed, ` +
      `the ledger holds ${formatCount(c.tradesInLedger)} / ${formatCount(c.tradesClosedInLedger)}`,
  );
  return `; trades claimed beyond the ledger: ${words.slice(0, 5).join('; ')}${words.length > 5 ? '; …' : ''}`;
}

/**
 * How the ledger row writes P&L figures: in the reporting currency to its decimals when every figure
 * is a whole number of those (`5.09 USDT`), else to the micro-unit (`0.001250 USDT`), so a mismatch
 * below a cent never reads as 0.00.
 */
function pnlMismatchMoney(ledger: LedgerCheck, currency: string): (amount: Micros) => string {
  const step = MICROS_PER_UNIT / 10 ** Math.min(6, currencyDecimals(currency));
  const figures = [ledger.realizedPnlMicros, ledger.reportedPnlMicros ?? 0, ledger.pnlMismatchMicros];
  const decimals = figures.every((m) => m % step === 0) ? undefined : 6;
  return (amount) => formatMoney(amount, currency, decimals === undefined ? {} : { decimals });
}

function offsetOf(gap: HeartbeatGap, window: RunWindow): string {
  return gap.fromMs === null ? '?' : formatOffset(secondsSinceStart(window, gap.fromMs));
}
