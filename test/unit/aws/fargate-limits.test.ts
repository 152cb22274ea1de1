import { describe, expect, it } from 'vitest';
import { FargateLaunchLimiter, TokenBucket } from '../../../core/aws/fargate-limits.js';
import { VirtualClock } from '../../../core/clock.js';
import { ValidationError } from '../../../core/errors.js';

/** Grant times (ms after the start) of `calls` RunTask calls of `tasksPerCall` tasks, made one after the other. */
async function grantTimes(calls: number, tasksPerCall = 1): Promise<number[]> {
  const clock = new VirtualClock();
  const start = clock.now();
  const limiter = new FargateLaunchLimiter(clock, async (ms) => clock.advance(ms));
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    await limiter.acquire(tasksPerCall);
    times.push(clock.now() - start);
  }
  return times;
}

/** The most grants within any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('TokenBucket', () => {
  it('serves a full bucket at once, then makes reservations wait for the refill, in order', () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket(3, 2, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    // Reserved back to back without waiting: each later one waits half a second more.
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([500, 1_000, 1_500]);
    expect(bucket.available()).toBe(-3);
  });

  it('refills at its rate but never above its capacity', () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket(10, 5, clock);
    bucket.reserve(10);
    clock.advance(1_000);
    expect(bucket.available()).toBe(5);
    clock.advance(60_000);
    expect(bucket.available()).toBe(10);
    expect(bucket.reserve(10)).toBe(0);
  });

  it('refuses a reservation it could never serve', () => {
    const bucket = new TokenBucket(5, 1, new VirtualClock());
    expect(() => bucket.reserve(6)).toThrow(ValidationError);
    expect(() => bucket.reserve(0)).toThrow(/expected 1 to 5 tokens/);
    expect(() => new TokenBucket(0, 1, new VirtualClock())).toThrow(/capacity/);
  });
});

describe('FargateLaunchLimiter', () => {
  it('makes 20 RunTask calls at once, then paces them at 20 a second', async () => {
    const times = await grantTimes(220);
    expect(times.slice(0, 20)).toEqual(new Array(20).fill(0));
    expect(times[20]).toBe(50);
    expect(times.at(-1)).toBe(10_000); // 20 at once + 200 more at 20/s
    // Sustained: after the first burst, no second holds more than 20 calls.
    expect(busiestWindow(times.slice(20), 1_000)).toBe(20);
  });

  it('holds tasks to a burst of 100, refilled at 20 a second, when calls launch several tasks each', async () => {
    const times = await grantTimes(40, 5);
    expect(times.slice(0, 20)).toEqual(new Array(20).fill(0)); // 100 tasks at once
    expect(times[20]).toBe(250); // then 5 tasks every 250 ms: 20 tasks a second
    expect(times.at(-1)).toBe(5_000);
  });

  it('waits nothing while within the limits', async () => {
    const clock = new VirtualClock();
    const limiter = new FargateLaunchLimiter(clock, async () => {
      throw new Error('should not sleep');
    });
    for (let i = 0; i < 10; i++) {
      expect(await limiter.acquire()).toBe(0);
      clock.advance(100);
    }
  });
});
