/**
 * The runner's final heartbeat against a store in trouble: it says why the engine stopped
 * (`Progress.stop`), which is what the fleet completes a shard on, so a busy or throttled answer
 * does not lose it: it is tried again every `storeRetrySec` until the self-fence would fall
 * (`core/fleet/timeouts.ts`). Without the retry a short stall at the very end books the shard
 * PREEMPTED instead of completed (the simulation's seed 7002 found it on the model engine; the
 * real-runner seeds rarely hit that moment, so this test guards it). The runner's waits are
 * injected (`RunnerOptions.timers`): time moves only when the runner sleeps.
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

function runWith(port: ShardPersistence) {
  const { runner, clock } = sleepingRunner(campaign, port);
  return { run: () => runner.run(), clock };
}

/** `inner` whose first `failures` heartbeats that carry a `stop` answer `SQLITE_BUSY`. */
function busyAtTheEnd(inner: ShardPersistence, failures: number) {
  let refused = 0;
  const port: ShardPersistence = {
    ...inner,
    key: inner.key,
    generation: inner.generation,
    restore: () => inner.restore(),
    commit: (fills, checkpoint) => inner.commit(fills, checkpoint),
    heartbeat: async (progress) => {
      if (progress.stop !== undefined && refused < failures) {
        refused++;
        throw busyAnswer();
      }
      return inner.heartbeat(progress);
    },
  };
  return { port, refused: () => refused };
}

describe('the final heartbeat through a store stall', () => {
  it('is tried again every store retry until it lands, so the shard is told why the engine stopped', async () => {
    const ledger = new MemoryShardLedger();
    const { port, refused } = busyAtTheEnd(ledger.forTask(KEY, 0), 3);
    const { run, clock } = runWith(port);
    const outcome = await run();
    expect(outcome.end).toBe('completed');
    expect(refused()).toBe(3);
    expect(ledger.heartbeats(KEY).at(-1)?.progress.stop).toEqual({ by: 'deadline' });
    expect(clock.sleeps.slice(-3)).toEqual([1, 2, 3].map(() => TIMEOUTS.storeRetrySec * 1000));
  });
});
