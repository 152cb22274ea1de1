/**
 * Edges of the shard state machine (`core/fleet/shard-lifecycle.ts`) that its main suite left
 * open, written from the survivors of `npm run mutate` (docs/mutation.md): a LOST shard records its
 * incident, a recycle with a trouble cause is refused with a message naming both, the launch
 * re-queue count is cleared by a launch and kept by a shard that fails without one, a restart
 * record of the current generation is not closed by that generation's RUNNING, and a lifecycle
 * event carries a `detail` (and in it a task) only when the transition has one to tell.
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { restartShard, transitionShard, type Incident } from '../../../core/fleet/shard-lifecycle.js';
import { ValidationError } from '../../../core/errors.js';
import { restart, SEC, shard, T0 } from './fleet-fixtures.js';

const lost: Incident = { cause: 'LOST', detail: { lastHeartbeatAgeSec: 40 }, failedAt: ms(T0 + 10 * SEC) };
const crash: Incident = { cause: 'CRASHED', detail: { exitCode: 1 }, failedAt: ms(T0 + 10 * SEC) };
const recycle: Incident = { cause: 'RECYCLED', detail: { lastRssBytes: 900 }, failedAt: ms(T0 + 10 * SEC) };

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, none came');
}

/** An event as the store keeps it: JSON, where a key set to `undefined` disappears but `{}` stays. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('LOST is a trouble status', () => {
  it('entering LOST records the incident, as STALLED and CRASHED do', () => {
    const step = transitionShard(shard({ generation: 3 }), 'LOST', ms(T0 + 50 * SEC), { incident: lost });
    expect(step.record.restarts).toEqual([
      { fromGeneration: 3, cause: 'LOST', detail: lost.detail, failedAt: T0 + 10 * SEC, detectedAt: T0 + 50 * SEC, detectionDelaySec: 40 },
    ]);
    expect(step.event.cause).toBe('LOST');
  });

  it('entering LOST without an incident is refused', () => {
    expect(() => transitionShard(shard(), 'LOST', ms(T0))).toThrow(/incident: required to move shard shard-000 of campaign c-1 from RUNNING to LOST/);
  });

  it('a preemption restarts through LOST with its restart record', () => {
    const preempted: Incident = { cause: 'PREEMPTED', detail: { signal: 'SIGTERM' }, failedAt: ms(T0) };
    const steps = restartShard(shard({ generation: 1 }), preempted, ms(T0 + SEC), 2);
    expect(steps.events.map((e) => [e.to, e.cause])).toEqual([
      ['LOST', 'PREEMPTED'],
      ['RESTARTING', undefined],
    ]);
    expect(steps.record.restarts).toMatchObject([{ fromGeneration: 1, cause: 'PREEMPTED', detail: { signal: 'SIGTERM' } }]);
  });
});

describe('a store outage (STORE_UNAVAILABLE)', () => {
  const outage: Incident = { cause: 'STORE_UNAVAILABLE', detail: { note: 'store busy: SQLITE_BUSY for 4.1 s' }, failedAt: ms(T0) };

  it('restarts through LOST, recording its cause', () => {
    const steps = restartShard(shard({ generation: 2 }), outage, ms(T0 + SEC), 1);
    expect(steps.events.map((e) => [e.from, e.to])).toEqual([
      ['RUNNING', 'LOST'],
      ['LOST', 'RESTARTING'],
    ]);
    expect(steps.record.restarts).toMatchObject([{ fromGeneration: 2, cause: 'STORE_UNAVAILABLE' }]);
  });

  it("waits the given delay once and leaves the shard's backoff as it was, as a preemption does", () => {
    const steps = restartShard(shard({ backoffSec: 40 }), outage, ms(T0 + SEC), 1);
    expect(steps.record).toMatchObject({ status: 'RESTARTING', backoffSec: 40, launchNotBefore: T0 + 2 * SEC });
  });
});

describe('an incident whose cause leads elsewhere', () => {
  it('a recycle (RUNNING → RESTARTING) with a trouble cause is refused, naming where that cause leads', () => {
    const error = thrown(() => transitionShard(shard(), 'RESTARTING', ms(T0), { incident: crash, backoffSec: 5 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'incident.cause', message: 'CRASHED leads to CRASHED, not to RESTARTING (shard shard-000 of campaign c-1)' },
    ]);
  });

  it('a RECYCLED incident for a trouble status is refused, naming the recycle', () => {
    const error = thrown(() => transitionShard(shard(), 'CRASHED', ms(T0), { incident: recycle }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'incident.cause', message: 'RECYCLED leads to RESTARTING (a recycle, from RUNNING), not to CRASHED (shard shard-000 of campaign c-1)' },
    ]);
  });
});

describe('peak RSS', () => {
  it('an incident whose RSS equals the peak leaves the peak out of the patch', () => {
    const step = transitionShard(shard({ peakRssBytes: 900 }), 'RESTARTING', ms(T0), { incident: recycle });
    expect(step.patch).not.toHaveProperty('peakRssBytes');
    expect(step.record.peakRssBytes).toBe(900);
  });
});

describe('launch re-queues', () => {
  it('a launch clears the count of re-queued launches', () => {
    const step = transitionShard(shard({ status: 'PENDING', taskId: undefined, launchRequeues: 2 }), 'LAUNCHING', ms(T0), { taskId: 'task-1' });
    expect(step.patch).toHaveProperty('launchRequeues', undefined);
    expect(step.record.launchRequeues).toBeUndefined();
  });

  it('a shard failed for a launch that never happened keeps its re-queue count as evidence', () => {
    const waiting = shard({ status: 'RESTARTING', generation: 2, taskId: undefined, launchRequeues: 3 });
    const step = transitionShard(waiting, 'FAILED', ms(T0), { reason: 'launch never happened' });
    expect(step.patch).not.toHaveProperty('launchRequeues');
    expect(step.record.launchRequeues).toBe(3);
  });
});

describe('closing the open restart record', () => {
  it("a restart record of the current generation stays open on that generation's RUNNING", () => {
    const own = restart(T0, { fromGeneration: 2 });
    const step = transitionShard(shard({ status: 'LAUNCHING', generation: 2, restarts: [own] }), 'RUNNING', ms(T0 + 30 * SEC));
    expect(step.patch).not.toHaveProperty('restarts');
    expect(step.record.restarts).toEqual([own]);
  });
});

describe('lifecycle event detail', () => {
  it('a transition with nothing to tell stores an event without detail', () => {
    const launching = transitionShard(shard({ status: 'PENDING', taskId: undefined, launchedAt: undefined }), 'LAUNCHING', ms(T0 + SEC));
    expect(stored(launching.event)).toEqual({
      at: T0 + SEC,
      campaignId: 'c-1',
      shardId: 'shard-000',
      generation: 0,
      type: 'shard.status',
      from: 'PENDING',
      to: 'LAUNCHING',
    });
  });

  it('a task kept across the transition is not named as a previous task', () => {
    const running = transitionShard(shard({ status: 'LAUNCHING', taskId: 'task-1' }), 'RUNNING', ms(T0 + SEC));
    expect(stored(running.event)).not.toHaveProperty('detail');
    const completed = transitionShard(shard({ taskId: 'task-1' }), 'COMPLETED', ms(T0 + 2 * SEC), { reason: 'exited 0 at the campaign end' });
    expect(stored(completed.event)).toHaveProperty('detail', { reason: 'exited 0 at the campaign end' });
  });
});
