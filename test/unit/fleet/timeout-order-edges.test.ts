/**
 * The orderings `timeoutOrderIssues` checks (`core/fleet/timeouts.ts`), each at its edge: a
 * heartbeat exactly as old as the self-fence or the watchdog's kill, and a self-fence plus lock wait
 * exactly at the kill, are broken orderings (strictly under is the rule). Written from survivors of
 * `npm run mutate` (docs/mutation.md): no case broke the watchdog-kill ordering, and none sat on an
 * edge. Integer seconds, so the sums are exact.
 */
import { describe, expect, it } from 'vitest';
import { type ShardTimeouts, timeoutOrderIssues } from '../../../core/fleet/timeouts.js';

// A tolerated stall leaves a heartbeat H + T + W + R = 1 + 4 + 1 + 1 = 7 s old; the engine has
// exited by F + W + R = 10 s, half the confirmation (0.5 s) before the kill at 10.5 s.
const base: ShardTimeouts = {
  heartbeatIntervalSec: 1,
  staleAfterSec: 5,
  confirmAfterSec: 1,
  engineLockWaitSec: 1,
  storeRetrySec: 1,
  storeStallToleranceSec: 4,
  selfFenceSec: 8,
  commitBoundSec: 8,
  watchdogKillSec: 10.5,
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
      expect.stringMatching(/^the engine's exit at 10s leaves -3s before the watchdog's kill 7s/),
    ]);
  });

  it("a self-fence plus lock wait exactly at the watchdog's kill breaks it", () => {
    expect(timeoutOrderIssues({ ...base, watchdogKillSec: 9 })).toEqual([
      "self-fence 8s + lock wait 1s is not under the watchdog's kill 9s",
      expect.stringMatching(/^the engine's exit at 10s leaves -1s before/),
    ]);
  });

  it("an engine exit less than half the confirmation before the watchdog's kill breaks it (the kill may win and book LOST)", () => {
    expect(timeoutOrderIssues({ ...base, watchdogKillSec: 10.4 })).toEqual([
      "the engine's exit at 10s leaves 0.4s before the watchdog's kill 10.4s, under 0.5s (half the confirmation): the kill may win and book LOST",
    ]);
  });
});
