/**
 * The rules by which the watchdog suspects itself and the store before a stale reading
 * (`core/fleet/observer-policy.ts`), each at its edges: which verdicts are stale, when the
 * observer is late (and when a reading is too old for that to matter), what a deferred verdict
 * says, which shards are still restarting from staleness, and when staleness is massive. Until now
 * exercised only through the services (`test/integration/fleet/mass-staleness.test.ts`,
 * `store-unavailable.test.ts`); written for `npm run mutate` (docs/mutation.md).
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import type { RestartBudget } from '../../../core/fleet/backoff.js';
import {
  deferStale,
  isObserverLate,
  isRestartingFromStaleness,
  massStaleness,
  massStalenessPolicyFor,
  staleCauseOf,
} from '../../../core/fleet/observer-policy.js';
import type { Incident } from '../../../core/fleet/shard-lifecycle.js';
import type { FailVerdict, RestartVerdict, Verdict } from '../../../core/fleet/watchdog-policy.js';
import type { RestartCause } from '../../../core/model/records.js';
import { restart, SEC, T0 } from './fleet-fixtures.js';

const budget: RestartBudget = { used: 1, remaining: 2, exhausted: false, windowStart: T0 };
const incident = (cause: RestartCause, note?: string): Incident => ({
  cause,
  detail: note === undefined ? {} : { note },
  failedAt: ms(T0),
});
const restartOn = (cause: RestartCause, note?: string): RestartVerdict => ({
  kind: 'restart',
  incident: incident(cause, note),
  backoffSec: 5,
  launchNotBefore: T0 + 5 * SEC,
  budget,
  stopTaskId: 'task-1',
});
const failOn = (cause: RestartCause): FailVerdict => ({ kind: 'fail', incident: incident(cause), budget, reason: 'restart budget spent' });

describe('massStalenessPolicyFor', () => {
  it('fills each missing setting with its documented default (0.55, 3, 1)', () => {
    expect(massStalenessPolicyFor({})).toEqual({ massStaleThreshold: 0.55, massStaleMinShards: 3, massRestartsPerPass: 1 });
  });

  it('keeps each setting given', () => {
    expect(massStalenessPolicyFor({ massStaleThreshold: 0.9, massStaleMinShards: 7, massRestartsPerPass: 4 })).toEqual({
      massStaleThreshold: 0.9,
      massStaleMinShards: 7,
      massRestartsPerPass: 4,
    });
  });
});

describe('staleCauseOf', () => {
  it('a suspicion is stale by its own cause', () => {
    const suspect: Verdict = { kind: 'suspect', cause: 'STALLED', patch: {}, suspectSince: T0, confirmAt: T0 + SEC, reason: 'stalled' };
    expect(staleCauseOf(suspect)).toBe('STALLED');
  });

  it('a restart or fail reached on a stale reading (LOST, STALLED, LAUNCH_TIMEOUT) is stale', () => {
    for (const cause of ['LOST', 'STALLED', 'LAUNCH_TIMEOUT'] as const) {
      expect(staleCauseOf(restartOn(cause))).toBe(cause);
      expect(staleCauseOf(failOn(cause))).toBe(cause);
    }
  });

  it('a LOST restart or fail of a task seen stopped (its end not observed) is not: the runtime says it is gone', () => {
    expect(staleCauseOf({ ...restartOn('LOST'), taskStopped: true })).toBeUndefined();
    expect(staleCauseOf({ ...failOn('LOST'), taskStopped: true })).toBeUndefined();
  });

  it('a restart or fail on evidence of an end (a crash, OOM, a stop from outside, a recycle) is not', () => {
    for (const cause of ['CRASHED', 'OOM', 'PREEMPTED', 'STORE_UNAVAILABLE', 'RECYCLED'] as const) {
      expect(staleCauseOf(restartOn(cause))).toBeUndefined();
      expect(staleCauseOf(failOn(cause))).toBeUndefined();
    }
  });

  it('healthy, complete and ignore verdicts are not stale', () => {
    expect(staleCauseOf({ kind: 'ignore', reason: 'terminal' } as Verdict)).toBeUndefined();
    expect(staleCauseOf({ kind: 'complete', reason: 'done', detail: {}, by: 'engine' } as unknown as Verdict)).toBeUndefined();
  });
});

describe('isObserverLate', () => {
  // Store stall tolerance 10 s, kill bound 40 s: a reading stale for 80 s or more is never deferred.
  const late = 10;
  const kill = 40;

  it('a previous pass or a judgement later than the stall tolerance is late; at the tolerance it is not', () => {
    expect(isObserverLate(10_001, 0, late, 0, kill)).toBe(true);
    expect(isObserverLate(10_000, 0, late, 0, kill)).toBe(false);
    expect(isObserverLate(0, 10_001, late, 0, kill)).toBe(true);
    expect(isObserverLate(0, 10_000, late, 0, kill)).toBe(false);
  });

  it('a first pass (no previous one) is judged on how long after its listing the shard is judged', () => {
    expect(isObserverLate(undefined, 10_000, late, 0, kill)).toBe(false);
    expect(isObserverLate(undefined, 10_001, late, 0, kill)).toBe(true);
  });

  it('a reading stale for twice the kill bound is never deferred, however late the observer', () => {
    expect(isObserverLate(60_000, 60_000, late, 79_999, kill)).toBe(true);
    expect(isObserverLate(60_000, 60_000, late, 80_000, kill)).toBe(false);
  });
});

describe('deferStale', () => {
  it('turns a stale restart into a fresh suspicion confirmed a confirmation window later, saying why and what', () => {
    expect(deferStale(restartOn('LOST', 'no heartbeat for 31 s'), T0 + 60 * SEC, 10, 'the watchdog was late')).toEqual({
      kind: 'suspect',
      cause: 'LOST',
      patch: { suspectSince: T0 + 60 * SEC },
      suspectSince: T0 + 60 * SEC,
      confirmAt: T0 + 70 * SEC,
      reason: 'the watchdog was late; no heartbeat for 31 s',
    });
  });

  it('a stale fail is deferred too, its cause named when the incident has no note', () => {
    expect(deferStale(failOn('STALLED'), T0, 10, 'store unavailable')).toMatchObject({
      kind: 'suspect',
      cause: 'STALLED',
      reason: 'store unavailable; STALLED',
    });
  });

  it('leaves a restart on evidence of an end, and a suspicion, as they are', () => {
    const crash = restartOn('CRASHED');
    expect(deferStale(crash, T0, 10, 'late')).toBe(crash);
    const suspect: Verdict = { kind: 'suspect', cause: 'LOST', patch: { suspectSince: T0 }, suspectSince: T0, confirmAt: T0 + SEC, reason: 'lost' };
    expect(deferStale(suspect, T0 + 5 * SEC, 10, 'late')).toBe(suspect);
  });
});

describe('isRestartingFromStaleness', () => {
  it('a shard whose last restart, on a stale reading, has not run yet is still restarting', () => {
    expect(isRestartingFromStaleness({ restarts: [restart(T0, { cause: 'LOST' })] })).toBe(true);
    expect(isRestartingFromStaleness({ restarts: [restart(T0, { cause: 'CRASHED' }), restart(T0 + SEC, { cause: 'STALLED' })] })).toBe(true);
  });

  it('a shard with no restart, a last restart that ran again, or one for a crash is not', () => {
    expect(isRestartingFromStaleness({ restarts: [] })).toBe(false);
    expect(isRestartingFromStaleness({ restarts: [restart(T0, { cause: 'LOST', restartedAt: ms(T0 + SEC) })] })).toBe(false);
    expect(isRestartingFromStaleness({ restarts: [restart(T0, { cause: 'LOST' }), restart(T0 + SEC, { cause: 'CRASHED' })] })).toBe(false);
  });
});

describe('massStaleness', () => {
  const policy = { massStaleThreshold: 0.5, massStaleMinShards: 3, massRestartsPerPass: 2 };

  it('is massive at the minimum count and the threshold share, saying so', () => {
    expect(massStaleness(3, 6, policy)).toEqual({
      kind: 'massive',
      stale: 3,
      active: 6,
      allowed: 2,
      reason:
        '3 of 6 shards (50 %) read stale in the same pass (massStaleThreshold 0.5, massStaleMinShards 3): ' +
        'the store and the watchdog are checked first, and at most 2 shard(s) restarted per pass',
    });
  });

  it('is normal one shard below the minimum, or below the threshold share', () => {
    expect(massStaleness(2, 2, policy)).toEqual({ kind: 'normal' });
    expect(massStaleness(3, 7, policy)).toEqual({ kind: 'normal' });
  });

  it('is normal with no active shard', () => {
    expect(massStaleness(0, 0, { ...policy, massStaleMinShards: 0, massStaleThreshold: 0 })).toEqual({ kind: 'normal' });
  });

  it('rounds the share to a whole percent', () => {
    expect(massStaleness(3, 3, policy)).toMatchObject({ kind: 'massive', reason: expect.stringContaining('3 of 3 shards (100 %)') });
    expect(massStaleness(2, 3, { ...policy, massStaleMinShards: 2 })).toMatchObject({ reason: expect.stringContaining('(67 %)') });
  });
});
