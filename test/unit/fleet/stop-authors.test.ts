/**
 * Every task end has an author (`core/fleet/stop-author.ts`): the fleet, the engine's own end, or
 * outside. Only the first two complete a shard; an outside stop before the campaign's end is a
 * PREEMPTED restart from the checkpoint, paid from `maxPreemptions`, never from `maxRestarts`.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { preemptionBudget, restartBudget } from '../../../core/fleet/backoff.js';
import { FLEET_STOP_PREFIX, fleetStopReason, isFleetStopReason, stopAuthor } from '../../../core/fleet/stop-author.js';
import { restartShard } from '../../../core/fleet/shard-lifecycle.js';
import { assessShard, campaignStopReason, classifyStop, type Verdict } from '../../../core/fleet/watchdog-policy.js';
import type { ShardRecord } from '../../../core/model/records.js';
import type { EngineStop } from '../../../core/model/progress.js';
import type { TaskStatus } from '../../../core/ports.js';
import { heartbeat, policy, progress, restart, SEC, shard, T0, task } from './fleet-fixtures.js';

const END = T0 + 3600 * SEC;
const AT = T0 + 12 * SEC;

function expectKind<K extends Verdict['kind']>(verdict: Verdict, kind: K): Extract<Verdict, { kind: K }> {
  expect(verdict, JSON.stringify(verdict)).toMatchObject({ kind });
  return verdict as Extract<Verdict, { kind: K }>;
}

const stopped = (fields: Partial<TaskStatus>): TaskStatus => task({ taskId: 'task-1', state: 'STOPPED', stoppedAt: AT, ...fields });
const finalSaying = (stop: EngineStop) => progress({ stop });

/** A RUNNING shard of generation 1 whose last heartbeat (its final one, once the task has stopped) says `stop`. */
function running(stop?: EngineStop, overrides: Partial<ShardRecord> = {}): ShardRecord {
  return shard({ generation: 1, taskId: 'task-1', heartbeat: heartbeat(1, AT - SEC, stop ? { stop } : {}), healthySince: T0, ...overrides });
}

describe('who ended a task', () => {
  it('the fleet: its reasons carry one prefix, added once, and nothing else has it', () => {
    expect(fleetStopReason('restart: LOST')).toBe(`${FLEET_STOP_PREFIX}restart: LOST`);
    expect(fleetStopReason(fleetStopReason('x'))).toBe('arbfleet: x');
    expect(campaignStopReason('ended')).toBe('arbfleet: campaign ended');
    expect(isFleetStopReason('Your Spot Task was interrupted.')).toBe(false);
    expect(isFleetStopReason('restart: LOST')).toBe(false);
    expect(stopAuthor(stopped({ exitCode: 143, stoppedReason: 'arbfleet: recycle' }), undefined)).toEqual({ by: 'fleet', reason: 'arbfleet: recycle' });
  });

  it('the fleet wins over what the engine saw: a fleet stop it heard as SIGTERM is the fleet’s', () => {
    const task = stopped({ exitCode: 0, stoppedReason: campaignStopReason('cancelled') });
    expect(stopAuthor(task, finalSaying({ by: 'signal', signal: 'SIGTERM' })).by).toBe('fleet');
    expect(classifyStop(task, END, finalSaying({ by: 'signal', signal: 'SIGTERM' }))).toBe('completed');
  });

  it('the engine: its final heartbeat names its own end (feed-done, deadline, or feedDone from older heartbeats)', () => {
    expect(stopAuthor(stopped({ exitCode: 0 }), finalSaying({ by: 'feed-done' }))).toEqual({ by: 'engine', end: 'feed-done' });
    expect(stopAuthor(stopped({ exitCode: 0 }), finalSaying({ by: 'deadline' }))).toEqual({ by: 'engine', end: 'deadline' });
    expect(stopAuthor(stopped({ exitCode: 0 }), progress({ feedDone: true }))).toEqual({ by: 'engine', end: 'feed-done' });
    expect(classifyStop(stopped({ exitCode: 0 }), END, finalSaying({ by: 'deadline' }))).toBe('completed');
    expect(classifyStop(stopped({ exitCode: 0, stopCode: 'EssentialContainerExited' }), END, finalSaying({ by: 'feed-done' }))).toBe('completed');
  });

  it('outside, locally: the engine caught a SIGTERM nobody in the fleet sent, committed and exited 0', () => {
    const c = classifyStop(stopped({ exitCode: 0, signal: null }), END, finalSaying({ by: 'signal', signal: 'SIGTERM' }));
    expect(c).toMatchObject({
      cause: 'PREEMPTED',
      detail: { exitCode: 0, signal: 'SIGTERM', note: expect.stringMatching(/from outside by SIGTERM.*final heartbeat/) },
    });
  });

  it('outside, locally: a process ended by a SIGTERM or SIGINT it did not handle; a SIGKILL stays a crash', () => {
    expect(classifyStop(stopped({ exitCode: null, signal: 'SIGTERM' }), END)).toMatchObject({ cause: 'PREEMPTED', detail: { signal: 'SIGTERM' } });
    expect(classifyStop(stopped({ exitCode: null, signal: 'SIGINT' }), END)).toMatchObject({ cause: 'PREEMPTED', detail: { signal: 'SIGINT' } });
    expect(classifyStop(stopped({ exitCode: null, signal: 'SIGKILL' }), END)).toMatchObject({ cause: 'CRASHED' });
  });

  it('outside, on ECS: a Spot interruption, a termination notice, a service scheduler, whatever the exit code', () => {
    for (const stopCode of ['SpotInterruption', 'TerminationNotice', 'ServiceSchedulerInitiated']) {
      const c = classifyStop(stopped({ exitCode: 0, stopCode, stoppedReason: 'Your Spot Task was interrupted.' }), END);
      expect(c).toMatchObject({
        cause: 'PREEMPTED',
        detail: { stopCode, stoppedReason: 'Your Spot Task was interrupted.', note: expect.stringContaining(stopCode) },
      });
    }
    expect(classifyStop(stopped({ exitCode: 137, stopCode: 'TerminationNotice' }), END)).toMatchObject({ cause: 'PREEMPTED' });
  });

  it('outside, on ECS: a StopTask arbfleet did not issue (UserInitiated with a reason not its own)', () => {
    const c = classifyStop(stopped({ exitCode: 0, stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }), END);
    expect(c).toMatchObject({
      cause: 'PREEMPTED',
      detail: { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', note: expect.stringMatching(/StopTask arbfleet did not issue/) },
    });
    expect(classifyStop(stopped({ exitCode: 0, stopCode: 'UserInitiated', stoppedReason: campaignStopReason('ended') }), END)).toBe('completed');
  });

  it("outside, on the emulator: a StopTask's reason with no stop code and no exit; a task the runtime forgot is not one", () => {
    const c = classifyStop(stopped({ stoppedReason: 'Host EC2 (instance i-0abc) stopped/terminated' }), END);
    expect(c).toMatchObject({ cause: 'PREEMPTED', detail: { stoppedReason: 'Host EC2 (instance i-0abc) stopped/terminated' } });
    expect(classifyStop(stopped({ unknown: true, stoppedReason: 'task unknown to ECS' }), END)).toMatchObject({ cause: 'LOST' });
    expect(classifyStop(stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError' }), END)).toMatchObject({ cause: 'CRASHED' });
  });

  it('an OOM is an OOM whoever else was stopping the task', () => {
    expect(classifyStop(stopped({ exitCode: 137, stopCode: 'TerminationNotice', oom: true }), END)).toMatchObject({ cause: 'OOM' });
  });

  it("at or after the campaign's end any stop is completion; 1 ms before, an outside one is not", () => {
    const spot = stopped({ exitCode: 0, stopCode: 'SpotInterruption', stoppedAt: END });
    expect(classifyStop(spot, END)).toBe('completed');
    expect(classifyStop(spot, END + 1)).toMatchObject({ cause: 'PREEMPTED' });
  });
});

describe('assessShard: an outside stop before the end is a PREEMPTED restart', () => {
  it('restarts at once, paid from the preemption budget, after the minimum backoff', () => {
    const now = AT + SEC;
    const v = expectKind(assessShard(running({ by: 'signal', signal: 'SIGTERM' }), stopped({ exitCode: 0 }), now, policy({ campaignEndsAt: END })), 'restart');
    expect(v.incident).toMatchObject({ cause: 'PREEMPTED', failedAt: AT, detail: { exitCode: 0, signal: 'SIGTERM', lastHeartbeatAgeSec: 1 } });
    expect(v.backoffSec).toBe(5);
    expect(v.launchNotBefore).toBe(now + 5 * SEC);
    expect(v.budget).toMatchObject({ used: 0, remaining: 4 });
  });

  it('reads only the current generation’s final heartbeat: an older one saying SIGTERM names nothing', () => {
    const old = shard({ generation: 2, taskId: 'task-1', heartbeat: heartbeat(1, AT - SEC, { stop: { by: 'signal', signal: 'SIGTERM' } }) });
    const v = expectKind(assessShard(old, stopped({ exitCode: 0 }), AT, policy({ campaignEndsAt: END })), 'restart');
    expect(v.incident.detail.signal).toBeUndefined();
    expect(v.incident.detail.note).toMatch(/without saying it had finished/);
  });

  it('completes a shard whose engine said it reached its end, or whose stop the fleet made', () => {
    expect(expectKind(assessShard(running({ by: 'deadline' }), stopped({ exitCode: 0 }), AT, policy({ campaignEndsAt: END })), 'complete').by).toBe('engine');
    const fleet = stopped({ exitCode: 0, stoppedReason: campaignStopReason('ended') });
    expect(expectKind(assessShard(running({ by: 'signal', signal: 'SIGTERM' }), fleet, AT, policy({ campaignEndsAt: END })), 'complete').by).toBe('fleet');
  });

  it('preemptions do not consume maxRestarts: with the crash budget spent, an outside stop still restarts', () => {
    const crashes = [restart(T0 + SEC), restart(T0 + 2 * SEC), restart(T0 + 3 * SEC)];
    const spent = running({ by: 'signal', signal: 'SIGTERM' }, { restarts: crashes });
    expect(restartBudget(crashes, AT, { maxRestarts: 3, restartWindow: 3600 }).exhausted).toBe(true);
    expectKind(assessShard(spent, stopped({ exitCode: 0 }), AT, policy({ campaignEndsAt: END, maxRestarts: 3 })), 'restart');
    // …and a crash after many preemptions is judged on crashes alone.
    const preempted = [1, 2, 3].map((i) => restart(T0 + i * SEC, { cause: 'PREEMPTED' }));
    const crashed = running(undefined, { restarts: preempted });
    const v = expectKind(assessShard(crashed, stopped({ exitCode: 1 }), AT, policy({ campaignEndsAt: END, maxRestarts: 1 })), 'restart');
    expect(v.budget).toMatchObject({ used: 0, remaining: 1 });
  });

  it('fails the shard once maxPreemptions outside stops fell within the window, saying so', () => {
    const four = [1, 2, 3, 4].map((i) => restart(T0 + i * SEC, { cause: 'PREEMPTED' }));
    expect(preemptionBudget(four, AT, { maxPreemptions: 4, restartWindow: 3600 }).exhausted).toBe(true);
    const v = expectKind(
      assessShard(running({ by: 'signal', signal: 'SIGTERM' }, { restarts: four }), stopped({ exitCode: 0 }), AT, policy({ campaignEndsAt: END })),
      'fail',
    );
    expect(v.reason).toMatch(/^preemption budget spent: 4 stop\(s\) from outside within 3600s \(maxPreemptions 4\); last: stopped from outside by SIGTERM/);
    // Three of four within the window: one more is allowed.
    const three = [...four.slice(0, 3), restart(AT - 3600 * SEC, { cause: 'PREEMPTED' })];
    expectKind(
      assessShard(running({ by: 'signal', signal: 'SIGTERM' }, { restarts: three }), stopped({ exitCode: 0 }), AT, policy({ campaignEndsAt: END })),
      'restart',
    );
  });

  it('a preemption neither grows nor resets the backoff: the shard keeps its backoffSec, waits the minimum', () => {
    const backedOff = running(undefined, { backoffSec: 40 });
    const v = expectKind(assessShard(backedOff, stopped({ exitCode: null, signal: 'SIGTERM' }), AT, policy({ campaignEndsAt: END })), 'restart');
    expect(v.backoffSec).toBe(5);
    const steps = restartShard(backedOff, v.incident, ms(AT), v.backoffSec);
    expect(steps.record).toMatchObject({ status: 'RESTARTING', generation: 2, backoffSec: 40, launchNotBefore: AT + 5 * SEC });
    expect(steps.record.restarts.at(-1)).toMatchObject({ cause: 'PREEMPTED', fromGeneration: 1 });
    expect(steps.events.map((e) => e.to)).toEqual(['LOST', 'RESTARTING']);
    // A crash still grows it from where it was.
    const crash = expectKind(assessShard(backedOff, stopped({ exitCode: 1 }), AT, policy({ campaignEndsAt: END })), 'restart');
    expect(crash.backoffSec).toBe(80);
  });
});
