/**
 * Who ended a task: every task end has an author, and only two of them complete a shard.
 *
 * - **the fleet**: arbfleet's own stop (the campaign's end or a user's stop, a memory recycle, a
 *   restart or a fence, a superseded launch). Every `TaskLauncher.stop` arbfleet issues carries a
 *   reason that starts with `FLEET_STOP_PREFIX` (both launchers add it when a caller did not), and
 *   both report it back as the task's `stoppedReason`: ECS keeps StopTask's reason, the process
 *   launcher the first reason given to `stop()`. That prefix is the one rule, on every runtime:
 *   a stop is the fleet's exactly when its `stoppedReason` starts with it. Whether the fleet asked
 *   is the fleet's knowledge, never the engine's guess.
 * - **the engine itself**: it reached the end of its work and says so in its final heartbeat
 *   (`Progress.stop`: `feed-done`, its replay ran out, or `deadline`, it reached the campaign's
 *   end by its own clock; `feedDone` in heartbeats written before `stop` existed).
 * - **outside**: anything else that asked the task to stop. A signal the fleet did not send
 *   (SIGTERM, SIGINT or SIGHUP, as the process's own end or as the engine's final heartbeat says:
 *   an operator, `docker stop`, a host shutting down); on ECS a `stopCode` of
 *   `OUTSIDE_STOP_CODES` (a Spot interruption, a task retirement, a service scheduler), or
 *   `UserInitiated` with a `stoppedReason` that is not arbfleet's (someone else's StopTask), or a
 *   `stoppedReason` with no stop code, exit code or signal at all (a StopTask as the AWS emulator
 *   reports it: moto sets no stop code). A SIGKILL is not counted here: it is what the OOM killer
 *   and `kill -9` send, judged as a crash.
 *
 * The watchdog turns an outside stop before the campaign's end into a restart with cause
 * `PREEMPTED` (`watchdog-policy.ts`), paid from a budget of its own (`watchdog.maxPreemptions`).
 */
import type { EngineStop, Progress } from '../model/progress.js';
import type { TaskStatus } from '../ports.js';

/** The start of every `stoppedReason` arbfleet gives (StopTask's `reason`, the process launcher's `stop`). */
export const FLEET_STOP_PREFIX = 'arbfleet: ';

/**
 * ECS stop codes that mean the platform (or a service) took the task away: a Fargate Spot
 * interruption (`SpotInterruption`), a task retirement or Spot notice (`TerminationNotice`), a
 * service's scheduler (`ServiceSchedulerInitiated`). `UserInitiated` is someone's StopTask: the
 * fleet's when its reason is arbfleet's, outside otherwise. `EssentialContainerExited` and
 * `TaskFailedToStart` are the task's own end, judged by its exit code.
 */
export const OUTSIDE_STOP_CODES: readonly string[] = ['SpotInterruption', 'TerminationNotice', 'ServiceSchedulerInitiated'];

/** Signals that ask a process to stop: one the fleet did not send is an outside stop. */
export const STOP_SIGNALS: readonly string[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** `what` as a fleet stop reason: `arbfleet: <what>` (unchanged when it already is one). */
export function fleetStopReason(what: string): string {
  return isFleetStopReason(what) ? what : `${FLEET_STOP_PREFIX}${what}`;
}

/** True when `reason` is one arbfleet gave (`FLEET_STOP_PREFIX`): the fleet asked for the stop. */
export function isFleetStopReason(reason: string | undefined): boolean {
  return reason?.startsWith(FLEET_STOP_PREFIX) === true;
}

/** Who ended a task, with what the evidence names. */
export type StopAuthor =
  | { by: 'fleet'; reason: string }
  | { by: 'engine'; end: Exclude<EngineStop['by'], 'signal'> }
  | {
      by: 'outside';
      /** What named the stop: a signal, an ECS stop code, or someone else's stop reason. */
      signal?: string;
      stopCode?: string;
      stoppedReason?: string;
      /** One sentence for the report: who stopped it and how we know. */
      note: string;
    }
  /** Nothing says who: a crash (judged by its exit), or an exit 0 that named no end of its own. */
  | { by: 'unknown' };

/**
 * Who ended the STOPPED task `task`, from the runtime's status and `final`, the last heartbeat its
 * generation wrote (undefined when it never heartbeated). In order: the fleet's reason; an outside
 * stop code, StopTask or signal; the engine's own end; else unknown. An OOM is not decided here.
 */
export function stopAuthor(task: TaskStatus, final: Progress | undefined): StopAuthor {
  if (isFleetStopReason(task.stoppedReason)) return { by: 'fleet', reason: task.stoppedReason as string };
  const outside = outsideStop(task, final?.stop);
  if (outside !== undefined) return outside;
  const engineStop = final?.stop;
  if (engineStop !== undefined && engineStop.by !== 'signal') return { by: 'engine', end: engineStop.by };
  if (final?.feedDone === true) return { by: 'engine', end: 'feed-done' };
  return { by: 'unknown' };
}

function outsideStop(task: TaskStatus, engineStop: EngineStop | undefined): Extract<StopAuthor, { by: 'outside' }> | undefined {
  const { stopCode, stoppedReason } = task;
  const reason = stoppedReason === undefined ? '' : ` (${stoppedReason})`;
  if (stopCode !== undefined && OUTSIDE_STOP_CODES.includes(stopCode)) {
    const author: Extract<StopAuthor, { by: 'outside' }> = { by: 'outside', stopCode, note: `stopped from outside: ECS stop code ${stopCode}${reason}` };
    if (stoppedReason !== undefined) author.stoppedReason = stoppedReason;
    return author;
  }
  if (stopCode === 'UserInitiated' && stoppedReason !== undefined) {
    return { by: 'outside', stopCode, stoppedReason, note: `stopped from outside: a StopTask arbfleet did not issue${reason}` };
  }
  const signal = typeof task.signal === 'string' ? task.signal : undefined;
  const noExit = (task.exitCode === undefined || task.exitCode === null) && signal === undefined;
  if (stopCode === undefined && stoppedReason !== undefined && task.unknown !== true && noExit) {
    return { by: 'outside', stoppedReason, note: `stopped from outside: a stop arbfleet did not ask for${reason}, with no stop code or exit code` };
  }
  if (signal !== undefined && STOP_SIGNALS.includes(signal)) {
    return { by: 'outside', signal, note: `stopped from outside by ${signal}: a signal arbfleet did not send, which ended the process` };
  }
  if (engineStop?.by === 'signal' && task.exitCode === 0) {
    return {
      by: 'outside',
      signal: engineStop.signal,
      note: `stopped from outside by ${engineStop.signal}: a signal arbfleet did not send (the engine's final heartbeat says so); it committed and exited 0`,
    };
  }
  return undefined;
}
