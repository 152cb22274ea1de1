/**
 * The stall-detection bound (`worstStallDetectionSec`, `core/fleet/watchdog-cadence.ts`) when the
 * confirmation takes more than one pass, and when it takes none: passes are counted up to whole
 * intervals, and at least one. Written from a survivor of `npm run mutate` (docs/mutation.md):
 * `Math.max(1, …)` read as `Math.min(1, …)` went unseen, every case having confirmed within one pass.
 */
import { describe, expect, it } from 'vitest';
import { worstStallDetectionSec } from '../../../core/fleet/watchdog-cadence.js';

describe('worstStallDetectionSec', () => {
  it('a confirmation longer than an interval waits for as many whole passes as it needs', () => {
    // 45 s stale, one 15 s interval to suspect, 31 s of confirmation = 3 passes of 15 s.
    expect(worstStallDetectionSec(45, 31, 15)).toBe(45 + 15 + 45);
  });

  it('no confirmation still takes one more pass', () => {
    expect(worstStallDetectionSec(45, 0, 15)).toBe(45 + 15 + 15);
  });
});
