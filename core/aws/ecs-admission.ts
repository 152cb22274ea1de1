/**
 * The checks a campaign must pass at the front door of the AWS fleet, before anything is stored:
 * what ECS would refuse or what the engine image could not run is a 400 naming the field, never
 * a 201 followed by launches that fail one by one on the launch queue.
 */
import type { CampaignConfig } from '../config/campaign-config.js';
import type { FieldIssue } from '../errors.js';
import { ValidationError } from '../errors.js';
import type { CampaignRecord, ShardRecord } from '../fleet/records.js';
import { launchOverrides } from './ecs-task-launcher.js';

/**
 * The folder of the repository the engine image holds besides the engine (`engine-task/Dockerfile`
 * copies `configs/` to `/app/configs`, the container's working directory): the only place a replay
 * file can be read from on Fargate.
 */
export const IMAGE_DATA_FOLDER = 'configs/';

/**
 * Issues that would stop a campaign from running on ECS Fargate (a task size Fargate does not
 * offer is refused earlier, by the config schema itself):
 * - `feed.path`: a replay file outside the image's `configs/` folder (the task could not see it);
 * - the RunTask overrides of a shard's first launch above ECS's 8,192 characters.
 * @param campaign the campaign record about to be stored; `shards` its planned shards.
 * @param taskEnvironment the environment each launch will carry (the runtime's own).
 * @returns the issues, empty when the campaign can run.
 */
export function ecsAdmissionIssues(
  campaign: CampaignRecord,
  shards: readonly ShardRecord[],
  taskEnvironment: (campaign: CampaignRecord, shard: ShardRecord) => Record<string, string>,
  containerName: string,
): FieldIssue[] {
  const config = campaign.config as unknown as CampaignConfig;
  const issues: FieldIssue[] = [];
  if (config.feed.kind === 'replay') {
    const files = config.feed.path !== undefined ? [{ field: 'feed.path', path: config.feed.path }] : (config.feed.sources ?? []).map((s, i) => ({ field: `feed.sources.${i}.path`, path: s.path }));
    for (const file of files) {
      const path = file.path.replace(/^\.\//, '');
      if (!path.startsWith(IMAGE_DATA_FOLDER) || path.split('/').includes('..')) {
        issues.push({
          path: file.field,
          message:
            `"${file.path}" is not in the engine image: on Fargate a replay file must be a path under ${IMAGE_DATA_FOLDER} ` +
            '(the only data folder engine-task/Dockerfile copies into the image); put the file there and redeploy, or run the campaign locally',
        });
      }
    }
  }
  for (const shard of shards) {
    try {
      launchOverrides({ key: { campaignId: campaign.campaignId, shardId: shard.shardId }, generation: shard.generation, symbols: shard.symbols, env: taskEnvironment(campaign, shard), size: config.task }, containerName);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push({ path: 'sharding.symbolsPerShard', message: `${shard.shardId}: ${error.issues.map((i) => i.message).join('; ')} (fewer symbols per shard make it smaller)` });
      break;
    }
  }
  return issues;
}
