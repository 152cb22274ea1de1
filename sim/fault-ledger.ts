/**
 * What the simulation injected, and where: the evidence the outcome invariants weigh a restart
 * or a FAILED shard against. A restart the fleet made is traceable when the task it replaced
 * suffered an injected fault shortly before (`TRACE_WINDOW_MS`); a shard FAILED is justified only
 * by faults the ledger holds (a bad input, more faults than the restart budget, a launch path
 * broken past the overdue deadline).
 */

/** The kinds of injected fault, by target (a task id, `cp`, or `launcher`). */
export type InjectedKind =
  /** SIGKILL of a task. */
  | 'kill'
  /** The OOM killer ended a task. */
  | 'oom'
  /** The task's process exited 1 (a crash of its own code). */
  | 'exit-1'
  /** SIGSTOP until `to`. */
  | 'freeze'
  /** Cut off from the store until `to`. */
  | 'partition'
  /** Resident memory past the recycle threshold. */
  | 'leak'
  /** An outside stop (a Spot interruption, an operator's SIGTERM): the fleet did not ask. */
  | 'preempt'
  /** The task was given input it refuses (exit 2). */
  | 'bad-input'
  /** One of its port calls failed before or after applying, or was refused by a partition. */
  | 'call-fault'
  /** A stop asked by a control plane that had died meanwhile, landing late on this task. */
  | 'late-stop'
  /** The launcher refused every launch until `to` (RunTask capacity errors). */
  | 'launcher-outage'
  | 'cp-crash'
  | 'cp-freeze'
  | 'cp-partition'
  /** The store stalled (`StoreStall`, on target `store`). */
  | 'store-stall';

/** One injected fault: on `target`, from `from` to `to` (ms; equal for a point fault). */
export interface InjectedFaultRecord {
  kind: InjectedKind;
  target: string;
  from: number;
  to: number;
  note?: string;
}

/** What became of one handling of a launch message by the control plane. */
export type LaunchAttemptOutcome = 'launched' | 'requeued' | 'dropped' | 'retry' | 'faulted' | 'failed';

/** One handling of a launch message for (shard, generation). */
export interface LaunchAttempt {
  at: number;
  /** When its handling returned or threw (absent while it hangs: its control plane died). */
  endedAt?: number;
  outcome: LaunchAttemptOutcome;
  note?: string;
}

/** Whose calls a store stall holds: the engines', the control plane's, or everyone's. */
export type StallScope = 'engines' | 'cp' | 'both';

/**
 * A store stall: from `from` to `to` (true time, ms) the store's calls of `scope` are held, as a
 * write lock held by another process holds them (`lock`: each caller waits up to its own lock wait,
 * then fails with SQLITE_BUSY), or refused at once, as a throttling burst does (`throttle`:
 * ProvisionedThroughputExceededException).
 */
export interface StoreStall {
  from: number;
  to: number;
  scope: StallScope;
  mode: 'lock' | 'throttle';
}

/** One watchdog pass (`WatchdogService.pass`), true time. */
export interface WatchdogPassRecord {
  at: number;
  /** When it returned or threw (absent: its control plane died mid-pass). */
  endedAt?: number;
}

/**
 * The mass-staleness rule's store probe as the store saw it: the `watchdog.mass-staleness` event's
 * write and the campaign's read back, true time; `ok` false when either threw, undefined while unanswered.
 */
export interface MassProbeRecord {
  campaignId: string;
  at: number;
  endedAt?: number;
  ok?: boolean;
  note?: string;
}

/** A stale restart the watchdog held back, as it logged it (`watchdog: restart held back`). */
export interface HeldBackRecord {
  campaignId: string;
  shardId: string;
  at: number;
  reason: string;
}

/**
 * One tick of the schedule service (`ScheduleService.tick`), true time: the schedules it could
 * not advance (an error in `failed`), or the error the whole tick threw.
 */
export interface ScheduleTickAttempt {
  at: number;
  /** When it returned or threw (absent while it hangs: its control plane died). */
  endedAt?: number;
  /** The error the whole tick threw (its first reads failed). */
  threw?: string;
  /** The schedules it could not advance, with the error. */
  failed: { scheduleId: string; error: string }[];
}

/**
 * How far back from a restart's detection an injected fault on the replaced task still explains
 * it, ms: `staleAfter` (4 s) for a heartbeat to go stale, its confirmation (0.4 s), one watchdog
 * pass (1 s), the engine's self-fence and commit bounds (2.4 s), plus latency: 10 s.
 */
export const TRACE_WINDOW_MS = 10_000;

/** The record of every fault a seed injected, and of every launch attempt (see the file's docstring). */
export class FaultLedger {
  private readonly byTarget = new Map<string, InjectedFaultRecord[]>();
  private readonly attempts = new Map<string, LaunchAttempt[]>();
  private readonly ticks: ScheduleTickAttempt[] = [];
  readonly stalls: StoreStall[] = [];
  readonly passes: WatchdogPassRecord[] = [];
  readonly probes: MassProbeRecord[] = [];
  readonly heldBack: HeldBackRecord[] = [];

  add(target: string, kind: InjectedKind, from: number, to = from, note?: string): void {
    const list = this.byTarget.get(target) ?? [];
    list.push({ kind, target, from, to, ...(note !== undefined ? { note } : {}) });
    this.byTarget.set(target, list);
  }

  /** Every fault injected on `target`. */
  on(target: string): readonly InjectedFaultRecord[] {
    return this.byTarget.get(target) ?? [];
  }

  /** The faults on `target` whose span overlaps [from, to]. */
  overlapping(target: string, from: number, to: number): InjectedFaultRecord[] {
    return this.on(target).filter((f) => f.from <= to && f.to >= from);
  }

  /** Total time in [from, to] during which `target` suffered one of `kinds` (overlaps counted once), ms. */
  coveredMs(target: string, kinds: readonly InjectedKind[], from: number, to: number): number {
    const spans = this.on(target)
      .filter((f) => kinds.includes(f.kind) && f.from <= to && f.to >= from)
      .map((f) => [Math.max(from, f.from), Math.min(to, f.to)] as const)
      .sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let end = from;
    for (const [start, stop] of spans) {
      if (stop <= end) continue;
      covered += stop - Math.max(start, end);
      end = stop;
    }
    return covered;
  }

  recordLaunchAttempt(shard: string, generation: number, attempt: LaunchAttempt): void {
    const key = `${shard}#${generation}`;
    const list = this.attempts.get(key) ?? [];
    list.push(attempt);
    this.attempts.set(key, list);
  }

  /** The handlings of (shard, generation)'s launch messages, in order. */
  launchAttempts(shard: string, generation: number): readonly LaunchAttempt[] {
    return this.attempts.get(`${shard}#${generation}`) ?? [];
  }

  addStall(stall: StoreStall): void {
    this.stalls.push(stall);
    this.add('store', 'store-stall', stall.from, stall.to, `${stall.scope} ${stall.mode}`);
  }

  /** The stalls that held `who`'s calls at some point of [from, to]. */
  stallsOverlapping(who: 'engines' | 'cp', from: number, to: number): StoreStall[] {
    return this.stalls.filter((s) => (s.scope === who || s.scope === 'both') && s.from <= to && s.to >= from);
  }

  recordScheduleTick(tick: ScheduleTickAttempt): void {
    this.ticks.push(tick);
  }

  /** Every tick of the schedule service, in order. */
  scheduleTicks(): readonly ScheduleTickAttempt[] {
    return this.ticks;
  }
}
