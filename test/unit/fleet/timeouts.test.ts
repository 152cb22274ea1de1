/**
 * One derivation of every wait (`core/fleet/timeouts.ts`): the orderings it promises hold over the
 * config's whole range, and each is a check that a wrong derivation fails.
 */
import { describe, expect, it } from 'vitest';
import { CONFIRM_DEADLINE_SEC, CONTROL_PLANE_LOCK_WAIT_SEC, shardTimeouts, timeoutOrderIssues, type ShardTimeouts } from '../../../core/fleet/timeouts.js';
import { LOCAL_WATCHDOG_DEFAULTS } from '../../../cli/local-fleet.js';
import { WatchdogSchema } from '../../../core/config/campaign-config.js';

describe('shardTimeouts', () => {
  it("gives the local fleet (H 1 s, S 5 s) the table's figures: a 4 s store stall costs nothing, the engine stops at 5.25 s and has exited by 5.35 s, the watchdog kills at 6 s", () => {
    const t = shardTimeouts(LOCAL_WATCHDOG_DEFAULTS);
    expect(t).toEqual({
      heartbeatIntervalSec: 1,
      staleAfterSec: 5,
      confirmAfterSec: 1,
      engineLockWaitSec: 0.05,
      storeRetrySec: 0.05,
      storeStallToleranceSec: 4,
      selfFenceSec: 5.25,
      commitBoundSec: 5.25,
      watchdogKillSec: 6,
    });
  });

  it('gives the config defaults (H 10 s, S 45 s) a 35 s tolerance and caps the lock wait at 2 s for a long staleAfter', () => {
    const defaults = WatchdogSchema.parse({});
    expect(shardTimeouts(defaults)).toMatchObject({ storeStallToleranceSec: 35, engineLockWaitSec: 0.225, selfFenceSec: 46.125, watchdogKillSec: 49.5 });
    const long = shardTimeouts({ heartbeatInterval: 60, staleAfter: 3600 });
    expect(long.confirmAfterSec).toBe(CONFIRM_DEADLINE_SEC);
    expect(long.engineLockWaitSec).toBe(1.5);
    // A short staleAfter still gets a 1 s confirmation (the exit allowance is a fraction of it), never more than staleAfter.
    expect(shardTimeouts({ heartbeatInterval: 1, staleAfter: 3 }).confirmAfterSec).toBe(1);
    expect(shardTimeouts({ heartbeatInterval: 0.25, staleAfter: 0.5 }).confirmAfterSec).toBe(0.5);
  });

  it('keeps every ordering over the range the config accepts (staleAfter ≥ 2 × heartbeatInterval)', () => {
    const failures: string[] = [];
    for (const h of [0.1, 0.25, 1, 2, 10, 60, 600]) {
      for (const k of [2, 2.5, 4.5, 10, 60]) {
        const s = h * k;
        if (s < 0.5 || s > 3600) continue;
        const issues = timeoutOrderIssues(shardTimeouts({ heartbeatInterval: h, staleAfter: s }));
        if (issues.length > 0) failures.push(`H ${h} S ${s}: ${issues.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names each broken ordering', () => {
    const good = shardTimeouts(LOCAL_WATCHDOG_DEFAULTS);
    const broken = (patch: Partial<ShardTimeouts>) => timeoutOrderIssues({ ...good, ...patch });
    expect(broken({})).toEqual([]);
    // The old engine: self-fence and commit bound at 0.6 × staleAfter, lock wait 10 s.
    expect(broken({ selfFenceSec: 3, commitBoundSec: 3 })).toEqual([
      expect.stringMatching(/^a tolerated stall leaves a heartbeat 5\.1s old, not under the self-fence 3s$/),
    ]);
    // Yesterday's local figures (C 0.5 s, W 0.1 s, F 5.25 s, K 5.5 s): the engine's exit 0.05 s before the kill.
    expect(broken({ confirmAfterSec: 0.5, engineLockWaitSec: 0.1, storeRetrySec: 0.1, watchdogKillSec: 5.5 })).toEqual([
      expect.stringMatching(/^the engine's exit at 5\.45s leaves 0\.05s before the watchdog's kill 5\.5s, under 0\.25s/),
    ]);
    expect(broken({ engineLockWaitSec: CONTROL_PLANE_LOCK_WAIT_SEC })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not under the self-fence/),
        expect.stringMatching(/self-fence 5\.25s \+ lock wait 10s is not under the watchdog's kill 6s/),
        expect.stringMatching(/engine lock wait 10s is not under the control plane's 10s/),
      ]),
    );
    expect(broken({ selfFenceSec: 6 })).toEqual([
      expect.stringMatching(/self-fence 6s \+ lock wait 0\.05s is not under the watchdog's kill 6s/),
      expect.stringMatching(/the engine's exit at 6\.1s leaves -0\.1s before the watchdog's kill 6s/),
    ]);
    expect(broken({ selfFenceSec: 5.55 })).toEqual([
      expect.stringMatching(/the engine's exit at 5\.65s leaves 0\.35s before the watchdog's kill 6s, under 0\.5s/),
    ]);
    expect(broken({ commitBoundSec: 6 })).toEqual([expect.stringMatching(/commit bound 6s is past the self-fence 5\.25s/)]);
    expect(broken({ storeStallToleranceSec: 0 })).toEqual([expect.stringMatching(/store stall tolerance 0s is not positive/)]);
    expect(broken({ watchdogKillSec: 5.1 })).toEqual(expect.arrayContaining([expect.stringMatching(/not under the watchdog's kill 5\.1s/)]));
  });
});
