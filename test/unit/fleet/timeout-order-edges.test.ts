/**
 * The orderings `timeoutOrderIssues` checks (`core/fleet/timeouts.ts`), each at its edge: a
 * heartbeat exactly as old as the self-fence or the watchdog's kill, and a self-fence plus lock wait
 * exactly at the kill, are broken orderings (strictly under is the rule). Written from survivors of
 * `npm run mutate` (docs/mutation.md): no case broke the watchdog-kill ordering, and none sat on an
 * edge. Integer seconds, so the sums are exact.
 */
import { describe, expect, it } from 'vitest';
import { type ShardTimeouts, timeoutOrderIssues } from '../../../core/fleet/timeouts.js';

// A tolerated stall leaves a heartbeat H + T + W + R = 1 + 4 + 1 + 1 = 7 s old.
const base: ShardTimeouts = {
  heartbeatIntervalSec: 1,
  staleAfterSec: 5,
  confirmAfterSec: 1,
  engineLockWaitSec: 1,
  storeRetrySec: 1,
  storeStallToleranceSec: 4,
  selfFenceSec: 8,
  commitBoundSec: 8,
  watchdogKillSec: 10,
};

describe('timeoutOrderIssues at the edges', () => {
  it('holds when every wait is strictly under the next', () => {
    expect(timeoutOrderIssues(base)).toEqual([]);
  });

  it('a heartbeat as old as the self-fence breaks it', () => {
    expect(timeoutOrderIssues({ ...base, selfFenceSec: 7, commitBoundSec: 7 })).toEqual([
      'a tolerated stall leaves a heartbeat 7s old, not under the self-fence 7s',
    ]);
  });

  it("a heartbeat as old as the watchdog's kill breaks it (and the self-fence past the kill too)", () => {
    expect(timeoutOrderIssues({ ...base, watchdogKillSec: 7 })).toEqual([
      "a tolerated stall leaves a heartbeat 7s old, not under the watchdog's kill 7s",
      "self-fence 8s + lock wait 1s is not under the watchdog's kill 7s",
    ]);
  });

  it("a self-fence plus lock wait exactly at the watchdog's kill breaks it", () => {
    expect(timeoutOrderIssues({ ...base, watchdogKillSec: 9 })).toEqual(["self-fence 8s + lock wait 1s is not under the watchdog's kill 9s"]);
  });
});
