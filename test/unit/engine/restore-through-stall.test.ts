/**
 * The runner's restore against a store in trouble (`ShardRunner.restoreThroughStall`): a restore
 * refused as busy, throttled or unreachable is tried again every `storeRetrySec` until
 * `storeStallToleranceSec` has passed (`core/fleet/timeouts.ts`), so a stall the fleet tolerates
 * costs nothing at boot; past it, or on another error, the run throws and main.ts exits 4 (or 1).
 * Found by the simulation's real-runner seed 218: one throttled restore ended the task exit 4.
 * The runner's waits and timers' clock are injected (`RunnerOptions.timers`, `monotonic`): time
 * moves only when the runner sleeps, so the verdicts do not depend on the machine's load.
 */
import { describe, expect, it } from 'vitest';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { testCampaign } from '../../support/campaigns.js';
import { KEY } from '../../support/run-shard.js';
import { busyAnswer, sleepingRunner } from '../../support/sleeping-runner.js';

const campaign = testCampaign({ duration: '30s', watchdog: { staleAfter: 5, heartbeatInterval: 1 } });
const TIMEOUTS = shardTimeouts(campaign.config.watchdog);

function runner(persistence: ShardPersistence) {
  const { runner: shard, clock } = sleepingRunner(campaign, persistence);
  return { shard, clock };
}

/** `inner` whose first `failures` restores (Infinity: all) throw `error()`. */
function failingRestores(inner: ShardPersistence, failures: number, error: () => Error) {
  let calls = 0;
  const port: ShardPersistence = {
    key: inner.key,
    generation: inner.generation,
    restore: async () => {
      calls++;
      if (calls <= failures) throw error();
      return inner.restore();
    },
    heartbeat: (progress) => inner.heartbeat(progress),
    commit: (fills, checkpoint) => inner.commit(fills, checkpoint),
  };
  return { port, calls: () => calls };
}

describe('restoring through a store stall', () => {
  it('tries a busy restore again every store retry and runs on once the store answers', async () => {
    const ledger = new MemoryShardLedger();
    const { port, calls } = failingRestores(ledger.forTask(KEY, 0), 3, busyAnswer);
    const { shard, clock } = runner(port);
    const outcome = await shard.run();
    expect(outcome.end).toBe('completed');
    expect(calls()).toBe(4);
    expect(clock.sleeps.slice(0, 3)).toEqual([1, 2, 3].map(() => TIMEOUTS.storeRetrySec * 1000));
    expect(outcome.fillsUncommitted).toBe(0);
  });

  it('gives up within the store stall tolerance, throwing the store error (main.ts: exit 4)', async () => {
    const { port, calls } = failingRestores(new MemoryShardLedger().forTask(KEY, 0), Infinity, busyAnswer);
    const { shard, clock } = runner(port);
    const started = clock.ms;
    await expect(shard.run()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(clock.ms - started).toBeLessThanOrEqual(TIMEOUTS.storeStallToleranceSec * 1000);
    expect(clock.ms - started).toBeGreaterThan(TIMEOUTS.storeStallToleranceSec * 1000 - 2 * TIMEOUTS.storeRetrySec * 1000);
    expect(calls()).toBeGreaterThan(2);
  });

  it('does not retry an error that is not the store in trouble', async () => {
    const { port, calls } = failingRestores(
      new MemoryShardLedger().forTask(KEY, 0),
      Infinity,
      () => new Error('restore: ledger tail fill seq 4 is not followed by the other leg'),
    );
    const { shard } = runner(port);
    await expect(shard.run()).rejects.toThrow(/not followed by the other leg/);
    expect(calls()).toBe(1);
  });
});
