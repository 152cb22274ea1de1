import { describe, expect, it } from 'vitest';
import { assessShard, type Verdict } from '../../../core/fleet/watchdog-policy.js';
import { progressCount, TicksSince } from '../../../core/fleet/ticks-since.js';
import type { ShardRecord } from '../../../core/model/records.js';
import { heartbeat, policy, SEC, shard, T0, task } from './fleet-fixtures.js';

const STALE = 45 * SEC;

function expectKind<K extends Verdict['kind']>(verdict: Verdict, kind: K): Extract<Verdict, { kind: K }> {
  expect(verdict, JSON.stringify(verdict)).toMatchObject({ kind });
  return verdict as Extract<Verdict, { kind: K }>;
}

/** A RUNNING shard of generation 1 whose stores dated its standing progress (turns, else ticks) `ticksSince`. */
function running(receivedAt: number, ticksSince: number, progress: { ticks: number; turns?: number; feedDone?: boolean }): ShardRecord {
  const hb = { ...heartbeat(1, receivedAt, progress), ticksSince };
  return shard({ generation: 1, taskId: 'task-1', heartbeat: hb, healthySince: T0 });
}

describe('the stall rule follows the engine loop (turns), not the arrival of quotes', () => {
  it('dates standing progress on turns when heartbeats carry them: ticks standing still in a quiet market do not count', () => {
    const since = new TicksSince();
    expect(since.next({ ticks: 50, turns: 10 }, T0)).toBe(T0);
    expect(since.next({ ticks: 50, turns: 11 }, T0 + SEC)).toBe(T0 + SEC); // quiet market: no quote, the loop turns
    expect(since.next({ ticks: 50, turns: 11 }, T0 + 2 * SEC)).toBe(T0 + SEC);
    expect(progressCount({ ticks: 50 })).toBe(50); // an older heartbeat: ticks
    expect(progressCount({ ticks: 50, turns: 7 })).toBe(7);
  });

  it('is healthy while turns moved 1 ms less than staleAfter ago, though ticks have stood still far longer', () => {
    const now = T0 + 10 * STALE;
    const quiet = running(now - SEC, now - STALE + 1, { ticks: 100, turns: 5000 });
    expectKind(assessShard(quiet, undefined, now, policy()), 'healthy');
  });

  it('suspects a stall once turns have stood still for staleAfter, naming turns and ticks', () => {
    const now = T0 + STALE;
    const v = expectKind(assessShard(running(now - SEC, T0, { ticks: 100, turns: 5000 }), undefined, now, policy()), 'suspect');
    expect(v.cause).toBe('STALLED');
    expect(v.reason).toBe('heartbeats keep coming but the engine loop has stood at 5000 turns (100 ticks) for 45s (staleAfter 45s)');
  });

  it('falls back on ticks for a heartbeat without turns (its note says ticks)', () => {
    const now = T0 + STALE;
    const v = expectKind(assessShard(running(now - SEC, T0, { ticks: 100 }), undefined, now, policy()), 'suspect');
    expect(v.reason).toMatch(/ticks have stood at 100 for 45s/);
  });

  it('completes a task that exits 0 after its heartbeat said feedDone, before the campaign end: the engine’s own end', () => {
    const now = T0 + 60 * SEC;
    const done = running(now - SEC, now - SEC, { ticks: 62, turns: 300, feedDone: true });
    const v = expectKind(
      assessShard(done, task({ taskId: 'task-1', state: 'STOPPED', exitCode: 0, stoppedAt: now }), now, policy({ campaignEndsAt: now + 50 * SEC })),
      'complete',
    );
    expect(v.by).toBe('engine');
    expect(v.reason).toBe('task task-1 exited 0 when its replay ended');
  });

  it('restarts an exit 0 before the end as PREEMPTED when the replay had not ended and nothing names an end', () => {
    const now = T0 + 60 * SEC;
    const early = running(now - SEC, now - SEC, { ticks: 62, turns: 300 });
    const v = expectKind(
      assessShard(early, task({ taskId: 'task-1', state: 'STOPPED', exitCode: 0, stoppedAt: now }), now, policy({ campaignEndsAt: now + 50 * SEC })),
      'restart',
    );
    expect(v.incident.cause).toBe('PREEMPTED');
  });
});
