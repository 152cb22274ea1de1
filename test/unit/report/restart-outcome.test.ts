import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { describeRestartOutcome, restartOutcome } from '../../../core/report/restart-outcome.js';
import { restart, SEC, T0 } from '../fleet/fleet-fixtures.js';

const say = (o: ReturnType<typeof restartOutcome>) =>
  describeRestartOutcome(
    o,
    (at) => `+${(at - T0) / SEC}s`,
    (s) => `${s} s`,
  );

describe('what became of a restart', () => {
  it('restarted: when and how long the shard was down', () => {
    const r = restart(T0 + 10 * SEC, { restartedAt: ms(T0 + 14 * SEC), downtimeSec: 4 });
    expect(say(restartOutcome(r, [r], 'RUNNING', 1))).toBe('restarted at +14s (down 4 s)');
  });

  it('relaunched but never heartbeated, as a crash loop leaves every generation but the last', () => {
    const crashes = [0, 1, 2].map((g) => restart(T0 + (g + 1) * 10 * SEC, { fromGeneration: g }));
    expect(crashes.slice(0, 2).map((r) => say(restartOutcome(r, crashes, 'FAILED', 2)))).toEqual([
      'generation 1 launched, never heartbeated',
      'generation 2 launched, never heartbeated',
    ]);
    expect(say(restartOutcome(crashes[2]!, crashes, 'FAILED', 2))).toBe('not restarted (the shard failed)');
  });

  it('not restarted because the campaign ended, or not yet relaunched', () => {
    const r = restart(T0 + 10 * SEC, { fromGeneration: 0 });
    expect(say(restartOutcome(r, [r], 'COMPLETED', 1))).toBe('not restarted (the campaign ended first)');
    expect(say(restartOutcome(r, [r], 'RESTARTING', 1))).toBe('not restarted (generation 1 not launched yet)');
    expect(say(restartOutcome(r, [r], 'LAUNCHING', 1))).toBe('generation 1 launched, never heartbeated');
  });
});
