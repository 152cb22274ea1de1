import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { ProcessLauncher } from '../core/local/process-launcher.js';
import type { CampaignStore } from '../core/ports.js';
import { ENGINE_SIDE, type ChaosFault } from './chaos-plan.js';

/**
 * Injects the launcher-side faults of `--chaos` (kill, freeze) into the task a shard runs at
 * the fault's time; engine-side faults travel in the task's environment instead. Every fault
 * injected is recorded as a `chaos.injected` event, so the report can line detections up with it.
 */
export class ChaosDriver {
  private readonly pending: ChaosFault[];

  constructor(
    faults: readonly ChaosFault[],
    private readonly store: CampaignStore,
    private readonly launcher: ProcessLauncher,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.pending = faults.filter((f) => !ENGINE_SIDE.has(f.verb));
  }

  async tick(): Promise<void> {
    if (this.pending.length === 0) return;
    const now = this.clock.now();
    for (const campaign of await this.store.listCampaigns()) {
      if (campaign.startedAt === undefined) continue;
      for (const fault of [...this.pending]) {
        if (campaign.startedAt + fault.atSec * 1000 > now) continue;
        const shard = await this.store.getShard({ campaignId: campaign.campaignId, shardId: fault.shardId });
        if (!shard?.taskId) continue; // not running right now: try again next tick
        this.pending.splice(this.pending.indexOf(fault), 1);
        if (fault.verb === 'kill') this.launcher.signal(shard.taskId, 'SIGKILL');
        else this.launcher.freeze(shard.taskId, (fault.forSec ?? 10) * 1000);
        this.log.log('warn', 'chaos injected', { ...fault, taskId: shard.taskId, generation: shard.generation });
        await this.store.appendEvents([
          {
            at: now,
            campaignId: campaign.campaignId,
            shardId: fault.shardId,
            generation: shard.generation,
            type: 'chaos.injected',
            detail: { ...fault, taskId: shard.taskId },
          },
        ]);
      }
    }
  }
}
