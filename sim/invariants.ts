import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import { fillCashMicros, type Fill } from '../core/model/fill.js';
import { fillDifferences } from '../core/model/ledger-reconcile.js';
import type { CampaignStore } from '../core/ports.js';
import type { LedgerOracle } from './ledger-oracle.js';
import type { SimLauncher } from './sim-launcher.js';

/** How long after its `endsAt` a campaign may take to reach a terminal state, ms. */
export const END_DEADLINE_MS = 60_000;

/** A campaign the simulated client meant to run, and the id it got (once created). */
export interface PlannedCampaign {
  name: string;
  campaignId?: string;
}

/**
 * The simulation's invariants, checked on the store, the launcher and the oracle after a run;
 * each violation is one line a person can act on. Empty when the run kept every promise:
 * - every campaign was created and reached a terminal state by `END_DEADLINE_MS` after its
 *   `endsAt` or the end of the storm of faults (`stormEndsAt`), whichever is later;
 * - no shard is left active (with nothing scheduled to move it), and no task still runs;
 * - the ledger of each shard is gap-free from seq 0, holds every fill an engine was told was
 *   committed exactly once and identical, and no trade leg twice;
 * - realised P&L recomputed from the ledger (`fillCashMicros`, integer micros) equals the
 *   engine's at every commit it was told succeeded;
 * - fencing: no write of a generation was applied after a newer generation of its shard started;
 * - the checkpoint never runs ahead of the ledger.
 */
export async function checkInvariants(
  store: CampaignStore,
  launcher: SimLauncher,
  oracle: LedgerOracle,
  planned: PlannedCampaign[],
  stormEndsAt = 0,
): Promise<string[]> {
  const violations: string[] = [];
  for (const plan of planned) {
    if (plan.campaignId === undefined) {
      violations.push(`campaign ${plan.name} was never created (the client retried to the end)`);
      continue;
    }
    const campaign = await store.getCampaign(plan.campaignId);
    if (!campaign) {
      violations.push(`campaign ${plan.campaignId} was acknowledged but is not in the store`);
      continue;
    }
    if (!isTerminalCampaign(campaign.status)) violations.push(`campaign ${campaign.campaignId} is ${campaign.status} at the end of the run`);
    else if (campaign.endsAt !== undefined && (campaign.endedAt ?? Infinity) > Math.max(campaign.endsAt, stormEndsAt) + END_DEADLINE_MS) {
      violations.push(
        `campaign ${campaign.campaignId} ended ${((campaign.endedAt ?? 0) - campaign.endsAt) / 1000}s after its endsAt (deadline ${END_DEADLINE_MS / 1000}s after its endsAt or the end of the storm, whichever is later)`,
      );
    }
    for (const shard of await store.listShards(campaign.campaignId)) {
      const name = `${campaign.campaignId}/${shard.shardId}`;
      if (isActiveShard(shard.status))
        violations.push(`shard ${name} is ${shard.status} (generation ${shard.generation}) with its campaign ${campaign.status}`);
      violations.push(...(await checkLedger(store, oracle, name, { campaignId: campaign.campaignId, shardId: shard.shardId })));
      violations.push(...checkFencing(oracle, name));
    }
  }
  for (const task of launcher.tasks.values()) {
    if (task.status.state !== 'STOPPED') violations.push(`task ${task.taskId} is still ${task.status.state} at the end of the run`);
  }
  return violations;
}

async function checkLedger(store: CampaignStore, oracle: LedgerOracle, name: string, key: { campaignId: string; shardId: string }): Promise<string[]> {
  const out: string[] = [];
  const ledger = await store.readLedger(key);
  const misplaced = ledger.findIndex((fill, i) => fill.seq !== i);
  if (misplaced >= 0) out.push(`ledger of ${name}: position ${misplaced} holds seq ${ledger[misplaced]?.seq} (a gap: seqs must run 0, 1, 2, … without holes)`);
  const legs = new Set<string>();
  for (const fill of ledger) {
    const leg = `${fill.tradeId}/${fill.venue}/${fill.kind}`;
    if (legs.has(leg)) out.push(`ledger of ${name}: trade leg ${leg} recorded twice (seq ${fill.seq})`);
    legs.add(leg);
  }
  const bySeq = new Map(ledger.map((f) => [f.seq, f]));
  let lost = 0;
  let differed = 0;
  let pnlOff = 0;
  for (const told of oracle.told.get(name) ?? []) {
    for (const fill of told.fills) {
      const stored = bySeq.get(fill.seq);
      if (!stored) {
        lost++;
        continue;
      }
      const differences = fillDifferences(stored, fill);
      if (differences.length > 0 && differed++ < 3)
        out.push(`ledger of ${name}: seq ${fill.seq} differs from what generation ${told.generation} was told it committed (${differences.join('; ')})`);
    }
    const ledgerPnl = pnlUpTo(ledger, told.committedSeq);
    if (ledgerPnl !== told.pnlMicros && pnlOff++ === 0) {
      out.push(
        `P&L of ${name}: the ledger up to seq ${told.committedSeq} sums to ${ledgerPnl} micros, generation ${told.generation}'s engine counted ${told.pnlMicros}`,
      );
    }
  }
  if (lost > 0) out.push(`ledger of ${name}: ${lost} fill(s) engines were told were committed are missing (lost)`);
  const checkpoint = await store.readCheckpoint(key);
  const lastSeq = ledger.length - 1;
  if (checkpoint && checkpoint.lastFillSeq > lastSeq) out.push(`checkpoint of ${name} covers seq ${checkpoint.lastFillSeq}, the ledger ends at ${lastSeq}`);
  return out;
}

function pnlUpTo(ledger: readonly Fill[], seq: number): number {
  let sum = 0;
  for (const fill of ledger) if (fill.seq <= seq) sum += fillCashMicros(fill);
  return sum;
}

function checkFencing(oracle: LedgerOracle, name: string): string[] {
  const starts = oracle.starts.get(name);
  const writes = oracle.writes.get(name) ?? [];
  if (!starts) return [];
  const out: string[] = [];
  for (const write of writes) {
    for (const [generation, startedAt] of starts) {
      if (generation > write.generation && startedAt < write.ordinal) {
        out.push(`fencing of ${name}: generation ${write.generation} wrote (${write.what}) after generation ${generation} had started`);
        return out;
      }
    }
  }
  return out;
}
