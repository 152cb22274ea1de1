import { describe, expect, it } from 'vitest';
import { passFits, passOffsetsMs, worstStallDetectionSec } from '../../../core/fleet/watchdog-cadence.js';
import { defaultConfirmAfterSec } from '../../../core/fleet/watchdog-policy.js';
import { runWatchdogPasses, watchdogIntervalSec } from '../../../functions/watchdog.js';
import type { FleetRuntime } from '../../../functions/fleet-runtime.js';
import { ValidationError } from '../../../core/errors.js';

describe('watchdog cadence on a one-minute trigger', () => {
  it('plans 60 / interval passes, evenly spaced from the start of the invocation', () => {
    expect(passOffsetsMs(15)).toEqual([0, 15_000, 30_000, 45_000]);
    expect(passOffsetsMs(20)).toEqual([0, 20_000, 40_000]);
    expect(passOffsetsMs(60)).toEqual([0]);
  });

  it('runs a pass only when its start, the slowest pass so far (at least 5 s) and a 3 s margin fit in the time left', () => {
    expect(passFits(45_000, 53_000, 4_000)).toBe(true); // 45 + 5 + 3 = 53
    expect(passFits(45_000, 52_999, 4_000)).toBe(false);
    expect(passFits(45_000, 58_000, 11_000)).toBe(false); // a slow fleet: 45 + 11 + 3 > 58
  });

  it('bounds the detection of a silent stall: staleAfter + one interval to suspect + the confirmation rounded up to passes', () => {
    // The defaults: staleAfter 45 s, confirmation 4.5 s, passes every 15 s → at most 75 s.
    expect(worstStallDetectionSec(45, defaultConfirmAfterSec(45), 15)).toBe(75);
    // One pass a minute, as before this cadence: 165 s.
    expect(worstStallDetectionSec(45, defaultConfirmAfterSec(45), 60)).toBe(165);
  });

  it('reads the cadence the stack sets, and names a bad one', () => {
    expect(watchdogIntervalSec({})).toBe(15);
    expect(watchdogIntervalSec({ ARBFLEET_WATCHDOG_INTERVAL_SEC: '30' })).toBe(30);
    expect(() => watchdogIntervalSec({ ARBFLEET_WATCHDOG_INTERVAL_SEC: '7' })).toThrow(ValidationError);
  });
});

describe('one watchdog invocation (functions/watchdog.ts) on virtual time', () => {
  /** A runtime whose pass takes `passMs` of virtual time and records when it started; dead letters are read in no time. */
  function fakeRuntime(clock: { now: number }, passMs: number, starts: number[], deadLetterReads: number[] = []): FleetRuntime {
    return {
      watchdog: {
        failDeadLetteredLaunches: async () => {
          deadLetterReads.push(clock.now);
          return [];
        },
        pass: async () => {
          starts.push(clock.now);
          clock.now += passMs;
          return [{ shard: { campaignId: 'c', shardId: 's' }, verdict: 'healthy' as const }];
        },
      },
      store: { listActiveShards: async () => [] },
      context: { clock: { now: () => clock.now }, log: { log: () => undefined } },
    } as unknown as FleetRuntime;
  }

  function invocation(clock: { now: number }, timeoutMs: number) {
    const start = clock.now;
    return {
      intervalSec: 15 as const,
      remainingMs: () => timeoutMs - (clock.now - start),
      sleep: async (ms: number) => {
        clock.now += ms;
      },
      elapsedMs: () => clock.now,
    };
  }

  it('runs four passes 15 s apart within the 58 s timeout', async () => {
    const clock = { now: 1_000 };
    const starts: number[] = [];
    const deadLetterReads: number[] = [];
    const { passes } = await runWatchdogPasses(fakeRuntime(clock, 2_000, starts, deadLetterReads), invocation(clock, 58_000));
    expect(starts.map((t) => t - 1_000)).toEqual([0, 15_000, 30_000, 45_000]);
    expect(deadLetterReads, 'the dead letters are read once an invocation, before its passes').toEqual([1_000]);
    expect(passes.map((p) => p.verdicts)).toEqual(Array(4).fill({ healthy: 1 }));
  });

  it('leaves a pass that would not finish in time to the next invocation', async () => {
    const clock = { now: 0 };
    const starts: number[] = [];
    await runWatchdogPasses(fakeRuntime(clock, 12_000, starts), invocation(clock, 58_000));
    expect(starts).toEqual([0, 15_000, 30_000]); // 45 + 12 + 3 > 58
  });
});
