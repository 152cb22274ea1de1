/**
 * What the report says became of a restart, on records the fleet's own transitions write (found by
 * a narrowed mutation run, docs/mutation.md): a relaunch that was dead-lettered leaves the shard
 * FAILED in the new generation, which was never launched, so the report must not say it was.
 */
import { describe, expect, it } from 'vitest';
import { ms } from '../../../core/model/units.js';
import { restartShard, transitionShard } from '../../../core/fleet/shard-lifecycle.js';
import { describeRestartOutcome, restartOutcome } from '../../../core/report/restart-outcome.js';
import { SEC, shard, T0 } from '../fleet/fleet-fixtures.js';

const say = (o: ReturnType<typeof restartOutcome>) =>
  describeRestartOutcome(
    o,
    () => '',
    () => '',
  );

describe('what became of a restart, on the lifecycle’s records', () => {
  it('a crash whose relaunch was dead-lettered: FAILED in generation 1, never launched', () => {
    const crashed = restartShard(shard(), { cause: 'CRASHED', detail: { exitCode: 1 }, failedAt: ms(T0 + 10 * SEC) }, ms(T0 + 12 * SEC), 5).record;
    expect(crashed).toMatchObject({ status: 'RESTARTING', generation: 1 });
    const failed = transitionShard(crashed, 'FAILED', ms(T0 + 20 * SEC), { reason: 'launch dead-lettered' }).record;
    expect(failed).toMatchObject({ status: 'FAILED', generation: 1 });
    const [r] = failed.restarts;
    expect(say(restartOutcome(r!, failed.restarts, failed.status, failed.generation))).toBe('not restarted (the shard failed)');
  });
});
