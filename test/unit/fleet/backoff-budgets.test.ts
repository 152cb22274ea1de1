/**
 * The two restart budgets (`core/fleet/backoff.ts`) kept apart: crashes never spend the
 * preemption budget, as preemptions never spend the crash budget. Written from a survivor of
 * `npm run mutate` (docs/mutation.md): the preemption budget counting every restart went unseen.
 */
import { describe, expect, it } from 'vitest';
import { preemptionBudget, restartBudget } from '../../../core/fleet/backoff.js';
import { restart, SEC, T0 } from './fleet-fixtures.js';

describe('restart and preemption budgets', () => {
  const now = T0 + 600 * SEC;
  const window = { restartWindow: 3600 };
  const restarts = [
    restart(T0, { cause: 'CRASHED' }),
    restart(T0 + 60 * SEC, { cause: 'OOM' }),
    restart(T0 + 120 * SEC, { cause: 'STALLED' }),
    restart(T0 + 180 * SEC, { cause: 'PREEMPTED' }),
  ];

  it('crashes, OOMs and stalls do not spend the preemption budget', () => {
    expect(preemptionBudget(restarts, now, { maxPreemptions: 2, ...window })).toEqual({
      used: 1,
      remaining: 1,
      exhausted: false,
      windowStart: now - 3600 * SEC,
    });
  });

  it('preemptions do not spend the crash budget', () => {
    expect(restartBudget(restarts, now, { maxRestarts: 4, ...window })).toMatchObject({ used: 3, remaining: 1, exhausted: false });
  });
});
