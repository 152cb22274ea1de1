import type { Campaign } from '../../core/config/resolve-campaign.js';
import { MemoryShardLedger } from '../../core/local/memory-shard-persistence.js';
import type { ShardPersistence } from '../../core/ports.js';
import { silentLogger } from '../../core/log.js';
import { ShardRunner, type RunOutcome } from '../../engine-task/src/runner.js';
import { T0 } from './campaigns.js';

export const KEY = { campaignId: 'c-test', shardId: 'shard-000' };

/** Runs a whole campaign's shard on virtual time against an in-memory ledger. */
export async function runVirtual(
  campaign: Campaign,
  options: {
    ledger?: MemoryShardLedger;
    generation?: number;
    wrap?: (p: ShardPersistence) => ShardPersistence;
    symbols?: string[];
    /** The runner's timers' clock (`RunnerOptions.monotonic`, ms); the real monotonic clock when not given. */
    monotonic?: () => number;
  } = {},
): Promise<{ outcome: RunOutcome; ledger: MemoryShardLedger; runner: ShardRunner }> {
  const ledger = options.ledger ?? new MemoryShardLedger();
  const base = ledger.forTask(KEY, options.generation ?? 0);
  const persistence = options.wrap ? options.wrap(base) : base;
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: options.symbols ?? campaign.symbols.map((s) => s.base),
    persistence,
    mode: 'virtual',
    log: silentLogger,
    startAt: T0,
    ...(options.monotonic ? { monotonic: options.monotonic } : {}),
  });
  const outcome = await runner.run();
  return { outcome, ledger, runner };
}
