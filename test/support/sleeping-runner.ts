/**
 * A `ShardRunner` whose waits are injected (`RunnerOptions.timers`) on a clock that only its own
 * sleeps and timeouts move (ms): verdicts about when the runner retried or gave up do not depend
 * on the machine's load. One shard of `campaign` over `persistence`, in virtual time (default) or
 * in real time on that clock (engine time and timers both follow it).
 */
import { asEpochMs } from '../../core/clock.js';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import { silentLogger } from '../../core/log.js';
import type { ShardPersistence } from '../../core/ports.js';
import { type RunnerTimers, ShardRunner } from '../../engine-task/src/runner.js';
import { T0 } from './campaigns.js';

export function sleepingRunner(
  campaign: Campaign,
  persistence: ShardPersistence,
  mode: 'virtual' | 'real' = 'virtual',
): { runner: ShardRunner; clock: { ms: number; sleeps: number[] } } {
  const clock = { ms: T0, sleeps: [] as number[] };
  const timers: RunnerTimers = {
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.ms += ms;
    },
    timeout: (fire, ms) => {
      clock.ms += ms;
      queueMicrotask(fire);
      return () => undefined;
    },
    yield: async () => undefined,
  };
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: campaign.symbols.map((s) => s.base),
    persistence,
    mode,
    log: silentLogger,
    startAt: T0,
    clock: { now: () => asEpochMs(clock.ms) },
    monotonic: () => clock.ms,
    timers,
  });
  return { runner, clock };
}

/** A `SQLITE_BUSY` answer, as the SQLite store throws it. */
export function busyAnswer(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
}
