import { ms } from '../../../core/model/units.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canTransitionShard,
  failShard,
  isActiveShard,
  isTerminalShard,
  restartShard,
  SHARD_STATUS_EVENT,
  SHARD_TRANSITIONS,
  transitionShard,
  troubleStatusFor,
  type Incident,
  type ShardTransitionNote,
} from '../../../core/fleet/shard-lifecycle.js';
import { LifecycleEventSchema, ShardRecordSchema, ShardStatusSchema, type ShardStatus } from '../../../core/model/records.js';
import { StateConflictError, ValidationError } from '../../../core/errors.js';
import { SEC, shard, T0 } from './fleet-fixtures.js';

const STATUSES = ShardStatusSchema.options;
const crash: Incident = { cause: 'CRASHED', detail: { exitCode: 1, lastHeartbeatAgeSec: 3 }, failedAt: ms(T0 + 10 * SEC) };
const recycle: Incident = { cause: 'RECYCLED', detail: { lastRssBytes: 900 }, failedAt: ms(T0 + 10 * SEC) };

/** A note that satisfies whatever `from → to` requires. */
function noteFor(from: ShardStatus, to: ShardStatus): ShardTransitionNote {
  if (to === 'STALLED') return { incident: { ...crash, cause: 'STALLED' } };
  if (to === 'CRASHED') return { incident: crash };
  if (to === 'LOST') return { incident: { ...crash, cause: 'LOST' } };
  if (from === 'RUNNING' && to === 'RESTARTING') return { incident: recycle, backoffSec: 5 };
  if (to === 'RESTARTING') return { backoffSec: 5 };
  return {};
}

describe('transitionShard', () => {
  it('walks PENDING → LAUNCHING → RUNNING → COMPLETED, recording launch and health', () => {
    const launching = transitionShard(shard({ status: 'PENDING', taskId: undefined, launchedAt: undefined }), 'LAUNCHING', ms(T0 + SEC), {
      taskId: 'arn:task/1',
    });
    expect(launching.record).toMatchObject({ status: 'LAUNCHING', launchedAt: T0 + SEC, taskId: 'arn:task/1', updatedAt: T0 + SEC });
    expect(launching.event.detail).toEqual({ taskId: 'arn:task/1' });
    const running = transitionShard(launching.record, 'RUNNING', ms(T0 + 20 * SEC));
    expect(running.record).toMatchObject({ status: 'RUNNING', healthySince: T0 + 20 * SEC });
    const completed = transitionShard(running.record, 'COMPLETED', ms(T0 + 3600 * SEC), { reason: 'exited 0 at the campaign end' });
    expect(completed.record.status).toBe('COMPLETED');
    expect(completed.event).toMatchObject({
      at: T0 + 3600 * SEC,
      campaignId: 'c-1',
      shardId: 'shard-000',
      generation: 0,
      type: SHARD_STATUS_EVENT,
      from: 'RUNNING',
      to: 'COMPLETED',
      detail: { reason: 'exited 0 at the campaign end' },
    });
    for (const step of [launching, running, completed]) {
      expect(() => ShardRecordSchema.parse(step.record)).not.toThrow();
      expect(() => LifecycleEventSchema.parse(step.event)).not.toThrow();
    }
  });

  it('never touches version or the heartbeat: the store owns both', () => {
    const step = transitionShard(shard({ status: 'PENDING' }), 'LAUNCHING', ms(T0));
    expect(step.record.version).toBe(7);
    expect(step.patch).not.toHaveProperty('version');
    expect(step.patch).not.toHaveProperty('heartbeat');
  });

  it('throws StateConflictError naming both statuses for an invalid transition', () => {
    const done = shard({ status: 'COMPLETED' });
    expect(() => transitionShard(done, 'RUNNING', ms(T0))).toThrow(StateConflictError);
    expect(() => transitionShard(done, 'RUNNING', ms(T0))).toThrow(
      'shard shard-000 of campaign c-1 (generation 0) cannot go from COMPLETED to RUNNING: COMPLETED is terminal',
    );
    expect(() => transitionShard(shard({ status: 'PENDING' }), 'RUNNING', ms(T0))).toThrow(
      'cannot go from PENDING to RUNNING: from PENDING it may go to LAUNCHING, COMPLETED, FAILED',
    );
  });

  it('allows exactly the transitions in the table, and no status to itself', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const attempt = () => transitionShard(shard({ status: from }), to, ms(T0 + 60 * SEC), noteFor(from, to));
        if (SHARD_TRANSITIONS[from].includes(to)) expect(attempt().record.status).toBe(to);
        else expect(attempt).toThrow(StateConflictError);
        if (from === to) expect(canTransitionShard(from, to)).toBe(false);
      }
    }
  });

  it('records the incident on entering a trouble status: cause, evidence, detection time and delay', () => {
    const step = transitionShard(shard({ generation: 2, suspectSince: T0, healthySince: T0 }), 'CRASHED', ms(T0 + 12_500), { incident: crash });
    expect(step.record.restarts).toEqual([
      { fromGeneration: 2, cause: 'CRASHED', detail: crash.detail, failedAt: T0 + 10 * SEC, detectedAt: T0 + 12_500, detectionDelaySec: 2.5 },
    ]);
    expect(step.record.suspectSince).toBeUndefined();
    expect(step.record.healthySince).toBeUndefined();
    expect(step.event).toMatchObject({ cause: 'CRASHED', detail: { exitCode: 1, lastHeartbeatAgeSec: 3, failedAt: T0 + 10 * SEC } });
  });

  it("raises the peak RSS to the incident's last reading, never lowers it", () => {
    const high = { ...recycle, detail: { lastRssBytes: 900 } };
    expect(transitionShard(shard({ peakRssBytes: 800 }), 'RESTARTING', ms(T0), { incident: high }).record.peakRssBytes).toBe(900);
    expect(transitionShard(shard({ peakRssBytes: 950 }), 'RESTARTING', ms(T0), { incident: high }).patch).not.toHaveProperty('peakRssBytes');
  });

  it('refuses to enter a trouble status without an incident, or with a cause that leads elsewhere', () => {
    expect(() => transitionShard(shard(), 'CRASHED', ms(T0))).toThrow(ValidationError);
    expect(() => transitionShard(shard(), 'CRASHED', ms(T0))).toThrow(/incident: required to move shard shard-000 of campaign c-1 from RUNNING to CRASHED/);
    expect(() => transitionShard(shard(), 'LOST', ms(T0), { incident: { ...crash, cause: 'OOM' } })).toThrow(/OOM leads to CRASHED, not to LOST/);
  });

  it('bumps the generation by one on entering RESTARTING and forgets the old generation', () => {
    const crashed = transitionShard(
      shard({ generation: 4, observedTicks: 10, observedTicksSince: T0, taskId: 'task-4', launchedAt: ms(T0), launchNotBefore: T0 }),
      'CRASHED',
      ms(T0 + 11 * SEC),
      { incident: crash },
    );
    const step = transitionShard(crashed.record, 'RESTARTING', ms(T0 + 11 * SEC), { backoffSec: 20 });
    expect(step.record).toMatchObject({ status: 'RESTARTING', generation: 5, backoffSec: 20, launchNotBefore: T0 + 31 * SEC });
    for (const gone of ['taskId', 'launchedAt', 'healthySince', 'observedTicks', 'observedTicksSince', 'suspectSince'] as const) {
      expect(step.record[gone]).toBeUndefined();
      expect(step.patch).toHaveProperty(gone, undefined);
    }
    expect(step.event).toMatchObject({
      generation: 5,
      detail: { fromGeneration: 4, backoffSec: 20, launchNotBefore: T0 + 31 * SEC, previousTaskId: 'task-4' },
    });
  });

  it('closes the open restart record when the new generation starts running', () => {
    const restarted = restartShard(shard({ generation: 1 }), crash, ms(T0 + 11 * SEC), 5).record;
    const launching = transitionShard(restarted, 'LAUNCHING', ms(T0 + 16 * SEC), { taskId: 'task-2' }).record;
    const running = transitionShard(launching, 'RUNNING', ms(T0 + 40 * SEC), { firstHeartbeatAt: ms(T0 + 38 * SEC) });
    expect(running.record.restarts[0]).toMatchObject({ fromGeneration: 1, restartedAt: T0 + 38 * SEC, downtimeSec: 28 });
    expect(launching.launchNotBefore).toBeUndefined();
  });

  it('leaves a closed restart record alone on a later RUNNING', () => {
    const closed = { ...restartShard(shard(), crash, ms(T0 + 11 * SEC), 5).record.restarts[0]!, restartedAt: ms(T0 + 20 * SEC), downtimeSec: 10 };
    const step = transitionShard(shard({ status: 'LAUNCHING', generation: 1, restarts: [closed] }), 'RUNNING', ms(T0 + 99 * SEC));
    expect(step.patch).not.toHaveProperty('restarts');
  });
});

describe('restartShard', () => {
  it('goes through the trouble status to RESTARTING in one update, with both events in order', () => {
    const steps = restartShard(shard({ generation: 3 }), { ...crash, cause: 'OOM' }, ms(T0 + 11 * SEC), 10, 'OutOfMemoryError');
    expect(steps.events.map((e) => [e.from, e.to, e.generation])).toEqual([
      ['RUNNING', 'CRASHED', 3],
      ['CRASHED', 'RESTARTING', 4],
    ]);
    expect(steps.events[0]?.detail).toMatchObject({ reason: 'OutOfMemoryError' });
    expect(steps.patch).toMatchObject({ status: 'RESTARTING', generation: 4, backoffSec: 10, launchNotBefore: T0 + 21 * SEC });
    expect(steps.patch.restarts).toHaveLength(1);
    expect(steps.record.restarts[0]).toMatchObject({ cause: 'OOM', fromGeneration: 3 });
    expect({ ...shard({ generation: 3 }), ...steps.patch }).toEqual(steps.record);
    expect(() => ShardRecordSchema.parse(steps.record)).not.toThrow();
  });

  it('takes a launch timeout through LOST and a stall through STALLED', () => {
    const lost = restartShard(shard({ status: 'LAUNCHING' }), { ...crash, cause: 'LAUNCH_TIMEOUT' }, ms(T0), 5);
    expect(lost.events.map((e) => e.to)).toEqual(['LOST', 'RESTARTING']);
    const stalled = restartShard(shard(), { ...crash, cause: 'STALLED' }, ms(T0), 5);
    expect(stalled.events.map((e) => e.to)).toEqual(['STALLED', 'RESTARTING']);
  });

  it('recycles a RUNNING shard straight to RESTARTING, recording RECYCLED', () => {
    const steps = restartShard(shard(), recycle, ms(T0 + 11 * SEC), 5);
    expect(steps.events.map((e) => [e.from, e.to, e.cause])).toEqual([['RUNNING', 'RESTARTING', 'RECYCLED']]);
    expect(steps.record.restarts[0]?.cause).toBe('RECYCLED');
    expect(steps.record.generation).toBe(1);
  });

  it('refuses to recycle a shard that is not RUNNING', () => {
    expect(() => restartShard(shard({ status: 'LAUNCHING' }), recycle, ms(T0), 5)).toThrow(StateConflictError);
  });
});

describe('failShard', () => {
  it('goes through the trouble status to FAILED, keeping the incident and the generation', () => {
    const steps = failShard(shard({ generation: 2 }), crash, ms(T0 + 11 * SEC), 'restart budget spent');
    expect(steps.events.map((e) => [e.from, e.to])).toEqual([
      ['RUNNING', 'CRASHED'],
      ['CRASHED', 'FAILED'],
    ]);
    expect(steps.record).toMatchObject({ status: 'FAILED', generation: 2 });
    expect(steps.record.restarts[0]?.restartedAt).toBeUndefined();
    expect(steps.events[1]?.detail).toEqual({ reason: 'restart budget spent' });
  });

  it('never fails a shard for a recycle', () => {
    expect(() => failShard(shard(), recycle, ms(T0), 'budget')).toThrow(/a RECYCLED incident never fails a shard/);
  });
});

describe('shard status predicates', () => {
  it('COMPLETED and FAILED are terminal; everything else is active', () => {
    expect(STATUSES.filter(isTerminalShard)).toEqual(['COMPLETED', 'FAILED']);
    expect(STATUSES.filter(isActiveShard)).toEqual(STATUSES.filter((s) => s !== 'COMPLETED' && s !== 'FAILED'));
  });

  it('maps every cause to its trouble status', () => {
    expect((['STALLED', 'CRASHED', 'OOM', 'LOST', 'LAUNCH_TIMEOUT', 'RECYCLED'] as const).map((c) => troubleStatusFor(c))).toEqual([
      'STALLED',
      'CRASHED',
      'CRASHED',
      'LOST',
      'LOST',
      undefined,
    ]);
  });
});

describe('shard lifecycle property', () => {
  it('along any walk of the table, the generation rises by exactly one per RESTARTING and the record stays valid', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (choices) => {
        let record = shard({ status: 'PENDING', taskId: undefined, launchedAt: undefined });
        let now = T0;
        let restartings = 0;
        for (const choice of choices) {
          const options = SHARD_TRANSITIONS[record.status];
          if (options.length === 0) break;
          const to = options[choice % options.length] as ShardStatus;
          now += 1000;
          const step = transitionShard(record, to, ms(now), noteFor(record.status, to));
          if (to === 'RESTARTING') restartings++;
          expect(step.record.generation).toBe(restartings);
          expect(step.record.updatedAt).toBe(now);
          expect(step.event.generation).toBe(restartings);
          record = step.record;
        }
        expect(() => ShardRecordSchema.parse(record)).not.toThrow();
        expect(record.restarts.every((r) => r.fromGeneration <= record.generation)).toBe(true);
      }),
    );
  });
});
