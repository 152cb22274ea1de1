import { describe, expect, it } from 'vitest';
import { isBackoffReset, nextBackoffSec, remainingBackoffMs, restartBudget, type BackoffPolicy } from '../../../core/fleet/backoff.js';
import { restart, SEC, T0 } from './fleet-fixtures.js';

const backoff: BackoffPolicy = { initial: 5, max: 60, multiplier: 2, resetAfter: 600 };

describe('nextBackoffSec', () => {
  it('waits `initial` before the first restart', () => {
    expect(nextBackoffSec({ backoffSec: 0 }, T0, backoff)).toBe(5);
  });

  it('multiplies the previous delay by `multiplier` and caps it at `max`', () => {
    const delays: number[] = [];
    let backoffSec = 0;
    for (let i = 0; i < 6; i++) {
      backoffSec = nextBackoffSec({ backoffSec }, T0, backoff);
      delays.push(backoffSec);
    }
    expect(delays).toEqual([5, 10, 20, 40, 60, 60]);
  });

  it('starts over from `initial` after a healthy stretch of exactly `resetAfter`, not 1 ms sooner', () => {
    const healthySince = T0;
    expect(nextBackoffSec({ backoffSec: 40, healthySince }, T0 + 600 * SEC - 1, backoff)).toBe(60);
    expect(nextBackoffSec({ backoffSec: 40, healthySince }, T0 + 600 * SEC, backoff)).toBe(5);
  });

  it('never backs off when `initial` is 0', () => {
    const none = { ...backoff, initial: 0 };
    expect(nextBackoffSec({ backoffSec: 0 }, T0, none)).toBe(0);
  });

  it('never exceeds `max`, even when `initial` is above it', () => {
    expect(nextBackoffSec({ backoffSec: 0 }, T0, { ...backoff, initial: 90 })).toBe(60);
  });

  it('is deterministic: the same shard at the same time always waits the same', () => {
    const a = nextBackoffSec({ backoffSec: 10, healthySince: T0 }, T0 + 1234, backoff);
    const b = nextBackoffSec({ backoffSec: 10, healthySince: T0 }, T0 + 1234, backoff);
    expect(a).toBe(b);
  });
});

describe('isBackoffReset', () => {
  it('needs a healthy stretch; a shard with no healthySince is not reset', () => {
    expect(isBackoffReset({}, T0 + 10_000 * SEC, backoff)).toBe(false);
    expect(isBackoffReset({ healthySince: T0 }, T0 + 600 * SEC, backoff)).toBe(true);
  });
});

describe('restartBudget', () => {
  const budget = { maxRestarts: 2, restartWindow: 3600 };
  const now = T0 + 10 * 3600 * SEC;

  it('counts a restart detected 1 ms inside the window and drops one detected exactly a window ago', () => {
    expect(restartBudget([restart(now - 3600 * SEC + 1)], now, budget).used).toBe(1);
    expect(restartBudget([restart(now - 3600 * SEC)], now, budget).used).toBe(0);
  });

  it('is exhausted once `maxRestarts` restarts fall within the window', () => {
    expect(restartBudget([restart(now - 10 * SEC)], now, budget)).toEqual({
      used: 1,
      remaining: 1,
      exhausted: false,
      windowStart: now - 3600 * SEC,
    });
    const spent = restartBudget([restart(now - 20 * SEC), restart(now - 10 * SEC)], now, budget);
    expect(spent.exhausted).toBe(true);
    expect(spent.remaining).toBe(0);
  });

  it('recovers as old restarts age out of the window', () => {
    const restarts = [restart(now - 3700 * SEC), restart(now - 3650 * SEC), restart(now - 10 * SEC)];
    expect(restartBudget(restarts, now, budget)).toMatchObject({ used: 1, exhausted: false });
  });

  it('with maxRestarts 0, the first incident already finds the budget spent', () => {
    expect(restartBudget([], now, { maxRestarts: 0, restartWindow: 60 }).exhausted).toBe(true);
  });
});

describe('remainingBackoffMs', () => {
  it('is the time left until launchNotBefore, and 0 once it has passed or when unset', () => {
    expect(remainingBackoffMs({ launchNotBefore: T0 + 5000 }, T0 + 1000)).toBe(4000);
    expect(remainingBackoffMs({ launchNotBefore: T0 + 5000 }, T0 + 5000)).toBe(0);
    expect(remainingBackoffMs({ launchNotBefore: T0 }, T0 + 1)).toBe(0);
    expect(remainingBackoffMs({}, T0)).toBe(0);
  });
});
