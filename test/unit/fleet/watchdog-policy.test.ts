import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import {
  assessShard,
  campaignStopReason,
  classifyStop,
  CONFIRM_DEADLINE_SEC,
  defaultConfirmAfterSec,
  isCampaignStopReason,
  watchdogPolicyFor,
  type Verdict,
  LAUNCH_DEADLINE_TIMEOUTS,
  overdueLaunch,
  type OverdueLaunch,
} from '../../../core/fleet/watchdog-policy.js';
import { restartShard } from '../../../core/fleet/shard-lifecycle.js';
import { CampaignConfigSchema } from '../../../core/config/campaign-config.js';
import { ProgrammingError } from '../../../core/errors.js';
import type { ShardRecord } from '../../../core/model/records.js';
import { GIB, heartbeat, policy, restart, SEC, shard, T0, task } from './fleet-fixtures.js';

const STALE = 45 * SEC;
const CONFIRM = 9 * SEC;
const LAUNCH_TIMEOUT = 180 * SEC;

/** Narrows a verdict to its kind, failing the test with the whole verdict when it is another. */
function expectKind<K extends Verdict['kind']>(verdict: Verdict, kind: K): Extract<Verdict, { kind: K }> {
  expect(verdict, JSON.stringify(verdict)).toMatchObject({ kind });
  return verdict as Extract<Verdict, { kind: K }>;
}

/** A RUNNING shard of generation 1 whose last heartbeat arrived at `receivedAt` with `ticks`. */
function running(receivedAt: number, ticks = 100, overrides: Partial<ShardRecord> = {}): ShardRecord {
  return shard({
    generation: 1,
    taskId: 'task-1',
    heartbeat: heartbeat(1, receivedAt, { ticks }),
    observedTicks: ticks,
    observedTicksSince: receivedAt,
    healthySince: T0,
    peakRssBytes: 200 * 1024 * 1024,
    ...overrides,
  });
}

describe('assessShard: lost heartbeat', () => {
  const shardAt = running(T0);

  it('is healthy 1 ms before staleAfter', () => {
    expectKind(assessShard(shardAt, task({ taskId: 'task-1' }), T0 + STALE - 1, policy()), 'healthy');
  });

  it('at staleAfter only suspects: it records suspectSince and kills nothing', () => {
    const v = expectKind(assessShard(shardAt, task({ taskId: 'task-1' }), T0 + STALE, policy()), 'suspect');
    expect(v).toMatchObject({ cause: 'LOST', suspectSince: T0 + STALE, confirmAt: T0 + STALE + CONFIRM, patch: { suspectSince: T0 + STALE } });
    expect(v.reason).toMatch(/no heartbeat for 45s \(staleAfter 45s, about 4 intervals missed\)/);
  });

  it('stays suspect until 1 ms before the confirmation deadline, without moving suspectSince', () => {
    const suspect = { ...shardAt, suspectSince: T0 + STALE };
    const v = expectKind(assessShard(suspect, undefined, T0 + STALE + CONFIRM - 1, policy()), 'suspect');
    expect(v.patch).not.toHaveProperty('suspectSince');
    expect(v.confirmAt).toBe(T0 + STALE + CONFIRM);
  });

  it('restarts at staleAfter + confirmAfter, with the evidence and the start of the trouble', () => {
    const suspect = { ...shardAt, suspectSince: T0 + STALE };
    const v = expectKind(assessShard(suspect, task({ taskId: 'task-1' }), T0 + STALE + CONFIRM, policy()), 'restart');
    expect(v.incident).toMatchObject({
      cause: 'LOST',
      failedAt: T0,
      detail: { lastHeartbeatAgeSec: 54, lastRssBytes: 200 * 1024 * 1024 },
    });
    expect(v.stopTaskId).toBe('task-1');
    expect(v).toMatchObject({ backoffSec: 5, launchNotBefore: T0 + STALE + CONFIRM + 5 * SEC });
  });

  it('a task that still says RUNNING cannot postpone the kill past the deadline (a frozen task always does)', () => {
    const suspect = { ...shardAt, suspectSince: T0 + STALE };
    expectKind(assessShard(suspect, task({ taskId: 'task-1', state: 'RUNNING' }), T0 + STALE + CONFIRM, policy()), 'restart');
  });

  it('a slow heartbeat that arrives before confirmation is not a false positive: suspicion is cleared', () => {
    const late = { ...shardAt, suspectSince: T0 + STALE, heartbeat: heartbeat(1, T0 + STALE + 2 * SEC, { ticks: 180 }) };
    const v = expectKind(assessShard(late, task({ taskId: 'task-1' }), T0 + STALE + CONFIRM, policy()), 'healthy');
    expect(v.patch).toHaveProperty('suspectSince', undefined);
    expect(v.patch).toMatchObject({ observedTicks: 180, observedTicksSince: T0 + STALE + 2 * SEC });
  });

  it('confirms by a later reading however late the watchdog comes back', () => {
    const suspect = { ...shardAt, suspectSince: T0 + STALE };
    expectKind(assessShard(suspect, undefined, T0 + 3600 * SEC, policy()), 'restart');
  });
});

describe('assessShard: stalled progress', () => {
  /** Heartbeats keep arriving (the last one 1 s ago) but ticks stand at 100 since T0. */
  const stalled = (now: number, overrides: Partial<ShardRecord> = {}) => running(T0, 100, { heartbeat: heartbeat(1, now - SEC, { ticks: 100 }), ...overrides });

  it('is healthy while ticks have stood still for 1 ms less than staleAfter', () => {
    const now = T0 + STALE - 1;
    expectKind(assessShard(stalled(now), undefined, now, policy()), 'healthy');
  });

  it('suspects a stall once ticks have stood still for staleAfter, though heartbeats are fresh', () => {
    const now = T0 + STALE;
    const v = expectKind(assessShard(stalled(now), undefined, now, policy()), 'suspect');
    expect(v.cause).toBe('STALLED');
    expect(v.reason).toMatch(/ticks have stood at 100 for 45s/);
  });

  it('restarts a confirmed stall, dating the trouble from when ticks last moved', () => {
    const now = T0 + STALE + CONFIRM;
    const v = expectKind(assessShard(stalled(now, { suspectSince: T0 + STALE }), undefined, now, policy()), 'restart');
    expect(v.incident).toMatchObject({ cause: 'STALLED', failedAt: T0, detail: { lastHeartbeatAgeSec: 1 } });
  });

  it('ticks that move reset the stall clock to the heartbeat that showed them', () => {
    const now = T0 + STALE + CONFIRM;
    const moved = running(T0, 100, { suspectSince: T0 + STALE, heartbeat: heartbeat(1, now - SEC, { ticks: 101 }) });
    const v = expectKind(assessShard(moved, undefined, now, policy()), 'healthy');
    expect(v.patch).toMatchObject({ observedTicks: 101, observedTicksSince: now - SEC, suspectSince: undefined });
  });

  it('starts observing a generation from its first heartbeat', () => {
    const fresh = shard({ generation: 1, taskId: 'task-1', heartbeat: heartbeat(1, T0 + 5 * SEC, { ticks: 7 }) });
    const v = expectKind(assessShard(fresh, undefined, T0 + 6 * SEC, policy()), 'healthy');
    expect(v.patch).toEqual({ observedTicks: 7, observedTicksSince: T0 + 5 * SEC, healthySince: T0 + 6 * SEC, peakRssBytes: 200 * 1024 * 1024 });
  });
});

describe('assessShard: heartbeats that carry ticksSince (no per-pass observation to store)', () => {
  /** A RUNNING shard as the watchdog left it long ago, whose latest heartbeat (1 s old) says its ticks stand since `ticksSince`. */
  const carrying = (now: number, ticksSince: number, overrides: Partial<ShardRecord> = {}) =>
    running(T0 - 600 * SEC, 50, { heartbeat: { ...heartbeat(1, now - SEC, { ticks: 100 }), ticksSince }, ...overrides });

  it('a healthy shard whose ticks moved since the last pass asks for no write at all', () => {
    const now = T0 + 600 * SEC;
    const v = expectKind(assessShard(carrying(now, now - SEC), task({ taskId: 'task-1' }), now, policy()), 'healthy');
    expect(v.patch).toEqual({});
  });

  it('is healthy while ticks have stood since ticksSince for 1 ms less than staleAfter, whatever the stored observation says', () => {
    const now = T0 + STALE - 1;
    const stillObserved = carrying(now, T0, { observedTicks: 100, observedTicksSince: T0 - 3600 * SEC });
    const v = expectKind(assessShard(stillObserved, undefined, now, policy()), 'healthy');
    expect(v.patch).toEqual({});
  });

  it('suspects a stall once ticks have stood since ticksSince for staleAfter, and restarts it once confirmed, dated from ticksSince', () => {
    const s = expectKind(assessShard(carrying(T0 + STALE, T0), undefined, T0 + STALE, policy()), 'suspect');
    expect(s).toMatchObject({ cause: 'STALLED', patch: { suspectSince: T0 + STALE } });
    expect(s.reason).toMatch(/ticks have stood at 100 for 45s/);
    const now = T0 + STALE + CONFIRM;
    const r = expectKind(assessShard(carrying(now, T0, { suspectSince: T0 + STALE }), undefined, now, policy()), 'restart');
    expect(r.incident).toMatchObject({ cause: 'STALLED', failedAt: T0 });
  });

  it('a stall whose heartbeats then stop too stays a STALL, dated from ticksSince: the first symptom names the trouble', () => {
    // Ticks stood from T0 while heartbeats came until T0 + 10 s; then heartbeats stopped (the stalled engine starved of CPU).
    const stalledThenSilent = (_now: number, overrides: Partial<ShardRecord> = {}) =>
      running(T0 - 600 * SEC, 50, { heartbeat: { ...heartbeat(1, T0 + 10 * SEC, { ticks: 100 }), ticksSince: T0 }, ...overrides });
    const at = T0 + 10 * SEC + STALE;
    const s = expectKind(assessShard(stalledThenSilent(at), undefined, at, policy()), 'suspect');
    expect(s.cause).toBe('STALLED');
    const r = expectKind(assessShard(stalledThenSilent(at + CONFIRM, { suspectSince: at }), undefined, at + CONFIRM, policy()), 'restart');
    expect(r.incident).toMatchObject({ cause: 'STALLED', failedAt: T0 });
  });

  it('heartbeats that stop while ticks were moving are LOST, though ticks stand since the last one', () => {
    const silent = running(T0 - 600 * SEC, 50, { heartbeat: { ...heartbeat(1, T0, { ticks: 100 }), ticksSince: T0 } });
    const s = expectKind(assessShard(silent, undefined, T0 + STALE, policy()), 'suspect');
    expect(s.cause).toBe('LOST');
  });

  it('writes again only when something changes state: suspicion cleared, first healthy reading, backoff reset', () => {
    const now = T0 + 600 * SEC;
    const cleared = expectKind(assessShard(carrying(now, now - SEC, { suspectSince: now - 5 * SEC }), undefined, now, policy()), 'healthy');
    expect(cleared.patch).toEqual({ suspectSince: undefined });
    const { healthySince: _, ...neverHealthy } = carrying(now, now - SEC);
    expect(expectKind(assessShard(neverHealthy, undefined, now, policy()), 'healthy').patch).toEqual({ healthySince: now });
    const reset = expectKind(assessShard(carrying(now, now - SEC, { backoffSec: 40 }), undefined, now, policy()), 'healthy');
    expect(reset.patch).toEqual({ backoffSec: 0 });
  });
});

describe('assessShard: launch', () => {
  const launching = (overrides: Partial<ShardRecord> = {}) =>
    shard({ status: 'LAUNCHING', generation: 2, taskId: 'task-2', launchedAt: ms(T0), heartbeat: heartbeat(1, T0 - 60 * SEC), ...overrides });

  it("is waiting, not late, 1 ms before launchTimeout; an older generation's heartbeat does not count as a launch", () => {
    const v = expectKind(assessShard(launching(), task({ taskId: 'task-2', state: 'PENDING' }), T0 + LAUNCH_TIMEOUT - 1, policy()), 'healthy');
    expect(v).toMatchObject({ launchConfirmed: false, patch: {} });
  });

  it('suspects LAUNCH_TIMEOUT at launchTimeout and restarts it once confirmed', () => {
    const s = expectKind(assessShard(launching(), undefined, T0 + LAUNCH_TIMEOUT, policy()), 'suspect');
    expect(s.cause).toBe('LAUNCH_TIMEOUT');
    const now = T0 + LAUNCH_TIMEOUT + CONFIRM;
    const v = expectKind(assessShard(launching({ suspectSince: T0 + LAUNCH_TIMEOUT }), undefined, now, policy()), 'restart');
    expect(v.incident).toMatchObject({
      cause: 'LAUNCH_TIMEOUT',
      failedAt: T0,
      detail: { lastHeartbeatAgeSec: null, lastRssBytes: null },
    });
    expect(v.incident.detail.note).toMatch(/no heartbeat from generation 2 within 189s of its launch/);
  });

  it("confirms the launch on the generation's first heartbeat", () => {
    const v = expectKind(assessShard(launching({ heartbeat: heartbeat(2, T0 + 30 * SEC) }), undefined, T0 + 31 * SEC, policy()), 'healthy');
    expect(v).toMatchObject({ launchConfirmed: true, firstHeartbeatAt: T0 + 30 * SEC, patch: { healthySince: T0 + 31 * SEC } });
  });
});

describe('assessShard: stopped task', () => {
  const live = running(T0 + 100 * SEC);
  const now = T0 + 101 * SEC;

  it('restarts a crash at once, without a suspect phase, dated at the stop', () => {
    const stopped = task({ taskId: 'task-1', state: 'STOPPED', exitCode: 1, stoppedAt: T0 + 100_500, stderrTail: 'TypeError: x' });
    const v = expectKind(assessShard(live, stopped, now, policy()), 'restart');
    expect(v.incident).toEqual({
      cause: 'CRASHED',
      failedAt: T0 + 100_500,
      detail: { exitCode: 1, stderrTail: 'TypeError: x', lastHeartbeatAgeSec: 0.5, lastRssBytes: 200 * 1024 * 1024 },
    });
    expect(v).not.toHaveProperty('stopTaskId');
  });

  it("fails an exit 2 at once, restart budget left or not, with the engine's last stderr line as the reason", () => {
    const stopped = task({
      taskId: 'task-1',
      state: 'STOPPED',
      exitCode: 2,
      stoppedAt: T0 + 100_500,
      stderrTail: 'starting\narbfleet-engine: invalid config: feed.path: cannot read replay file /x.csv: ENOENT\n',
    });
    const v = expectKind(assessShard(live, stopped, now, policy()), 'fail');
    expect(v.budget.exhausted).toBe(false);
    expect(v.reason).toBe('bad input, not retried: the engine exited 2: arbfleet-engine: invalid config: feed.path: cannot read replay file /x.csv: ENOENT');
    expect(v.incident).toMatchObject({ cause: 'CRASHED', failedAt: T0 + 100_500, detail: { exitCode: 2 } });
  });

  it('calls exit 137 with the OOM flag an OOM, with ECS stop code and reason as evidence', () => {
    const stopped = task({
      taskId: 'task-1',
      state: 'STOPPED',
      exitCode: 137,
      oom: true,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    const v = expectKind(assessShard(live, stopped, now, policy()), 'restart');
    expect(v.incident).toMatchObject({
      cause: 'OOM',
      failedAt: now,
      detail: { exitCode: 137, stopCode: 'EssentialContainerExited', stoppedReason: 'OutOfMemoryError: Container killed due to memory usage' },
    });
  });

  it('exit 0 is completion, never a restart, even with a stale heartbeat', () => {
    const stale = running(T0);
    const v = expectKind(assessShard(stale, task({ taskId: 'task-1', state: 'STOPPED', exitCode: 0 }), T0 + 3600 * SEC, policy()), 'complete');
    expect(v.by).toBe('campaign-end');
  });

  it('an exit 0 before the campaign end that names no end of its own is a PREEMPTED restart, not a completion', () => {
    const v = expectKind(
      assessShard(live, task({ taskId: 'task-1', state: 'STOPPED', exitCode: 0, stoppedAt: now }), now, policy({ campaignEndsAt: now + 1 })),
      'restart',
    );
    expect(v.incident).toMatchObject({ cause: 'PREEMPTED', detail: { exitCode: 0, note: expect.stringMatching(/without saying it had finished/) } });
  });

  it('a kill at the campaign end is completion, whatever the exit', () => {
    const killed = task({ taskId: 'task-1', state: 'STOPPED', exitCode: 137, signal: 'SIGKILL', stoppedAt: now });
    expectKind(assessShard(live, killed, now, policy({ campaignEndsAt: now })), 'complete');
    expectKind(assessShard(live, killed, now, policy({ campaignEndsAt: now + 1 })), 'restart');
  });

  it('a stop the control plane made for the campaign is completion', () => {
    const stopped = task({ taskId: 'task-1', state: 'STOPPED', exitCode: 143, stoppedReason: campaignStopReason('cancelled') });
    const v = expectKind(assessShard(live, stopped, now, policy({ campaignEndsAt: now + 3600 * SEC })), 'complete');
    expect(v).toMatchObject({ by: 'fleet', detail: { exitCode: 143, stoppedReason: 'arbfleet: campaign cancelled' } });
  });
});

describe('assessShard: memory recycle', () => {
  /** The first whole byte count at or above 80% of 1 GiB (858993459.2 bytes). */
  const limit = Math.ceil(0.8 * GIB);
  const withRss = (rssBytes: number, overrides: Partial<ShardRecord> = {}) =>
    running(T0, 100, { heartbeat: heartbeat(1, T0, { ticks: 100, rssBytes }), ...overrides });

  it('is healthy 1 byte below memoryRecycleAt, and records the peak RSS', () => {
    const v = expectKind(assessShard(withRss(limit - 1), undefined, T0 + SEC, policy()), 'healthy');
    expect(v.patch.peakRssBytes).toBe(limit - 1);
  });

  it('recycles at memoryRecycleAt at once, without a suspect phase', () => {
    const v = expectKind(assessShard(withRss(limit), undefined, T0 + SEC, policy()), 'restart');
    expect(v.incident).toMatchObject({ cause: 'RECYCLED', failedAt: T0, detail: { lastRssBytes: limit } });
    expect(v.incident.detail.note).toBe("RSS 819.2 MiB reached 80% of the task's 1024.0 MiB");
    expect(v.stopTaskId).toBe('task-1');
  });

  it('never fails a shard for memory: with the budget spent it only warns', () => {
    const spent = [restart(T0 - 3 * SEC), restart(T0 - 2 * SEC), restart(T0 - SEC)];
    const v = expectKind(assessShard(withRss(limit, { restarts: spent }), undefined, T0 + SEC, policy()), 'healthy');
    expect(v.warning).toMatch(/restart budget is spent: not recycling/);
  });

  it('a stale heartbeat is LOST, not RECYCLED, even if its RSS was high', () => {
    expectKind(assessShard(withRss(GIB), undefined, T0 + STALE, policy()), 'suspect');
  });
});

describe('assessShard: restart budget and backoff', () => {
  const crashed = task({ taskId: 'task-1', state: 'STOPPED', exitCode: 1 });
  const now = T0 + 7200 * SEC;

  it('budget exhausted → the verdict says fail, naming the budget and the cause', () => {
    const restarts = [restart(now - 300 * SEC), restart(now - 200 * SEC), restart(now - 100 * SEC)];
    const v = expectKind(assessShard(running(now - SEC, 100, { restarts }), crashed, now, policy()), 'fail');
    expect(v.reason).toBe('restart budget spent: 3 restart(s) within 3600s (maxRestarts 3); last cause CRASHED');
    expect(v.budget).toMatchObject({ used: 3, exhausted: true });
  });

  it('restarts that aged out of the window do not count', () => {
    const restarts = [restart(now - 3600 * SEC), restart(now - 200 * SEC), restart(now - 100 * SEC)];
    expectKind(assessShard(running(now - SEC, 100, { restarts }), crashed, now, policy()), 'restart');
  });

  it('backs off exponentially from the previous restart', () => {
    const v = expectKind(assessShard(running(now - SEC, 100, { backoffSec: 40, healthySince: now - 60 * SEC }), crashed, now, policy()), 'restart');
    expect(v).toMatchObject({ backoffSec: 80, launchNotBefore: now + 80 * SEC });
  });

  it('starts the backoff over after a healthy stretch of resetAfter', () => {
    const v = expectKind(assessShard(running(now - SEC, 100, { backoffSec: 40, healthySince: now - 600 * SEC }), crashed, now, policy()), 'restart');
    expect(v.backoffSec).toBe(5);
  });

  it('a healthy reading after resetAfter stores the reset backoff', () => {
    const v = expectKind(assessShard(running(now - SEC, 100, { backoffSec: 40, healthySince: now - 600 * SEC }), undefined, now, policy()), 'healthy');
    expect(v.patch).toEqual({ backoffSec: 0 });
  });

  it('a healthy reading with nothing new asks for no write at all', () => {
    const v = expectKind(assessShard(running(now - SEC, 100), undefined, now, policy()), 'healthy');
    expect(v.patch).toEqual({});
  });

  it('applies cleanly: the restart verdict feeds restartShard for one store update', () => {
    const record = running(now - SEC);
    const v = expectKind(assessShard(record, crashed, now, policy()), 'restart');
    const steps = restartShard(record, v.incident, ms(now), v.backoffSec);
    expect(steps.record).toMatchObject({ status: 'RESTARTING', generation: 2, launchNotBefore: v.launchNotBefore });
  });
});

describe('assessShard: what it ignores', () => {
  it.each([
    ['COMPLETED', /shard is COMPLETED/],
    ['FAILED', /shard is FAILED/],
    ['PENDING', /has not been launched yet/],
    ['CRASHED', /restart is already under way/],
  ] as const)('a %s shard', (status, reason) => {
    const v = expectKind(assessShard(shard({ status }), undefined, T0 + 3600 * SEC, policy()), 'ignore');
    expect(v.reason).toMatch(reason);
  });

  it('a shard in backoff', () => {
    const v = expectKind(assessShard(shard({ status: 'RESTARTING', generation: 3, launchNotBefore: T0 }), undefined, T0, policy()), 'ignore');
    expect(v.reason).toBe('shard is awaiting the launch of generation 3 (backoff until 2026-01-01T00:00:00.000Z)');
  });

  it("an older generation's task stopping (a late or duplicate ECS event) changes nothing", () => {
    const v = expectKind(assessShard(running(T0), task({ taskId: 'task-0', state: 'STOPPED', exitCode: 137 }), T0 + SEC, policy()), 'ignore');
    expect(v.reason).toMatch(/task task-0 is not the shard's current task \(task-1\)/);
  });
  it('a heartbeat ahead of the shard record (read mid-update) changes nothing', () => {
    const ahead = running(T0, 100, { heartbeat: heartbeat(2, T0) });
    expect(expectKind(assessShard(ahead, undefined, T0 + 3600 * SEC, policy()), 'ignore').reason).toMatch(/generation 2 is ahead/);
  });
});

describe('assessShard: after the campaign end', () => {
  it('does not restart a shard that goes quiet after the end; it completes it and stops its task', () => {
    const ended = running(T0, 100, { suspectSince: T0 + STALE });
    const v = expectKind(assessShard(ended, undefined, T0 + STALE + CONFIRM, policy({ campaignEndsAt: T0 + 10 * SEC })), 'complete');
    expect(v).toMatchObject({ stopTaskId: 'task-1', by: 'campaign-end', detail: { lastHeartbeatAgeSec: 54 } });
    expect(v.reason).toMatch(/not restarted after LOST/);
  });

  it('does not recycle after the end', () => {
    const big = running(T0, 100, { heartbeat: heartbeat(1, T0, { rssBytes: GIB }) });
    expectKind(assessShard(big, undefined, T0 + SEC, policy({ campaignEndsAt: T0 })), 'healthy');
  });
});

describe('classifyStop', () => {
  const stopped = (fields: Parameters<typeof task>[0]) => task({ state: 'STOPPED', ...fields });

  it('exit 0 is completed when no campaign end is known (a virtual campaign ends when its engines do)', () => {
    expect(classifyStop(stopped({ exitCode: 0 }))).toBe('completed');
  });

  it('a non-zero exit or a signal is CRASHED, with the evidence', () => {
    expect(classifyStop(stopped({ exitCode: 1 }))).toEqual({ cause: 'CRASHED', detail: { exitCode: 1 } });
    expect(classifyStop(stopped({ exitCode: null, signal: 'SIGSEGV' }))).toEqual({ cause: 'CRASHED', detail: { exitCode: null, signal: 'SIGSEGV' } });
    expect(classifyStop(stopped({ exitCode: 137 }))).toMatchObject({ cause: 'CRASHED' });
  });

  it('exit 2 (bad input) is CRASHED and permanent: relaunching the same input cannot help; killed by a signal or OOM it is not', () => {
    expect(classifyStop(stopped({ exitCode: 2 }))).toEqual({
      cause: 'CRASHED',
      permanent: true,
      detail: { exitCode: 2, note: expect.stringMatching(/refused its input .*not relaunched/) },
    });
    expect(classifyStop(stopped({ exitCode: 2, oom: true }))).not.toHaveProperty('permanent');
    expect(classifyStop(stopped({ exitCode: 3 }))).not.toHaveProperty('permanent');
  });

  it('no exit code at all (a task that never started) is CRASHED, never completed', () => {
    const c = classifyStop(stopped({ stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError' }));
    expect(c).toMatchObject({ cause: 'CRASHED', detail: { stopCode: 'TaskFailedToStart', note: expect.stringMatching(/without an exit code/) } });
  });

  it("recognises OOM from the flag, from ECS's OutOfMemoryError, and from V8's heap limit", () => {
    expect(classifyStop(stopped({ exitCode: 137, oom: true }))).toMatchObject({ cause: 'OOM' });
    expect(classifyStop(stopped({ exitCode: 137, stoppedReason: 'OutOfMemoryError: Container killed' }))).toMatchObject({ cause: 'OOM' });
    expect(
      classifyStop(
        stopped({ exitCode: 134, signal: 'SIGABRT', stderrTail: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }),
      ),
    ).toMatchObject({ cause: 'OOM' });
  });

  it('a stop at or after the campaign end is completed, 1 ms before is not', () => {
    const killed = stopped({ signal: 'SIGKILL', stoppedAt: T0 });
    expect(classifyStop(killed, T0)).toBe('completed');
    expect(classifyStop(killed, T0 + 1)).toMatchObject({ cause: 'CRASHED' });
  });

  it('a stop the control plane made for the campaign is completed, whatever the exit', () => {
    expect(classifyStop(stopped({ exitCode: 143, stoppedReason: campaignStopReason('ended') }))).toBe('completed');
    expect(isCampaignStopReason('arbfleet: campaign failed')).toBe(true);
    expect(isCampaignStopReason('Task stopped by user')).toBe(false);
  });

  it('throws ProgrammingError for a task that has not stopped', () => {
    expect(() => classifyStop(task({ state: 'RUNNING' }))).toThrow(ProgrammingError);
    expect(() => classifyStop(task({ state: 'RUNNING' }))).toThrow('task task-0 is RUNNING, not STOPPED');
  });
});

describe('watchdogPolicyFor', () => {
  it('reads the config: seconds stay seconds, task memory becomes bytes, confirmation defaults to a fraction of staleAfter', () => {
    const config = CampaignConfigSchema.parse({
      name: 'soak',
      symbols: ['BTC'],
      venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 5 } },
      watchdog: { staleAfter: '1m' },
      task: { memoryMiB: 2048 },
    });
    expect(watchdogPolicyFor(config, T0)).toEqual({
      heartbeatIntervalSec: 10,
      staleAfterSec: 60,
      launchTimeoutSec: 180,
      memoryRecycleAt: 0.8,
      taskMemoryBytes: 2 * GIB,
      confirmAfterSec: 6,
      maxRestarts: 5,
      restartWindowSec: 3600,
      maxPreemptions: 20,
      backoff: { initial: 5, max: 300, multiplier: 2, resetAfter: 600 },
      campaignEndsAt: T0,
    });
  });

  it('caps the default confirmation at a hard deadline however long staleAfter is', () => {
    expect(defaultConfirmAfterSec(45)).toBe(4.5);
    expect(defaultConfirmAfterSec(3600)).toBe(CONFIRM_DEADLINE_SEC);
  });
});

describe('a task the runtime does not know yet', () => {
  const unknown = task({ state: 'STOPPED', unknown: true, stoppedReason: 'task unknown to ECS' });

  it('is no news while the shard is LAUNCHING within its launch timeout (ECS may not show it yet)', () => {
    const launching = shard({ status: 'LAUNCHING', launchedAt: ms(T0) });
    expect(assessShard(launching, unknown, T0 + 179 * SEC, policy()).kind).toBe('healthy');
  });

  it('is LOST once the launch timeout has passed, or for a running shard: gone, and nobody saw it crash', () => {
    const launching = shard({ status: 'LAUNCHING', launchedAt: ms(T0) });
    const neverCame = expectKind(assessShard(launching, unknown, T0 + 180 * SEC, policy()), 'restart');
    expect(neverCame.incident).toMatchObject({ cause: 'LOST', detail: { note: expect.stringMatching(/never heartbeated \(it may never have started\)/) } });
    const running = shard({ status: 'RUNNING', heartbeat: heartbeat(0, T0 + 5 * SEC) });
    const verdict = expectKind(assessShard(running, unknown, T0 + 6 * SEC, policy()), 'restart');
    expect(verdict.incident).toMatchObject({
      cause: 'LOST',
      failedAt: T0 + 5 * SEC,
      detail: { note: 'its end was not observed (task unknown to ECS); its last heartbeat names no end of its own', lastHeartbeatAgeSec: 1 },
    });
  });
});

describe("a predecessor's task after `arbfleet run --resume`: its exit was not observed", () => {
  const gone = task({ taskId: 'task-1', state: 'STOPPED', unknown: true, stoppedReason: 'task unknown to this launcher (control plane restarted?)' });
  const END = T0 + 60 * SEC;
  const withFinal = (stop: Parameters<typeof heartbeat>[2]) => running(END - 50, 100, { heartbeat: heartbeat(1, END - 50, { ticks: 100, ...stop }) });

  it("completes by the engine when its final heartbeat names its own end, at or after the campaign's end, with no word of a crash", () => {
    for (const at of [END - 10 * SEC, END + 30]) {
      const v = expectKind(assessShard(withFinal({ stop: { by: 'deadline' } }), gone, at, policy({ campaignEndsAt: END })), 'complete');
      expect(v).toMatchObject({ by: 'engine', detail: { stoppedReason: gone.stoppedReason } });
      expect(v.reason).toBe(
        "task task-1 ended at the campaign's end by its own clock, as its final heartbeat says (its exit was not observed: task unknown to this launcher (control plane restarted?))",
      );
      expect(v.reason).not.toMatch(/CRASHED|exit code/);
    }
    const replay = expectKind(assessShard(withFinal({ stop: { by: 'feed-done' } }), gone, END - 10 * SEC, policy()), 'complete');
    expect(replay).toMatchObject({ by: 'engine', reason: expect.stringMatching(/^task task-1 ended when its replay ended, as its final heartbeat says/) });
  });

  it('a signal its final heartbeat names is a stop from outside (PREEMPTED), naming the signal', () => {
    const v = expectKind(
      assessShard(withFinal({ stop: { by: 'signal', signal: 'SIGINT' } }), gone, END - 10 * SEC, policy({ campaignEndsAt: END })),
      'restart',
    );
    expect(v.incident).toMatchObject({ cause: 'PREEMPTED', detail: { signal: 'SIGINT', note: expect.stringMatching(/by SIGINT.*its end was not observed/) } });
  });

  it("at the campaign's end, a final heartbeat naming no end closes the shard as LOST, never CRASHED", () => {
    const v = expectKind(assessShard(running(END - 50), gone, END + 30, policy({ campaignEndsAt: END })), 'complete');
    expect(v.by).toBe('campaign-end');
    expect(v.reason).toMatch(
      /not restarted after LOST: its end was not observed \(task unknown to this launcher \(control plane restarted\?\)\); its last heartbeat names no end of its own$/,
    );
  });

  it('an unknown task that did report an exit code is judged by it as before', () => {
    expect(classifyStop({ ...gone, exitCode: 1 }, END)).toMatchObject({ cause: 'CRASHED' });
  });
});

describe('overdueLaunch: a launch that never came', () => {
  const T = 30; // launchTimeout, seconds
  const DUE = T0 + 10 * SEC; // the RESTARTING shard's launchNotBefore
  const waiting = (overrides: Partial<ShardRecord> = {}) =>
    shard({ status: 'RESTARTING', generation: 2, taskId: undefined, launchedAt: undefined, launchNotBefore: DUE, updatedAt: ms(T0), ...overrides });
  /** The shard as the watchdog leaves it after carrying out a re-queue at `now` (`WatchdogService.reconcile`). */
  const requeued = (s: ShardRecord, verdict: OverdueLaunch | undefined, now: number): ShardRecord => {
    expect(verdict, `a re-queue at ${(now - DUE) / SEC}s after the launch was due`).toMatchObject({ kind: 'requeue' });
    return {
      ...s,
      launchRequeues: (s.launchRequeues ?? 0) + 1,
      launchNotBefore: verdict?.kind === 'requeue' ? verdict.dueSince : s.launchNotBefore,
      updatedAt: ms(now),
    };
  };
  /** Drives the rule with a pass every `stepSec` from `from` until it fails the shard (or `untilSec` after due); returns when it re-queued and failed. */
  const drive = (start: ShardRecord, from: number, stepSec: number, untilSec = 20 * T) => {
    let s = start;
    const requeuedAt: number[] = [];
    for (let now = from; now <= DUE + untilSec * SEC; now += stepSec * SEC) {
      const verdict = overdueLaunch(s, now, T);
      if (verdict?.kind === 'fail') return { requeuedAt, failedAt: now, reason: verdict.reason };
      if (verdict?.kind === 'requeue') {
        requeuedAt.push((now - DUE) / SEC);
        s = requeued(s, verdict, now);
      }
    }
    return { requeuedAt, failedAt: undefined, reason: undefined };
  };

  it('is due launchTimeout after launchNotBefore (or the last update, whichever is later), to the millisecond', () => {
    expect(overdueLaunch(waiting(), DUE + T * SEC - 1, T)).toBeUndefined();
    expect(overdueLaunch(waiting(), DUE + T * SEC, T)).toMatchObject({
      kind: 'requeue',
      dueSince: DUE,
      reason: expect.stringMatching(/generation 2 was due 30s ago and never launched \(launchTimeout 30s; re-queue 1, deadline 8 × launchTimeout = 240s\)/),
    });
    expect(overdueLaunch(waiting({ updatedAt: ms(T0 + 20 * SEC) }), T0 + 40 * SEC, T)).toBeUndefined();
  });

  it(`re-queues at 1, 2, 4 and 7 launch timeouts after the launch was due and fails at ${LAUNCH_DEADLINE_TIMEOUTS}, to the millisecond`, () => {
    let s = waiting();
    for (const at of [1, 2, 4, 7]) {
      expect(overdueLaunch(s, DUE + at * T * SEC - 1, T), `nothing 1 ms before ${at} launch timeouts`).toBeUndefined();
      s = requeued(s, overdueLaunch(s, DUE + at * T * SEC, T), DUE + at * T * SEC);
    }
    expect(s.launchNotBefore).toBe(DUE); // the deadline's origin stays put while re-queues move updatedAt
    const deadline = DUE + LAUNCH_DEADLINE_TIMEOUTS * T * SEC;
    expect(overdueLaunch(s, deadline - 1, T)).toBeUndefined();
    expect(overdueLaunch(s, deadline, T)).toMatchObject({
      kind: 'fail',
      reason: expect.stringMatching(
        /^launch never happened: generation 2 was due 240s ago and never launched \(launchTimeout 30s, deadline 8 × launchTimeout = 240s\), after 4 re-queued launch\(es\)$/,
      ),
    });
  });

  it('does not take re-queues as evidence: three lost re-queues 4 launch timeouts after due (where the old count failed the shard) leave it waiting', () => {
    // The old rule's record at its fourth launch timeout: 3 re-queues, the last one a launch timeout ago.
    const afterThree = waiting({ launchRequeues: 3, updatedAt: ms(DUE + 3 * T * SEC) });
    expect(overdueLaunch(afterThree, DUE + 4 * T * SEC, T)).toBeUndefined();
    expect(overdueLaunch(afterThree, DUE + 7 * T * SEC, T)?.kind).toBe('requeue');
    // Nor does a count past it, without the time: a shard re-queued 10 times in 2 launch timeouts is not failed.
    expect(overdueLaunch(waiting({ launchRequeues: 10, updatedAt: ms(DUE + T * SEC) }), DUE + 2 * T * SEC, T)).toBeUndefined();
  });

  it('with passes every second, fails within a second of the deadline after the four re-queues', () => {
    const run = drive(waiting(), T0, 1);
    expect(run.requeuedAt).toEqual([30, 60, 120, 210]);
    expect(run.failedAt).toBe(DUE + LAUNCH_DEADLINE_TIMEOUTS * T * SEC);
  });

  it('after a watchdog outage: never fails without a re-queue that has had a launch timeout, and fires missed re-queues a launch timeout apart', () => {
    // Nothing ran until 10 launch timeouts after due: a re-queue first, the failure one launch timeout later.
    const late = drive(waiting(), DUE + 10 * T * SEC, 1);
    expect(late).toMatchObject({ requeuedAt: [300], failedAt: DUE + 11 * T * SEC });
    // Back at 5 launch timeouts with one re-queue made: the rest a launch timeout apart, the deadline unmoved.
    const midway = drive(waiting({ launchRequeues: 1, updatedAt: ms(DUE + T * SEC) }), DUE + 5 * T * SEC, 1);
    expect(midway).toMatchObject({ requeuedAt: [150, 180, 210], failedAt: DUE + LAUNCH_DEADLINE_TIMEOUTS * T * SEC });
    // Back past the deadline with three re-queues made, the last at 4 launch timeouts: that was no last
    // chance (the launcher was likely down too), so one more re-queue, and the failure a launch timeout later.
    const pastDeadline = drive(waiting({ launchRequeues: 3, updatedAt: ms(DUE + 4 * T * SEC) }), DUE + 9 * T * SEC, 1);
    expect(pastDeadline).toMatchObject({ requeuedAt: [270], failedAt: DUE + 10 * T * SEC });
    expect(pastDeadline.reason).toMatch(/was due 300s ago .* after 4 re-queued launch\(es\)$/);
  });

  it('a PENDING shard: the first re-queue keeps when the launch was first due (as launchNotBefore), so the deadline does not move with the re-queues', () => {
    const pending = waiting({ status: 'PENDING', generation: 0, launchNotBefore: undefined, updatedAt: ms(DUE) });
    const first = overdueLaunch(pending, DUE + T * SEC, T);
    expect(first).toMatchObject({ kind: 'requeue', dueSince: DUE });
    expect(drive(pending, DUE, 1)).toMatchObject({ requeuedAt: [30, 60, 120, 210], failedAt: DUE + LAUNCH_DEADLINE_TIMEOUTS * T * SEC });
  });

  it("counts from the campaign's start when the campaign was scheduled: its shards were created long before their launch was asked for", () => {
    const startedAt = T0 + 3600 * SEC;
    const created = waiting({ status: 'PENDING', generation: 0, launchNotBefore: undefined, updatedAt: ms(T0) });
    expect(overdueLaunch(created, startedAt + T * SEC - 1, T, startedAt)).toBeUndefined();
    const first = overdueLaunch(created, startedAt + T * SEC, T, startedAt);
    expect(first).toMatchObject({ kind: 'requeue', dueSince: startedAt });
    const after = requeued(created, first, startedAt + T * SEC);
    expect(overdueLaunch(after, startedAt + 2 * T * SEC, T, startedAt)?.kind).toBe('requeue');
    expect(overdueLaunch({ ...after, launchRequeues: 4, updatedAt: ms(startedAt + 7 * T * SEC) }, startedAt + 8 * T * SEC - 1, T, startedAt)).toBeUndefined();
    expect(overdueLaunch({ ...after, launchRequeues: 4, updatedAt: ms(startedAt + 7 * T * SEC) }, startedAt + 8 * T * SEC, T, startedAt)?.kind).toBe('fail');
  });

  it('leaves alone a shard with a task, or one that is not waiting for a launch', () => {
    expect(overdueLaunch(waiting({ taskId: 'task-9' }), T0 + 600 * SEC, T)).toBeUndefined();
    expect(overdueLaunch(waiting({ status: 'RUNNING' }), T0 + 600 * SEC, T)).toBeUndefined();
    expect(overdueLaunch(waiting({ status: 'PENDING', launchNotBefore: undefined }), T0 + 30 * SEC, T)?.kind).toBe('requeue');
  });
});
