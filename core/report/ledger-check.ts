/**
 * The ledger check: exactly once, verified after the fact. Each shard's ledger is compared with
 * the fill counters of its last checkpoint, which the engine commits atomically with the fills it
 * counts. A fill is identified by its `seq` and, independently, by `(tradeId, venue, kind)`: a
 * trade has one opening and one closing leg per venue, so either key seen twice is a duplicate.
 */
import type { Checkpoint } from '../model/checkpoint.js';
import type { Fill } from '../model/fill.js';
import type { LedgerCheck, ShardLedgerCheck } from './report-schema.js';

/** Checks one shard's ledger against its checkpoint's counters. */
export function checkShardLedger(shardId: string, ledger: readonly Fill[], checkpoint: Checkpoint | undefined): ShardLedgerCheck {
  const seqs = new Set<number>();
  const legs = new Set<string>();
  let duplicated = 0;
  for (const fill of ledger) {
    const leg = `${fill.tradeId}/${fill.venue}/${fill.kind}`;
    if (seqs.has(fill.seq) || legs.has(leg)) duplicated++;
    seqs.add(fill.seq);
    legs.add(leg);
  }
  const unique = ledger.length - duplicated;
  const counted = checkpoint ? checkpoint.fillsA + checkpoint.fillsB : 0;
  return {
    shardId,
    fillsInLedger: ledger.length,
    fillsCounted: counted,
    lost: Math.max(0, counted - unique),
    duplicated,
    uncounted: Math.max(0, unique - counted),
  };
}

/** The campaign's ledger check: shard checks summed; passes when nothing is lost, repeated or extra. */
export function checkLedgers(shards: readonly ShardLedgerCheck[]): LedgerCheck {
  const sum = (pick: (c: ShardLedgerCheck) => number) => shards.reduce((total, c) => total + pick(c), 0);
  const lost = sum((c) => c.lost);
  const duplicated = sum((c) => c.duplicated);
  const uncounted = sum((c) => c.uncounted);
  return {
    fillsInLedger: sum((c) => c.fillsInLedger),
    fillsCounted: sum((c) => c.fillsCounted),
    lost,
    duplicated,
    uncounted,
    pass: lost === 0 && duplicated === 0 && uncounted === 0,
    shards: [...shards],
  };
}
