import { writeFileSync } from 'node:fs';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import { asEpochMs, systemClock, type Clock } from '../../core/clock.js';
import { FencedOutError, isRetryable, ValidationError } from '../../core/errors.js';
import type { Fill } from '../../core/model/fill.js';
import type { EngineStop, Progress } from '../../core/model/progress.js';
import { type Micros, micros } from '../../core/model/units.js';
import type { RestorePoint, ShardPersistence } from '../../core/ports.js';
import { describeStoreTrouble, noteStoreTrouble, storeTroubleOf, type StoreTrouble } from '../../core/fleet/store-trouble.js';
import { shardTimeouts } from '../../core/fleet/timeouts.js';
import { EngineChaos, type ScheduledFault } from './chaos.js';
import { Engine } from './engine.js';
import type { MarketFeed } from '../../core/data/market-feed.js';
import { ReplayFeed } from './feed/replay-feed.js';
import { LiveFeed } from '../../core/data/live/live-feed.js';
import { SyntheticFeed } from './feed/synthetic-feed.js';
import type { Logger } from '../../core/log.js';
import { feedQualityOf, processMemory, ShardMonitor, type MemoryProbe } from './monitor/shard-monitor.js';
import { pacedTimeline, replayWindow, wallTimeline, type CampaignTimeline } from './campaign-timeline.js';
import type { QuoteSink } from '../../core/data/market-feed.js';

/** A virtual-time run heartbeats at least this many times over its window (the report's premium chart). */
const VIRTUAL_HEARTBEATS = 200;

/**
 * How a run ended. `fenced` and `self-fenced` wrote nothing after the decision; `commit-failed`
 * stopped trading because its fills could not be committed within the commit bound (or were
 * refused for good), and leaves `fillsUncommitted` for the next generation to trade again;
 * `store-unavailable` is either of the last two when the store was busy or unreachable (its last
 * answers were SQLITE_BUSY, throttling or a network fault): the reason says what it waited on.
 */
export type RunEnd = 'completed' | 'stopped' | 'fenced' | 'self-fenced' | 'commit-failed' | 'store-unavailable';

export interface RunOutcome {
  end: RunEnd;
  reason: string;
  ticks: number;
  trades: number;
  tradesClosed: number;
  /** Fills the engine made, across generations (`fillsA + fillsB`). */
  fills: number;
  /** Fills in the ledger by this run's last successful commit (`lastFillSeq + 1`, across generations). */
  fillsCommitted: number;
  /** Fills made but not committed when the run ended: 0 unless it ended `commit-failed`, `store-unavailable`, `fenced` or `self-fenced`. */
  fillsUncommitted: number;
  /** Realised P&L over the shard's life, micro-units of the reporting currency (venue B's quote). */
  realizedPnlMicros: Micros;
  /** Recorded updates a restarted real-time replay skipped: they came while no generation ran. */
  skippedOnResume: number;
  /** Engine time the run covered (virtual or real). */
  engineMs: number;
  /** Wall-clock time the run took. */
  wallMs: number;
  /** Turns of the run loop in this generation (a virtual run: one per update time or deadline that matters, issue 19). */
  turns: number;
  latency: { p50Us: number; p99Us: number; p999Us: number; maxUs: number };
  /**
   * Why the run stopped, when it ended `completed` or `stopped` with every fill committed (what its
   * final heartbeat says too, `Progress.stop`): a signal, its replay running out, or the deadline.
   */
  stop?: EngineStop;
}

export interface RunnerOptions {
  campaign: Campaign;
  shardIndex: number;
  symbols: readonly string[];
  persistence: ShardPersistence;
  /** `virtual`: engine time follows the feed, as fast as the CPU allows; `real`: the wall clock. */
  mode: 'real' | 'virtual';
  log: Logger;
  /** The wall clock (real mode, self-fencing). */
  clock?: Clock;
  /**
   * A monotonic clock in ms for the runner's timers (heartbeat, flush, monitor, self-fence,
   * commit bound): a wall clock that steps (NTP, a VM resumed) must not stop heartbeats or commits.
   * Default: `performance.timeOrigin + performance.now()`, or the given `clock` when one is given
   * (tests on virtual time).
   */
  monotonic?: () => number;
  /**
   * When the campaign started (wall ms, the same for every generation): a synthetic virtual run
   * starts its engine time here. A replay ignores it: it runs on the recorded time, paced in real
   * time from its first generation's start (`campaign-timeline.ts`).
   */
  startAt?: number;
  /** When the campaign ends (wall ms; ignored by a virtual replay): the engine closes its trades, commits and completes. */
  endsAt?: number;
  chaos?: ScheduledFault[];
  /** A file refreshed with progress at every heartbeat, for the container's HEALTHCHECK. */
  healthFile?: string;
  memory?: MemoryProbe;
  /** Ticks per slice before the runner looks at its timers and yields (virtual mode). */
  sliceTicks?: number;
  /**
   * How a virtual run turns its loop: `jump` (the default) to the next update or deadline that
   * matters; `every-interval` at every heartbeat interval of recorded time, the loop before issue
   * 19, kept to show that both make the same fills and for `npm run bench -- --backtest`.
   */
  virtualTurns?: 'jump' | 'every-interval';
  /** Called with each heartbeat's progress after it was written (e.g. to emit EMF metrics). */
  onHeartbeat?: (progress: Progress) => void;
  /** Overrides for the intervals the config gives (seconds). */
  heartbeatIntervalSec?: number;
  monitorIntervalSec?: number;
  /**
   * The runner's waits (default: Node's timers, `REAL_TIMERS`): the simulation drives them on its
   * virtual time (`sim/real-runner-task.ts`). Never called on the per-tick path.
   */
  timers?: RunnerTimers;
}

/** Every wait of the runner's loop: a sleep, a wake-able timer, and a yield to the event loop. */
export interface RunnerTimers {
  /** Resolves after `ms` (the final commit's backoff, the final heartbeat's store retry). */
  sleep(ms: number): Promise<void>;
  /** Calls `fire` after `ms` unless the returned cancel is called first (the real-time loop's wait, which a stop or a quote cuts short). */
  timeout(fire: () => void, ms: number): () => void;
  /** Lets the event loop run (I/O, signals) before the virtual-time loop goes on. */
  yield(): Promise<void>;
}

/** Node's timers: what the engine process runs on. */
export const REAL_TIMERS: RunnerTimers = {
  sleep: (ms) => sleep(ms),
  timeout(fire, ms) {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
  yield: () => yieldToLoop(),
};

/**
 * Runs one shard: restores from its checkpoint, pumps the feed through the engine, and on timers
 * writes heartbeats, commits fills with checkpoints, and logs monitor lines. Every write is
 * fenced; a task that cannot heartbeat for its self-fence (`selfFenceSec`, `core/fleet/timeouts.ts`:
 * `staleAfter` + half the confirmation) fences itself and stops trading.
 *
 * Commits are retried (the port makes a retry safe whatever happened to the previous attempt),
 * but only for a bound: a task whose last successful commit is more than `commitBoundSec` old, or
 * whose commit was refused for good (`isRetryable` false, e.g. a `LedgerConflictError`), stops
 * trading and ends `commit-failed`, so that the fleet restarts it from checkpoint + ledger tail.
 * When the store was busy or unreachable meanwhile, either end is `store-unavailable`, naming what
 * it waited on. A failed heartbeat is tried again after `storeRetrySec`, not a heartbeat interval
 * later, so a store stall shorter than `storeStallToleranceSec` costs nothing. A run never ends
 * `completed` or `stopped` with fills uncommitted.
 */
export class ShardRunner {
  readonly engine: Engine;
  private feed!: MarketFeed;
  private monitor!: ShardMonitor;
  private readonly o: RunnerOptions;
  private readonly clock: Clock;
  /** Timers' time (`RunnerOptions.monotonic`); timestamps stay on `clock`. */
  private readonly mono: () => number;
  /** The waits (`RunnerOptions.timers`). */
  private readonly timers: RunnerTimers;
  private readonly heartbeatMs: number;
  private readonly monitorMs: number;
  private readonly flushMs: number;
  private readonly selfFenceMs: number;
  /** How long commits may keep failing before the run stops trading (`commitBoundSec`). */
  private readonly commitBoundMs: number;
  /** How soon a failed heartbeat is tried again (`storeRetrySec`). */
  private readonly storeRetryMs: number;
  /** A store stall this short costs nothing (`storeStallToleranceSec`): how long a failing restore is tried. */
  private readonly storeStallToleranceMs: number;
  /**
   * The current run of busy or unreachable answers to heartbeats and to commits (monotonic times),
   * each cleared by a success of its own kind: the self-fence reads the first, the commit bound the second.
   */
  private storeTrouble: StoreTrouble | undefined;
  private commitTrouble: StoreTrouble | undefined;
  /** Wall time of the last successful commit (the run's start before the first). */
  private lastCommitOk = 0;
  private lastCommitError: unknown;
  /** When the commit still waiting for its answer was sent (monotonic ms); undefined when none is. */
  private commitSentAt: number | undefined;
  /**
   * When a commit that failed on the store's trouble (busy, throttled, unreachable) is tried again
   * (monotonic ms): `storeRetrySec` after the failure, not a flush interval later, so the commit
   * that follows a tolerated stall lands as soon after its end as the heartbeat does.
   */
  private commitRetryAt: number | undefined;
  /** A commit refused for good: the run ends `commit-failed` at its next turn. */
  private commitRefusedBy: unknown;
  /** The signal that asked the run to stop (`stop`), the first one given. */
  private stopReason: string | undefined;
  /** The faults this process injects into itself (`ARBFLEET_CHAOS`; none outside the fleet's fault tests). */
  private readonly chaos: EngineChaos;
  private pending: Fill[] = [];
  private committedSeq = -1;
  private lastHeartbeatOk = 0;
  private lastProgressTicks = -1;
  private progressAt = 0;
  /** Wall time the health file was last written (virtual time writes it once per heartbeat interval). */
  private healthWrittenAt = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | undefined;
  /** Turns of the run loop: they advance while the market is quiet (not while a chaos stall holds it). */
  private turns = 0;
  /** Engine time of the last turn that delivered an update, and whether one came since the last heartbeat. */
  private lastUpdateAt: number | undefined;
  private updatedSinceHeartbeat = false;
  /** The replay has run out. */
  private feedDone = false;
  /** Engine time this generation started at. */
  private engineStart = 0;
  /** Wall time a real-time replay's first generation started at: recorded time is paced from here (`pacedTimeline`). */
  private wallOrigin = 0;
  /** Updates skipped on resuming a real-time replay, per venue (`a`, `b`, `fx`). */
  private readonly skipped = { a: 0, b: 0, fx: 0 };
  private inflight: Promise<void> | undefined;
  /** The write the loop sent last (one at a time): after a failed one, the other kind goes next when due. */
  private lastWrite: 'heartbeat' | 'commit' | undefined;
  /** The last heartbeat failed (any error but a fence). */
  private heartbeatFailing = false;
  /** A fence hit by a background write; the loop ends on it at its next turn. */
  private fencedBy: FencedOutError | undefined;
  /** Why the run stopped, set once its final commit succeeded: the final heartbeat carries it. */
  private finalStop: EngineStop | undefined;

  constructor(options: RunnerOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.mono = options.monotonic ?? (options.clock ? () => (options.clock as Clock).now() : () => performance.timeOrigin + performance.now());
    this.timers = options.timers ?? REAL_TIMERS;
    const { watchdog, monitor } = options.campaign.config;
    this.heartbeatMs = (options.heartbeatIntervalSec ?? watchdog.heartbeatInterval) * 1000;
    this.monitorMs = (options.monitorIntervalSec ?? monitor.interval) * 1000;
    this.flushMs = monitor.flushInterval * 1000;
    const timeouts = shardTimeouts(watchdog);
    this.selfFenceMs = timeouts.selfFenceSec * 1000;
    this.commitBoundMs = timeouts.commitBoundSec * 1000;
    this.storeRetryMs = timeouts.storeRetrySec * 1000;
    this.storeStallToleranceMs = timeouts.storeStallToleranceSec * 1000;
    this.chaos = new EngineChaos(options.chaos ?? [], options.log);
    this.engine = new Engine({
      campaign: options.campaign,
      symbols: options.symbols,
      generation: options.persistence.generation,
      wallClock: () => this.clock.now(),
    });
  }

  /**
   * Asks the run to end at once: at the next slice (virtual) or wake-up (real, at most 50 ms), it
   * stops trading, commits every fill with a final checkpoint and writes its final heartbeat, which
   * names `signal` (`Progress.stop`). Open trades stay open: the next generation restores them from
   * the checkpoint and the ledger, and closes them by its own rules.
   */
  stop(signal = 'SIGTERM'): void {
    this.stopReason ??= signal;
    this.wake?.();
  }

  async run(): Promise<RunOutcome> {
    const wallStart = this.clock.now();
    const { config } = this.o.campaign;
    const startAt = this.o.startAt ?? wallStart;
    const endsAt = this.o.endsAt ?? startAt + config.duration * 1000;
    const restorePoint = await this.restoreThroughStall();
    const feedState = this.engine.restore(restorePoint);
    this.committedSeq = this.engine.fills.nextSeq - 1;
    this.feed = this.createFeed(startAt);
    // The window is the file's, read before the checkpoint moves the feed on, and the wall origin
    // the first generation's (kept in the checkpoint): every generation maps time alike.
    this.wallOrigin = typeof feedState?.wallOrigin === 'number' ? feedState.wallOrigin : wallStart;
    const timeline = this.timelineOf(this.wallOrigin, endsAt);
    const virtualStart = this.virtualStartOf(startAt);
    if (feedState) (this.feed as SyntheticFeed | ReplayFeed).restore(feedState);
    const engineStart = this.o.mode === 'virtual' ? Math.max(virtualStart, Math.min(this.feed.nextTickAt(), timeline.endsAt)) : timeline.engineAt(wallStart);
    if (this.o.mode === 'real' && !(this.feed instanceof ReplayFeed)) this.feed.rebase(wallStart);
    if (this.o.mode === 'real' && this.feed instanceof ReplayFeed && feedState) this.skipPassed(engineStart);
    this.engineStart = engineStart;
    this.monitor = new ShardMonitor(this.engine, engineStart, this.o.memory ?? processMemory, feedQualityOf(this.feed));
    this.lastHeartbeatOk = this.mono();
    this.lastCommitOk = this.mono();
    this.o.log.log('info', 'shard started', {
      symbols: this.o.symbols.join(','),
      mode: this.o.mode,
      restoredTicks: this.engine.restoredTicks,
      restoredOpenTrades: this.engine.portfolio.totalOpen,
      nextFillSeq: this.engine.fills.nextSeq,
      endsAt: new Date(timeline.endsAt).toISOString(),
      ...(this.o.mode === 'real' && this.feed instanceof ReplayFeed ? { wallOrigin: this.wallOrigin, recordedNow: new Date(engineStart).toISOString() } : {}),
      ...(this.skipped.a + this.skipped.b + this.skipped.fx > 0 ? { skippedOnResume: this.skipped.a + this.skipped.b + this.skipped.fx } : {}),
    });
    let end: RunEnd;
    let reason: string;
    let engineNow = engineStart;
    try {
      await this.heartbeat(engineStart);
      ({ end, reason, engineNow } = this.o.mode === 'virtual' ? await this.runVirtual(engineStart, timeline.endsAt) : await this.runReal(timeline));
      if (end === 'completed' || end === 'stopped') {
        if (end === 'completed') this.engine.closeAll(engineNow);
        await this.inflight;
        const failure = await this.finalCommit(engineNow);
        if (failure) ({ end, reason } = { end: this.commitFailureEnd(), reason: failure });
        else
          this.finalStop = end === 'stopped' ? { by: 'signal', signal: this.stopReason ?? reason } : this.feedDone ? { by: 'feed-done' } : { by: 'deadline' };
        // The final heartbeat says why the engine stopped (the fleet completes a shard on it): a store
        // stall does not lose it; it is tried again every store retry until the self-fence would fall.
        while (!(await this.heartbeat(engineNow)) && this.storeTrouble !== undefined && this.mono() - this.lastHeartbeatOk < this.selfFenceMs) {
          await this.timers.sleep(this.storeRetryMs);
        }
      } else if (end === 'commit-failed' || end === 'store-unavailable') {
        // One last heartbeat, so the report sees the fills made that the ledger lacks; a store that hangs
        // does not hold the exit: an unavailable one gets `storeRetrySec`, so the engine has exited
        // before the watchdog's kill (self-fence + W < kill, core/fleet/timeouts.ts) and its exit 4 is what is booked.
        await Promise.race([this.heartbeat(engineNow), this.timers.sleep(end === 'store-unavailable' ? this.storeRetryMs : this.heartbeatMs)]);
      }
    } catch (error) {
      if (!(error instanceof FencedOutError)) throw error;
      end = 'fenced';
      reason = error.message;
    }
    this.o.log.log(
      end === 'completed' || end === 'stopped' ? 'info' : end === 'commit-failed' || end === 'store-unavailable' ? 'error' : 'warn',
      'shard ended',
      { end, reason },
    );
    return this.outcome(end, reason, engineNow - engineStart, this.clock.now() - wallStart);
  }

  /**
   * Virtual time: engine time follows the feed as fast as the CPU allows. Turns fall on the grid of
   * heartbeat intervals of engine time from the start, and the loop jumps (issue 19) to the first
   * grid turn at or after the next thing that matters: the feed's next update, an open trade's max
   * holding (`Engine.timerDueAt`), a fill commit, chart heartbeat or monitor line due, the window's end. The turns it skips are those where the loop that turned every interval
   * (`virtualTurns: 'every-interval'`) found no update and no deadline: their exits (`onTimer`) read
   * a book that had not changed since the last turn and could fire nothing, so the fills are the
   * same (`test/unit/engine/virtual-time-jumps.test.ts`) and the turns scale with the updates, not
   * with the recorded time. Commits (fills with a checkpoint) and heartbeats go by the wall clock,
   * every flush and heartbeat interval, as in real time (so the watchdog judges a backtest as it
   * judges any shard, and a week of quiet recorded data is not 10⁶ store writes); besides, fills
   * waiting are committed every flush interval of engine time but at most `VIRTUAL_HEARTBEATS` times
   * over the window (one commit per trade event took 11 of the 15 s a fleet spent on 3 months of
   * 5-minute candles), and whenever the fill buffer is half full; and `VIRTUAL_HEARTBEATS`
   * heartbeats and monitor lines go out over the window for charts. A replay that runs out ends the run
   * there (`replay ended`), its trades closed at the last quotes.
   */
  private async runVirtual(start: number, endsAt: number): Promise<{ end: RunEnd; reason: string; engineNow: number }> {
    const slice = this.o.sliceTicks ?? 8192;
    const turnMs = this.heartbeatMs;
    const jump = (this.o.virtualTurns ?? 'jump') === 'jump';
    const chartMs = Number.isFinite(endsAt - start) ? Math.max(turnMs, (endsAt - start) / VIRTUAL_HEARTBEATS) : turnMs;
    let now = start;
    let nextTurn = start + turnMs;
    let nextChart = start + chartMs;
    const fillFlushMs = Number.isFinite(endsAt - start) ? Math.max(this.flushMs, (endsAt - start) / VIRTUAL_HEARTBEATS) : this.flushMs;
    let nextFillFlush = start + fillFlushMs;
    const wallStart = this.mono();
    let nextHeartbeat = wallStart + this.heartbeatMs;
    let nextFlush = wallStart + this.flushMs;
    // Monitor lines follow engine time, as in real time: one per symbol per recorded interval, but
    // at most VIRTUAL_HEARTBEATS of them over the run (a 3-day backtest at 10 s would log 26,000 a symbol).
    const monitorMs = Number.isFinite(endsAt - start) ? Math.max(this.monitorMs, (endsAt - start) / VIRTUAL_HEARTBEATS) : this.monitorMs;
    let nextMonitor = start + monitorMs;
    // A commit forced by a full buffer may have held exits back for room: the next grid turn matters.
    let bufferFlushed = false;
    for (;;) {
      const wall = this.mono();
      const commitFailure = this.commitFailure(wall);
      if (commitFailure) return { end: this.commitFailureEnd(), reason: commitFailure, engineNow: now };
      if (this.stopReason) return { end: 'stopped', reason: this.stopReason, engineNow: now };
      if (jump && !bufferFlushed) {
        const fillsWaiting = this.engine.fills.nextSeq - 1 > this.committedSeq;
        const due = Math.min(this.feed.nextTickAt(), this.engine.timerDueAt(), fillsWaiting ? nextFillFlush : Infinity, nextChart, nextMonitor, endsAt);
        if (due > nextTurn) nextTurn = start + Math.ceil((due - start) / turnMs) * turnMs;
      }
      const until = Math.min(nextTurn, endsAt);
      const emitted = this.feed.emitUntil(until, slice, this.engine);
      const next = this.feed.nextTickAt();
      now = emitted === slice ? Math.min(next, until) : until;
      this.turned(emitted, now);
      // A full slice may end inside a group of simultaneous updates: decided only once the feed has moved past it.
      if (emitted === slice) this.engine.settle(next);
      else this.engine.onTimer(now); // exits on the timer too: max holding fires on a quiet symbol
      if (emitted < slice && next === Infinity && now < endsAt) {
        this.feedDone = true;
        return { end: 'completed', reason: 'replay ended', engineNow: now };
      }
      if (now >= endsAt) return { end: 'completed', reason: 'max runtime reached', engineNow: endsAt };
      if (now >= nextTurn) nextTurn = now + turnMs;
      // Commits drain the fills, which decides the updates waiting: never in the middle of a group (the next slice ends it).
      if (this.engine.waiting) {
        await this.timers.yield();
        continue;
      }
      const fillsWaiting = this.engine.fills.nextSeq - 1 > this.committedSeq;
      bufferFlushed = !this.engine.fills.hasRoom(this.engine.fills.capacity / 2);
      if ((fillsWaiting && now >= nextFillFlush) || wall >= nextFlush || bufferFlushed) {
        await this.flush(now);
        nextFlush = wall + this.flushMs;
        nextFillFlush = now + fillFlushMs;
      }
      if (wall >= nextHeartbeat || now >= nextChart) {
        await this.heartbeat(now);
        nextHeartbeat = wall + this.heartbeatMs;
        nextChart = now + chartMs;
      }
      if (now >= nextMonitor) {
        this.monitor.logSymbols(this.o.log, now, monitorMs / 1000);
        nextMonitor = now + monitorMs;
      }
      await this.timers.yield();
    }
  }

  /**
   * Real time: timers go by the wall clock; engine time is the timeline's (`engineAt(wall)`: the
   * wall clock itself, or the recorded time of a paced replay). A replay that runs out ends the
   * run at once (`replay ended`), its trades closed at the quotes just delivered.
   */
  private async runReal(timeline: CampaignTimeline): Promise<{ end: RunEnd; reason: string; engineNow: number }> {
    const endsAt = timeline.endsAt;
    // Timers run on the monotonic clock (`tick`); engine time and chaos on the wall clock.
    let nextHeartbeat = this.mono() + this.heartbeatMs;
    let nextFlush = this.mono() + this.flushMs;
    let nextMonitor = this.mono() + this.monitorMs;
    let previousTick = this.mono();
    for (;;) {
      const wall = this.clock.now();
      const tick = this.mono();
      // How long since the loop last turned (it sleeps 50 ms at most): a long gap is this process
      // frozen or starved, which the store cannot be blamed for.
      const loopGap = tick - previousTick;
      previousTick = tick;
      const now = timeline.engineAt(wall);
      // Checked before anything else, so a task that wakes from a freeze writes nothing.
      if (tick - this.lastHeartbeatOk > this.selfFenceMs) {
        const reason = `no heartbeat written for ${((tick - this.lastHeartbeatOk) / 1000).toFixed(1)}s (self-fence ${(this.selfFenceMs / 1000).toFixed(2)}s)`;
        // The heartbeats' trouble, else the commits' (a commit retried in flight holds the heartbeat back: its failures are the store's answer too).
        const trouble = this.storeTrouble ?? this.commitTrouble;
        if (trouble) return { end: 'store-unavailable', reason: `${describeStoreTrouble(trouble, tick)}; ${reason}`, engineNow: now };
        // A commit the store never answered held the heartbeats back (one write at a time) while the loop kept turning: unreachable.
        const sentAt = this.unansweredSince();
        if (sentAt !== undefined && loopGap < this.selfFenceMs / 2) {
          return {
            end: 'store-unavailable',
            reason: `store did not answer: the commit in flight was sent ${((tick - sentAt) / 1000).toFixed(1)}s ago; ${reason}`,
            engineNow: now,
          };
        }
        return { end: 'self-fenced', reason, engineNow: now };
      }
      const commitFailure = this.commitFailure(tick);
      if (commitFailure) return { end: this.commitFailureEnd(), reason: commitFailure, engineNow: now };
      if (this.stopReason) return { end: 'stopped', reason: this.stopReason, engineNow: now };
      this.chaos.fire(wall);
      if (!this.chaos.stalled) {
        let emitted = 0;
        for (let n = 65_536; n === 65_536; emitted += n) {
          n = this.feed.emitUntil(Math.min(now, endsAt), 65_536, this.engine); // keep up: a full slice means the feed is ahead of us
        }
        this.turned(emitted, now);
        // Live, a frame stamped this millisecond may still arrive: legs due now wait for it (`Engine.onTimer`).
        this.engine.onTimer(now, !(this.feed instanceof LiveFeed));
        if (this.feed instanceof ReplayFeed && this.feed.nextTickAt() === Infinity && now < endsAt) {
          this.feedDone = true;
          return { end: 'completed', reason: 'replay ended', engineNow: now };
        }
      }
      if (now >= endsAt) return { end: 'completed', reason: 'max runtime reached', engineNow: endsAt };
      if (!this.inflight) {
        // One write at a time. When both are due: after a failed write the other kind goes next (a
        // failing commit takes its retries' time, seconds when throttled, and sent again first it held
        // the heartbeat back one whole failing commit more; heartbeats failing on one throttled table
        // must not keep a commit that could land from its turn either); otherwise the one due first
        // goes first, the heartbeat on a tie (`commit-failures.test.ts`).
        const flushAt = Math.min(nextFlush, this.commitRetryAt ?? Infinity);
        const flushDue = tick >= flushAt || !this.engine.fills.hasRoom(this.engine.fills.capacity / 2);
        const lastFailed = this.lastWrite === 'commit' ? this.lastCommitError !== undefined : this.lastWrite === 'heartbeat' && this.heartbeatFailing;
        const heartbeatFirst = tick >= nextHeartbeat && (lastFailed ? this.lastWrite === 'commit' : nextHeartbeat <= flushAt);
        if (flushDue && !heartbeatFirst) {
          this.commitRetryAt = undefined;
          this.lastWrite = 'commit';
          this.background(this.flush(now));
          nextFlush = tick + this.flushMs;
        } else if (tick >= nextHeartbeat) {
          this.lastWrite = 'heartbeat';
          this.background(this.heartbeat(now));
          // A store in trouble is asked again soon: the heartbeat that follows a stall lands within
          // `storeRetrySec` of its end, not a heartbeat interval later (`core/fleet/timeouts.ts`).
          nextHeartbeat = tick + (this.storeTrouble ? this.storeRetryMs : this.heartbeatMs);
        }
      }
      if (tick >= nextMonitor) {
        this.monitor.logSymbols(this.o.log, now, this.monitorMs / 1000);
        nextMonitor = tick + this.monitorMs;
      }
      // A leg in flight is due at its decision + the venue's latency: the loop wakes just after to fill it (`execution/execution-model.ts`).
      const fillDue = this.chaos.stalled ? Infinity : timeline.wallAt(this.engine.fillDueAt()) + 1;
      const feedDue = Math.min(this.chaos.stalled ? Infinity : timeline.wallAt(this.feed.nextTickAt()), fillDue, timeline.wallAt(endsAt)) - wall;
      const timerDue = Math.min(nextHeartbeat, nextFlush, this.commitRetryAt ?? Infinity, nextMonitor) - tick;
      await this.sleepFor(Math.min(feedDue, timerDue));
    }
  }

  /** Counts a loop turn (a chaos stall holds the loop: no turn) and when the feed last delivered. */
  private turned(emitted: number, now: number): void {
    this.turns++;
    if (emitted > 0) {
      this.lastUpdateAt = now;
      this.updatedSinceHeartbeat = true;
    }
  }

  /**
   * The engine-time mapping of this run (`campaign-timeline.ts`). A replay runs on its recorded
   * time: virtual from its window's start; real paced at `feed.speed` from `wallOrigin`, the first
   * generation's start (not the campaign's: a task that took 30 s to launch would otherwise play
   * its first 30 s × speed at once), which the checkpoint keeps for every later generation.
   */
  private timelineOf(wallOrigin: number, endsAt: number): CampaignTimeline {
    const { config } = this.o.campaign;
    if (!(this.feed instanceof ReplayFeed) || config.feed.kind !== 'replay') return wallTimeline(endsAt);
    const window = replayWindow(this.feed.firstTickAt(), config.duration, config.feed.from, config.feed.to);
    if (this.o.mode === 'virtual') return { engineAt: () => window.startAt, wallAt: () => Infinity, endsAt: window.endsAt };
    return pacedTimeline(window.startAt, wallOrigin, config.feed.speed, endsAt, config.feed.to === undefined ? Infinity : window.endsAt);
  }

  /** Where a virtual run's engine time starts: the replay window's start, else the campaign's. */
  private virtualStartOf(startAt: number): number {
    const { config } = this.o.campaign;
    if (!(this.feed instanceof ReplayFeed) || config.feed.kind !== 'replay') return startAt;
    return replayWindow(this.feed.firstTickAt(), config.duration, config.feed.from, config.feed.to).startAt;
  }

  /**
   * A restarted real-time replay resumes at the checkpoint's place in the file, then skips (and
   * counts) what was recorded up to now: those updates came while no generation ran, and playing
   * them late would shift every later quote off the campaign's mapping.
   */
  private skipPassed(now: number): void {
    const skipped = this.skipped;
    const counter: QuoteSink = {
      onQuote: (instrument) => {
        if (instrument % 2 === 0) skipped.a++;
        else skipped.b++;
      },
      onFx: () => {
        skipped.fx++;
      },
    };
    while (this.feed.emitUntil(now, 65_536, counter) === 65_536) {
      /* skip to now */
    }
  }

  /** Runs a write without holding up the ticks; a fence ends the run, other errors are retried. */
  private background(write: Promise<unknown>): void {
    this.inflight = write
      .then(() => undefined)
      .catch((error: unknown) => {
        if (error instanceof FencedOutError) this.fencedBy ??= error;
      })
      .finally(() => {
        this.inflight = undefined;
      });
  }

  /** Sleeps `waitMs` (at most 50 ms: stops and new quotes are looked at that often), unless woken. */
  private async sleepFor(waitMs: number): Promise<void> {
    if (this.fencedBy) throw this.fencedBy;
    const ms = Math.max(0, Math.min(waitMs, 50));
    await new Promise<void>((resolve) => {
      const cancel = this.timers.timeout(resolve, ms);
      this.wake = () => {
        cancel();
        resolve();
      };
    });
    this.wake = undefined;
    if (this.fencedBy) throw this.fencedBy;
  }

  /**
   * The restore point, tried again every `storeRetrySec` while the store answers busy, throttled or
   * unreachable, until `storeStallToleranceSec` has passed since the first try (`core/fleet/timeouts.ts`):
   * a stall the fleet tolerates costs nothing at boot either (the simulation's real-runner seed 218:
   * a restore refused once by a 2.3 s throttle ended the task exit 4 and cost a restart). Past the
   * tolerance, or on any other error, it throws: main.ts exits 4 naming the store's trouble.
   */
  private async restoreThroughStall(): Promise<RestorePoint> {
    const since = this.mono();
    for (;;) {
      try {
        return await this.o.persistence.restore();
      } catch (error) {
        if (storeTroubleOf(error) === undefined || this.mono() - since + this.storeRetryMs > this.storeStallToleranceMs) throw error;
        this.o.log.log('warn', 'restore failed, will retry', { error: String(error) });
        await this.timers.sleep(this.storeRetryMs);
      }
    }
  }

  /** Writes one heartbeat; true when the store took it. */
  private async heartbeat(now: number): Promise<boolean> {
    const progress = this.withFeedProgress(this.monitor.progress(now, this.committedSeq), now);
    // Counted from when it was sent: the store stamps the heartbeat then, and the watchdog's kill counts from there.
    const sentAt = this.mono();
    try {
      await this.o.persistence.heartbeat(progress);
      this.heartbeatFailing = false;
      this.lastHeartbeatOk = sentAt;
      this.storeTrouble = undefined;
      this.o.onHeartbeat?.(progress);
      this.writeHealth(progress);
      return true;
    } catch (error) {
      if (error instanceof FencedOutError) throw error;
      this.heartbeatFailing = true;
      this.noteStoreError(error);
      this.o.log.log('warn', 'heartbeat failed', { error: String(error) });
      this.writeHealth(progress);
      return false;
    }
  }

  /**
   * The loop's own progress on top of the monitor's: `turns` (a stall is judged on them, so a
   * quiet market is not one), the recorded time, since when the feed has been idle (no update
   * since the previous heartbeat), whether the replay ran out, and updates skipped on a resume.
   */
  private withFeedProgress(progress: Progress, now: number): Progress {
    const idle = !this.updatedSinceHeartbeat;
    this.updatedSinceHeartbeat = false;
    const out: Progress = { ...progress, turns: this.turns, eventTime: now };
    if (idle || this.feedDone) out.feedIdleSince = this.lastUpdateAt ?? this.engineStart;
    if (this.feedDone) out.feedDone = true;
    if (this.finalStop) out.stop = this.finalStop;
    const { a, b, fx } = this.skipped;
    if (out.venues && a + b + fx > 0) {
      const add = (q: NonNullable<Progress['venues']>['a'], n: number) =>
        n > 0 ? { ...q, skipped: { ...q.skipped, 'resume-gap': (q.skipped['resume-gap'] ?? 0) + n } } : q;
      out.venues = { a: add(out.venues.a, a), b: add(out.venues.b, b), fx: add(out.venues.fx, fx) };
    }
    return out;
  }

  /** The container HEALTHCHECK's file: wall times, progress judged on turns (a quiet market still turns). */
  private writeHealth(progress: Progress): void {
    const wall = this.clock.now();
    const moved = progress.turns ?? progress.ticks;
    if (moved !== this.lastProgressTicks) {
      this.lastProgressTicks = moved;
      this.progressAt = wall;
    }
    if (!this.o.healthFile) return;
    // On virtual time heartbeats come as fast as the replay goes (199 in 1 to 2 s for 3 months of
    // 5-minute candles); the file is judged on wall time (healthcheck.ts: stale after 60 s), so it
    // is written at most once per heartbeat interval of wall time, and at the final heartbeat.
    if (this.o.mode === 'virtual' && this.finalStop === undefined && wall - this.healthWrittenAt < this.heartbeatMs) return;
    this.healthWrittenAt = wall;
    try {
      writeFileSync(this.o.healthFile, JSON.stringify({ at: wall, ticks: progress.ticks, turns: moved, progressAt: this.progressAt }));
    } catch (error) {
      this.o.log.log('warn', 'health file not written', { error: String(error) });
    }
  }

  /**
   * Commits buffered fills with a fresh checkpoint, all or nothing; keeps them for a retry on
   * failure (safe: the port drops what an earlier attempt already stored). True when committed.
   */
  private async flush(now: number): Promise<boolean> {
    const drained = this.engine.drainFills();
    if (drained.length > 0) this.pending = this.pending.length > 0 ? this.pending.concat(drained) : drained;
    // `now` is engine time: an instant (the replay's or the wall's), stamped as the checkpoint's `writtenAt`.
    const checkpoint = this.engine.checkpoint({ ...this.feed.state(), wallOrigin: this.wallOrigin }, asEpochMs(now));
    const batch = this.pending;
    const sentAt = this.mono();
    this.commitSentAt = sentAt;
    try {
      await this.o.persistence.commit(batch, checkpoint);
      this.commitSentAt = undefined;
      if (this.pending === batch) this.pending = [];
      else this.pending = this.pending.slice(batch.length);
      this.committedSeq = checkpoint.lastFillSeq;
      this.lastCommitOk = sentAt;
      this.lastCommitError = undefined;
      this.commitTrouble = undefined;
      return true;
    } catch (error) {
      this.commitSentAt = undefined;
      if (error instanceof FencedOutError) throw error;
      this.lastCommitError = error;
      this.commitTrouble = noteStoreTrouble(this.commitTrouble, error, this.mono()) ?? this.commitTrouble;
      if (this.commitTrouble !== undefined) this.commitRetryAt = this.mono() + this.storeRetryMs;
      if (!isRetryable(error)) {
        this.commitRefusedBy ??= error;
        this.o.log.log('error', 'commit refused, stopping', { fills: batch.length, error: String(error) });
      } else {
        this.o.log.log('warn', 'commit failed, will retry', { fills: batch.length, error: String(error) });
      }
      return false;
    }
  }

  /**
   * The last commit of a run: tried until it succeeds or the commit bound passes. Returns why
   * the run must end `commit-failed` instead, or undefined once everything is committed.
   */
  private async finalCommit(now: number): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (await this.flush(now)) return undefined;
      const failure = this.commitFailure(this.mono());
      if (failure) return failure;
      await this.timers.sleep(Math.min(this.flushMs, 20 * 2 ** attempt));
    }
  }

  /** Counts a failed heartbeat as store trouble when it is one (busy, throttled, unreachable); other errors leave it as it was. */
  private noteStoreError(error: unknown): void {
    this.storeTrouble = noteStoreTrouble(this.storeTrouble, error, this.mono()) ?? this.storeTrouble;
  }

  /**
   * How a run that must stop for its commits ends: `commit-failed` when a commit was refused for
   * good; `store-unavailable` while the store is in trouble (busy, throttled, unreachable) or has
   * not answered the commit in flight at all (a store that never answers is unreachable, not a
   * crash of the engine); else `commit-failed` (commits failing for another reason).
   */
  private commitFailureEnd(): RunEnd {
    if (this.commitRefusedBy !== undefined) return 'commit-failed';
    return this.commitTrouble !== undefined || this.unansweredSince() !== undefined ? 'store-unavailable' : 'commit-failed';
  }

  /** When the commit in flight was sent, if the store has answered no commit at all since the last success (ms, monotonic). */
  private unansweredSince(): number | undefined {
    return this.lastCommitError === undefined ? this.commitSentAt : undefined;
  }

  /** Why the run must stop trading for its commits, if it must: a refusal for good, or no commit within the bound. */
  private commitFailure(monoNow: number): string | undefined {
    if (this.commitRefusedBy !== undefined) return `commit refused: ${errorText(this.commitRefusedBy)}`;
    const since = monoNow - this.lastCommitOk;
    if (since <= this.commitBoundMs) return undefined;
    const sentAt = this.unansweredSince();
    const unanswered = sentAt === undefined ? '' : `store did not answer: the commit in flight was sent ${((monoNow - sentAt) / 1000).toFixed(1)}s ago; `;
    return (
      unanswered +
      (this.commitTrouble ? `${describeStoreTrouble(this.commitTrouble, monoNow)}; ` : '') +
      `no commit succeeded for ${(since / 1000).toFixed(1)}s (commit bound ${(this.commitBoundMs / 1000).toFixed(2)}s, core/fleet/timeouts.ts); ` +
      `${this.engine.fills.nextSeq - 1 - this.committedSeq} fill(s) uncommitted; last error: ${errorText(this.lastCommitError)}`
    );
  }

  private createFeed(startAt: number): MarketFeed {
    const { config, symbols } = this.o.campaign;
    const feed = config.feed;
    if (feed.kind === 'live') {
      if (this.o.mode === 'virtual')
        throw new ValidationError([{ path: 'clock', message: 'a live feed runs on the real clock only: set clock: real (or drop --virtual)' }]);
      const { venues } = config;
      const closeAt = this.o.endsAt ?? startAt + config.duration * 1000;
      const shard =
        this.o.symbols.length < symbols.length ? { index: this.o.shardIndex, count: Math.ceil(symbols.length / config.sharding.symbolsPerShard) } : undefined;
      return new LiveFeed({
        feed,
        venues,
        symbols: this.o.symbols,
        fxRate: this.o.campaign.fxRate,
        clock: this.clock,
        closeAt,
        shard,
        // The book levels the execution model reads (issue 19): Upbit's depth, the venues' top sizes.
        levels: this.engine.book.levels,
        onUpdate: () => this.wake?.(),
      });
    }
    if (feed.kind === 'replay') {
      // Engine time is the recorded time in both modes (campaign-timeline.ts): never rebased.
      const quotes = { a: config.venues.a.quoteCurrency, b: config.venues.b.quoteCurrency };
      return new ReplayFeed({ feed, shardSymbols: this.o.symbols, quotes });
    }
    const mine = this.o.symbols.map((base) => {
      const spec = symbols.find((s) => s.base === base);
      if (!spec) throw new Error(`shard symbol ${base} is not one of the campaign's symbols`);
      return spec;
    });
    return new SyntheticFeed(feed, mine, this.o.campaign.fxRate, startAt, this.o.shardIndex);
  }

  private outcome(end: RunEnd, reason: string, engineMs: number, wallMs: number): RunOutcome {
    const e = this.engine;
    return {
      end,
      reason,
      ...(this.finalStop ? { stop: this.finalStop } : {}),
      ticks: e.ticks(),
      trades: e.portfolio.totalTrades,
      tradesClosed: e.portfolio.totalClosed,
      fills: e.portfolio.fillsA + e.portfolio.fillsB,
      fillsCommitted: this.committedSeq + 1,
      fillsUncommitted: e.fills.nextSeq - 1 - this.committedSeq,
      realizedPnlMicros: micros(e.portfolio.realizedTotalMicros, 'summary.realizedPnlMicros'),
      skippedOnResume: this.skipped.a + this.skipped.b + this.skipped.fx,
      engineMs,
      wallMs,
      turns: this.turns,
      latency: {
        p50Us: e.latency.quantileUs(0.5),
        p99Us: e.latency.quantileUs(0.99),
        p999Us: e.latency.quantileUs(0.999),
        maxUs: e.latency.maxNs / 1000,
      },
    };
  }
}

function errorText(error: unknown): string {
  if (error === undefined) return 'none (the commit in flight did not finish within the bound: the store did not answer)';
  return error instanceof Error ? error.message : String(error);
}
