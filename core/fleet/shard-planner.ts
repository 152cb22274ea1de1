/**
 * Splits a campaign's symbols into shards, one task each.
 */
import type { EpochMs } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { ShardRecord } from '../model/records.js';

/** One shard of the plan: its id, its position, and the symbols its task trades. */
export interface PlannedShard {
  /** `shard-000`, `shard-001`, …: zero-padded to three digits so ids sort like indexes. */
  shardId: string;
  index: number;
  symbols: string[];
}

/** The shard id of the shard at `index` (`shard-007`). */
export function shardIdFor(index: number): string {
  return `shard-${String(index).padStart(3, '0')}`;
}

/**
 * Plans the shards of a campaign.
 *
 * The rule: use the fewest shards that respect `symbolsPerShard` (`count = ceil(n / size)`), then
 * balance them: every shard gets `floor(n / count)` symbols and the first `n mod count` shards
 * get one more. So sizes differ by at most one, none exceeds `symbolsPerShard`, and the last
 * shard is never a tiny remainder: 10 symbols at 4 per shard → 4, 3, 3 (not 4, 4, 2).
 *
 * Stable: the plan depends only on the inputs, and symbols keep their order (shard 0 takes the
 * first ones), so the same config always yields the same shards, and a restarted control plane
 * finds every shard where it left it.
 *
 * @throws ValidationError when `symbolsPerShard` is not a positive integer or a symbol is listed twice.
 */
export function planShards(symbols: readonly string[], symbolsPerShard: number): PlannedShard[] {
  if (!Number.isInteger(symbolsPerShard) || symbolsPerShard < 1) {
    throw new ValidationError([{ path: 'sharding.symbolsPerShard', message: `must be a positive integer, got ${symbolsPerShard}` }]);
  }
  const seen = new Set<string>();
  symbols.forEach((symbol, i) => {
    if (seen.has(symbol)) throw new ValidationError([{ path: `symbols.${i}`, message: `"${symbol}" is listed twice` }]);
    seen.add(symbol);
  });

  const count = Math.ceil(symbols.length / symbolsPerShard);
  const base = Math.floor(symbols.length / Math.max(count, 1));
  const larger = symbols.length - base * count;
  const plan: PlannedShard[] = [];
  let start = 0;
  for (let index = 0; index < count; index++) {
    const size = base + (index < larger ? 1 : 0);
    plan.push({ shardId: shardIdFor(index), index, symbols: symbols.slice(start, start + size) });
    start += size;
  }
  return plan;
}

/** The first record of a planned shard: PENDING at generation 0, nothing launched yet. */
export function pendingShardRecord(campaignId: string, planned: PlannedShard, now: EpochMs): ShardRecord {
  return {
    campaignId,
    shardId: planned.shardId,
    index: planned.index,
    symbols: planned.symbols,
    status: 'PENDING',
    generation: 0,
    restarts: [],
    backoffSec: 0,
    peakRssBytes: 0,
    updatedAt: now,
    version: 0,
  };
}
