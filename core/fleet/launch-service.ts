import { TaskSizeSchema, type CampaignConfig } from '../config/campaign-config.js';
import { VersionConflictError } from '../errors.js';
import type { CampaignRecord, ShardRecord } from '../model/records.js';
import type { LaunchMessage } from '../ports.js';
import { transitionCampaign } from './campaign-lifecycle.js';
import { launchDelaySec, type FleetContext } from './fleet-context.js';
import { isTerminalCampaign } from './campaign-lifecycle.js';
import { transitionShard } from './shard-lifecycle.js';
import { fleetStopReason } from './stop-author.js';

/** The container image a campaign's engine runs in (`engine.image` of a `kind: command` engine), if it names one. */
export function engineImageOf(campaign: CampaignRecord): string | undefined {
  const engine = (campaign.config as Partial<CampaignConfig>).engine;
  return engine?.kind === 'command' ? engine.image : undefined;
}

/** The task size a campaign's config asks for (`task`; its defaults when absent, as in old records). */
export function taskSizeOf(campaign: CampaignRecord): { cpu: number; memoryMiB: number } {
  const task = (campaign.config as Partial<CampaignConfig>).task;
  return { cpu: task?.cpu ?? DEFAULT_TASK_SIZE.cpu, memoryMiB: task?.memoryMiB ?? DEFAULT_TASK_SIZE.memoryMiB };
}

const DEFAULT_TASK_SIZE = TaskSizeSchema.parse({});

/** What became of a launch message: the queue deletes it in every case but `retry`. */
export type LaunchOutcome = 'launched' | 'requeued' | 'dropped' | 'retry';

/**
 * Handles one launch message: launches the task for (campaign, shard, generation) when that
 * generation is still the shard's current one and waits for a launch; anything else is a stale
 * or duplicate message, dropped with a log line. A message that arrives before the shard's
 * backoff has run out goes back on the queue for the rest of it.
 */
export class LaunchService {
  constructor(private readonly ctx: FleetContext) {}

  async handle(message: LaunchMessage): Promise<LaunchOutcome> {
    const { store, launcher, clock, log } = this.ctx;
    const key = { campaignId: message.campaignId, shardId: message.shardId };
    const [campaign, shard] = await Promise.all([store.getCampaign(key.campaignId), store.getShard(key)]);
    const drop = (why: string): LaunchOutcome => {
      log.log('info', 'launch dropped', { ...message, why });
      return 'dropped';
    };
    if (!campaign || !shard) return drop('unknown campaign or shard');
    if (isTerminalCampaign(campaign.status) || campaign.status === 'STOPPING' || campaign.status === 'SCHEDULED') return drop(`campaign is ${campaign.status}`);
    if (shard.generation !== message.generation) return drop(`generation ${message.generation} is stale (current ${shard.generation})`);
    if (shard.status !== 'PENDING' && shard.status !== 'RESTARTING') return drop(`shard is ${shard.status}`);
    const now = clock.now();
    const wait = launchDelaySec(shard.launchNotBefore, now);
    if (wait > 0) {
      await this.ctx.queue.send(message, wait);
      return 'requeued';
    }
    const { taskId } = await launcher.launch({
      key,
      generation: shard.generation,
      symbols: shard.symbols,
      env: this.ctx.taskEnvironment(campaign, shard),
      size: taskSizeOf(campaign),
      ...(engineImageOf(campaign) !== undefined ? { image: engineImageOf(campaign) } : {}),
    });
    let step = transitionShard(shard, 'LAUNCHING', clock.now(), { taskId });
    try {
      await store.updateShard(key, shard.version, step.patch);
    } catch (error) {
      // Any failure after the launch is judged on a fresh read, a refused or a lost write alike:
      // left unjudged, a task whose shard moved on meanwhile (its campaign ended and closed it) would
      // run on with nobody to stop it. A read that fails too rethrows: the redelivered message gets
      // this task back, and a shard closed meanwhile was closed one generation on, fencing it.
      const fresh = await store.getShard(key).catch(() => {
        throw error;
      });
      if (fresh?.taskId === taskId) {
        // A duplicate delivery launching the same generation got the same task back (the launch is
        // idempotent) and must leave it alone; else this very write landed and its answer was lost.
        if (error instanceof VersionConflictError) return drop('already launched by another delivery');
      } else if (!fresh || !waitsForLaunch(fresh, shard.generation)) {
        // The shard moved on (a newer generation, closed, failed): this task must not run.
        await launcher.stop(taskId, fleetStopReason('launch superseded'));
        return drop('shard changed while launching');
      } else {
        // Still waiting for this very generation (the write failed before it applied, or the
        // watchdog counted an overdue launch's re-queue meanwhile): recorded on the fresh record
        // (a second failure throws, and the redelivered message gets this task back).
        step = transitionShard(fresh, 'LAUNCHING', clock.now(), { taskId });
        await store.updateShard(key, fresh.version, step.patch);
      }
    }
    await store.appendEvents([{ ...step.event, detail: { ...step.event.detail, taskId } }]);
    log.log('info', 'shard launched', { ...key, generation: shard.generation, taskId });
    if (campaign.status === 'STARTING') await this.markRunningWhenAllLaunched(key.campaignId);
    return 'launched';
  }

  /** STARTING → RUNNING once every shard has a task. */
  private async markRunningWhenAllLaunched(campaignId: string): Promise<void> {
    const { store, clock } = this.ctx;
    const shards = await store.listShards(campaignId);
    if (shards.some((s) => s.status === 'PENDING')) return;
    const campaign = await store.getCampaign(campaignId);
    if (campaign?.status !== 'STARTING') return;
    const step = transitionCampaign(campaign, 'RUNNING', clock.now(), { reason: 'every shard launched' });
    try {
      await store.updateCampaign(campaignId, campaign.version, step.patch);
      await store.appendEvents([step.event]);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
}

/** True while `shard` still waits for the launch of `generation`: PENDING or RESTARTING at it, with no task yet. */
function waitsForLaunch(shard: ShardRecord, generation: number): boolean {
  return shard.generation === generation && (shard.status === 'PENDING' || shard.status === 'RESTARTING') && shard.taskId === undefined;
}
