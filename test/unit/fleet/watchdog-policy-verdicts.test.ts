/**
 * The watchdog's verdicts (`core/fleet/watchdog-policy.ts`) where `watchdog-policy.test.ts` does
 * not look closely: what a verdict leaves out (no key set to `undefined`: the DynamoDB document
 * client refuses undefined attributes unless told to drop them, and a report reads "signal:
 * undefined" wrong), the exact words of its reasons, and the edges of the campaign's end, the
 * recycle threshold, a just-launched task and a launch due since a later update. Written from the
 * survivors of `npm run mutate` (docs/mutation.md).
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { CampaignConfigSchema } from '../../../core/config/campaign-config.js';
import type { ShardRecord } from '../../../core/model/records.js';
import { assessShard, classifyStop, isCampaignStopReason, overdueLaunch, watchdogPolicyFor, type Verdict } from '../../../core/fleet/watchdog-policy.js';
import { GIB, heartbeat, policy, SEC, shard, T0, task } from './fleet-fixtures.js';

const END = T0 + 3600 * SEC;

function expectKind<K extends Verdict['kind']>(verdict: Verdict, kind: K): Extract<Verdict, { kind: K }> {
  expect(verdict, JSON.stringify(verdict)).toMatchObject({ kind });
  return verdict as Extract<Verdict, { kind: K }>;
}

/** A RUNNING shard of generation 1 on task-1 whose heartbeat arrived at `receivedAt`. */
function running(receivedAt: number, overrides: Partial<ShardRecord> = {}, rssBytes = 200 * 1024 * 1024): ShardRecord {
  return shard({
    generation: 1,
    taskId: 'task-1',
    heartbeat: heartbeat(1, receivedAt, { ticks: 100, rssBytes }),
    observedTicks: 100,
    observedTicksSince: receivedAt,
    healthySince: T0,
    peakRssBytes: 200 * 1024 * 1024,
    ...overrides,
  });
}

const stopped = (overrides: Parameters<typeof task>[0] = {}) => task({ taskId: 'task-1', state: 'STOPPED', stoppedAt: T0 + 10 * SEC, ...overrides });

describe('what a verdict leaves out', () => {
  it('watchdogPolicyFor without a known end has no campaignEndsAt key', () => {
    const config = CampaignConfigSchema.parse({
      name: 'soak',
      symbols: ['BTC'],
      venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 5 } },
    });
    expect(Object.keys(watchdogPolicyFor(config))).not.toContain('campaignEndsAt');
  });

  it("a stop's detail holds only what the runtime said: no key for an absent exit code, signal, stop code, reason or stderr", () => {
    const spot = classifyStop(task({ state: 'STOPPED', stopCode: 'SpotInterruption' }), END);
    expect(spot).toStrictEqual({ cause: 'PREEMPTED', detail: { stopCode: 'SpotInterruption', note: 'stopped from outside: ECS stop code SpotInterruption' } });
    const crash = classifyStop(task({ state: 'STOPPED', exitCode: 1 }), END);
    expect(crash).toStrictEqual({ cause: 'CRASHED', detail: { exitCode: 1 } });
  });

  it('a verdict of trouble after the end, judged on a stopped task, names no task to stop', () => {
    const v = expectKind(
      assessShard(running(T0), stopped({ exitCode: 1, stoppedAt: END - 10 * SEC }), END + 5 * SEC, policy({ campaignEndsAt: END })),
      'complete',
    );
    expect(Object.keys(v)).not.toContain('stopTaskId');
  });

  it('isCampaignStopReason of no reason is false', () => {
    expect(isCampaignStopReason(undefined)).toBe(false);
  });
});

describe('classifyStop', () => {
  it('an exit code of null (no exit at all) is a crash noted as such', () => {
    expect(classifyStop(task({ state: 'STOPPED', exitCode: null }), END)).toMatchObject({
      cause: 'CRASHED',
      detail: { note: 'the task stopped without an exit code (it may never have started)' },
    });
  });
});

describe('a stopped task, judged', () => {
  it('complete: the reason names how it stopped and who ended it', () => {
    const fleet = 'arbfleet: campaign ended';
    const reasonOf = (t: ReturnType<typeof stopped>, final?: Parameters<typeof heartbeat>[2]) => {
      const s = final ? running(T0, { heartbeat: heartbeat(1, T0, { ticks: 100, ...final }) }) : running(T0);
      return expectKind(assessShard(s, t, T0 + 20 * SEC, policy()), 'complete').reason;
    };
    expect(reasonOf(stopped({ exitCode: 0, stoppedReason: fleet }))).toBe(`task task-1 exited 0 on the fleet's stop (${fleet})`);
    expect(reasonOf(stopped({ exitCode: 137, signal: 'SIGKILL', stoppedReason: fleet }))).toBe(
      `task task-1 stopped (exit 137, signal SIGKILL) on the fleet's stop (${fleet})`,
    );
    expect(reasonOf(stopped({ exitCode: null, signal: 'SIGTERM', stoppedReason: fleet }))).toBe(
      `task task-1 stopped (signal SIGTERM) on the fleet's stop (${fleet})`,
    );
    expect(reasonOf(stopped({ exitCode: null, stoppedReason: fleet }))).toBe(`task task-1 stopped (no exit code) on the fleet's stop (${fleet})`);
    expect(reasonOf(stopped({ stoppedReason: fleet }))).toBe(`task task-1 stopped (no exit code) on the fleet's stop (${fleet})`);
    expect(reasonOf(stopped({ exitCode: 0 }), { stop: { by: 'feed-done' } })).toBe('task task-1 exited 0 when its replay ended');
    expect(reasonOf(stopped({ exitCode: 0 }), { stop: { by: 'deadline' } })).toBe("task task-1 exited 0 at the campaign's end by its own clock");
    const atEnd = expectKind(assessShard(running(T0), stopped({ exitCode: 1, stoppedAt: END }), END + SEC, policy({ campaignEndsAt: END })), 'complete');
    expect(atEnd).toMatchObject({ reason: 'task task-1 stopped (exit 1) at the campaign end', by: 'campaign-end' });
  });

  it('a crash before the end: restarted while the campaign runs, completed when judged at or after the end', () => {
    const crash = stopped({ exitCode: 1, stoppedAt: END - 10 * SEC });
    expectKind(assessShard(running(T0), crash, END - SEC, policy({ campaignEndsAt: END })), 'restart');
    const atEnd = expectKind(assessShard(running(T0), crash, END, policy({ campaignEndsAt: END })), 'complete');
    expect(atEnd.reason).toBe(`campaign ended at ${new Date(END).toISOString()}; shard shard-000 is not restarted after CRASHED`);
  });

  it('bad input: failed, not retried, the reason quoting the last line said (trimmed, at most 300 characters), the budget as used', () => {
    const p = policy({ maxRestarts: 3, restartWindowSec: 3600 });
    const at = T0 + 20 * SEC;
    const v = expectKind(assessShard(running(T0), stopped({ exitCode: 2, stderrTail: 'loading\n   config: symbols is empty   \n\n' }), at, p), 'fail');
    expect(v.reason).toBe('bad input, not retried: the engine exited 2: config: symbols is empty');
    expect(v.budget).toEqual({ used: 0, remaining: 3, exhausted: false, windowStart: at - 3600 * SEC });
    const silent = expectKind(assessShard(running(T0), stopped({ exitCode: 2 }), at, p), 'fail');
    expect(silent.reason).toBe('bad input, not retried: the engine exited 2');
    const long = expectKind(assessShard(running(T0), stopped({ exitCode: 2, stderrTail: 'x'.repeat(400) }), at, p), 'fail');
    expect(long.reason).toBe(`bad input, not retried: the engine exited 2: ${'x'.repeat(300)}`);
  });

  it("bad input through the task agent: the reason says it once, quoting the engine's line, not the agent's preamble", () => {
    const at = T0 + 20 * SEC;
    const agentLine = 'arbfleet-agent: bad-input: engine exited 2 (bad input: not retried); its last stderr line: fake-engine: no price file for BTC';
    const v = expectKind(
      assessShard(running(T0), stopped({ exitCode: 2, stderrTail: `fake-engine: no price file for BTC\n${agentLine}\n` }), at, policy()),
      'fail',
    );
    expect(v.reason).toBe('bad input, not retried: the engine exited 2: fake-engine: no price file for BTC');
    const bare = 'arbfleet-agent: bad-input: engine exited 2 (bad input: not retried)';
    const quiet = expectKind(assessShard(running(T0), stopped({ exitCode: 2, stderrTail: bare }), at, policy()), 'fail');
    expect(quiet.reason).toBe('bad input, not retried: the engine exited 2');
    const own = 'arbfleet-agent: bad-input: engine speaks task protocol 2: this agent speaks 1 (docs/task-protocol.md)';
    const refused = expectKind(assessShard(running(T0), stopped({ exitCode: 2, stderrTail: own }), at, policy()), 'fail');
    expect(refused.reason).toBe('bad input, not retried: the engine exited 2: engine speaks task protocol 2: this agent speaks 1 (docs/task-protocol.md)');
  });

  it('a task just launched and reported STOPPED is judged, not taken for a runtime that has not caught up', () => {
    const launching = shard({ status: 'LAUNCHING', generation: 1, taskId: 'task-1', launchedAt: ms(T0) });
    expectKind(assessShard(launching, stopped({ exitCode: 1 }), T0 + 10 * SEC, policy()), 'restart');
  });
});

describe('stale readings and health', () => {
  it('a stale reading exactly at the end completes; 1 ms before, it is suspected', () => {
    const lost = running(END - 60 * SEC);
    const atEnd = expectKind(assessShard(lost, task({ taskId: 'task-1' }), END, policy({ campaignEndsAt: END })), 'complete');
    expect(atEnd.reason).toBe(
      `campaign ended at ${new Date(END).toISOString()}; shard shard-000 is not restarted after LOST: no heartbeat for 60s (staleAfter 45s, about 6 intervals missed)`,
    );
    expectKind(assessShard(lost, task({ taskId: 'task-1' }), END - 1, policy({ campaignEndsAt: END })), 'suspect');
  });

  it("a suspect verdict also records the heartbeat's observations (its peak RSS)", () => {
    const v = expectKind(assessShard(running(T0, {}, 300 * 1024 * 1024), task({ taskId: 'task-1' }), T0 + 45 * SEC, policy()), 'suspect');
    expect(v.patch).toEqual({ suspectSince: T0 + 45 * SEC, peakRssBytes: 300 * 1024 * 1024 });
  });

  it('LAUNCH_TIMEOUT counts from the launch, not from a later update of the record', () => {
    const launching = shard({ status: 'LAUNCHING', generation: 1, taskId: 'task-1', launchedAt: ms(T0), updatedAt: ms(T0 + 100 * SEC) });
    const v = expectKind(assessShard(launching, task({ taskId: 'task-1' }), T0 + 180 * SEC, policy()), 'suspect');
    expect(v.cause).toBe('LAUNCH_TIMEOUT');
    expect(v.reason).toBe('no heartbeat from generation 1 within 180s of its launch (launchTimeout 180s)');
  });

  it('a LOST note gives fractional seconds without trailing zeros', () => {
    const v = expectKind(assessShard(running(T0), task({ taskId: 'task-1' }), T0 + 45_500, policy()), 'suspect');
    expect(v.reason).toBe('no heartbeat for 45.5s (staleAfter 45s, about 4 intervals missed)');
  });

  it('a RUNNING shard healthy again confirms no launch (only a LAUNCHING one does)', () => {
    const v = expectKind(assessShard(running(T0), task({ taskId: 'task-1' }), T0 + 10 * SEC, policy()), 'healthy');
    expect(v.launchConfirmed).toBe(false);
    expect(Object.keys(v)).not.toContain('firstHeartbeatAt');
  });

  it('a heartbeat without ticksSince on a shard that saw the same count but not since when: the observation is recorded', () => {
    const s = running(T0, { observedTicksSince: undefined });
    const v = expectKind(assessShard(s, task({ taskId: 'task-1' }), T0 + SEC, policy()), 'healthy');
    expect(v.patch).toMatchObject({ observedTicks: 100, observedTicksSince: T0 });
  });
});

describe('the memory recycle', () => {
  const at = 0.8 * GIB;
  it('RSS exactly at the threshold recycles; 1 byte under does not', () => {
    expectKind(assessShard(running(T0, {}, at), task({ taskId: 'task-1' }), T0 + SEC, policy()), 'restart');
    expectKind(assessShard(running(T0, {}, at - 1), task({ taskId: 'task-1' }), T0 + SEC, policy()), 'healthy');
  });

  it('a LAUNCHING shard whose first heartbeat is over the threshold is confirmed, not recycled (only a RUNNING one is)', () => {
    const launching = shard({ status: 'LAUNCHING', generation: 1, taskId: 'task-1', launchedAt: ms(T0), heartbeat: heartbeat(1, T0 + SEC, { rssBytes: GIB }) });
    expect(expectKind(assessShard(launching, task({ taskId: 'task-1' }), T0 + 2 * SEC, policy()), 'healthy').launchConfirmed).toBe(true);
  });

  it('after the campaign has ended nothing is recycled', () => {
    expectKind(assessShard(running(END, {}, GIB), task({ taskId: 'task-1' }), END + SEC, policy({ campaignEndsAt: END })), 'healthy');
  });
});

describe('skips', () => {
  it('a RESTARTING shard names its backoff; a stranger task names the shard has none yet', () => {
    const waiting = shard({ status: 'RESTARTING', generation: 2, taskId: undefined, launchNotBefore: T0 + 5 * SEC });
    expect(assessShard(waiting, undefined, T0, policy())).toEqual({
      kind: 'ignore',
      reason: `shard is awaiting the launch of generation 2 (backoff until ${new Date(T0 + 5 * SEC).toISOString()})`,
    });
    const noBackoff = shard({ status: 'RESTARTING', generation: 2, taskId: undefined });
    expect(assessShard(noBackoff, undefined, T0, policy())).toEqual({ kind: 'ignore', reason: 'shard is awaiting the launch of generation 2' });
    const fresh = shard({ status: 'LAUNCHING', generation: 1, taskId: undefined });
    expect(assessShard(fresh, task({ taskId: 'task-9' }), T0, policy())).toEqual({
      kind: 'ignore',
      reason: "task task-9 is not the shard's current task (none yet): it belongs to an older generation",
    });
  });
});

describe('overdueLaunch', () => {
  it('before any re-queue, the launch is due since the latest of its updates, not an earlier launchNotBefore', () => {
    const timeout = 180 * SEC;
    const s = shard({ status: 'RESTARTING', taskId: undefined, launchNotBefore: T0, updatedAt: ms(T0 + 10 * timeout) });
    expect(overdueLaunch(s, T0 + 11 * timeout, 180)).toMatchObject({ kind: 'requeue', dueSince: T0 + 10 * timeout });
  });
});
