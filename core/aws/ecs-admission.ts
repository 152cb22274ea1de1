/**
 * The checks a campaign must pass at the front door of the AWS fleet, before anything is stored:
 * what ECS would refuse or what the engine image could not run is a 400 naming the field, never
 * a 201 followed by launches that fail one by one on the launch queue.
 */
import type { CampaignConfig } from '../config/campaign-config.js';
import type { FieldIssue } from '../errors.js';
import { ValidationError } from '../errors.js';
import type { CampaignRecord, ShardRecord } from '../model/records.js';
import { launchOverrides } from './ecs-task-launcher.js';
import { allowedEngineImages, engineImageIssues } from './engine-task-definitions.js';

/**
 * The folder of the repository the engine image holds besides the engine (`engine-task/Dockerfile`
 * copies `configs/` to `/app/configs`, the container's working directory): the only place a replay
 * file can be read from on Fargate.
 */
export const IMAGE_DATA_FOLDER = 'configs/';

/**
 * The files under `configs/` the deployed engine image holds, relative to its working directory
 * (`configs/…`): the stack embeds the list into the Lambda bundles at synth, from the same folder
 * the image is built from in the same deploy (esbuild `define` of `process.env.ARBFLEET_IMAGE_FILES`,
 * a JSON array; `infra/constructs/control-plane.ts`). Undefined where nothing was embedded (the
 * handlers run from source): then only the folder is checked.
 * @throws Error when the embedded value is not a JSON array of strings (a build mistake).
 */
export function imageFiles(): ReadonlySet<string> | undefined {
  const embedded = process.env.ARBFLEET_IMAGE_FILES;
  if (embedded === undefined || embedded === '') return undefined;
  const list: unknown = JSON.parse(embedded);
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) throw new Error('ARBFLEET_IMAGE_FILES is not a JSON array of paths');
  return new Set(list as string[]);
}

/**
 * Issues that would stop a campaign from running on ECS Fargate (a task size Fargate does not
 * offer is refused earlier, by the config schema itself):
 * - `feed.path` / `feed.sources.N.path`: a replay file outside the image's `configs/` folder, or
 *   not among the files the image holds (`inImage`, from `imageFiles()`), which the task could not read;
 *   (not checked for a `kind: command` engine with its own `engine.image`: its data is in that image);
 * - `engine.image`: not pinned by digest, or outside the stack's allowed prefixes (`engineImageIssues`);
 * - the RunTask overrides of a shard's first launch above ECS's 8,192 characters.
 * @param campaign the campaign record about to be stored; `shards` its planned shards.
 * @param taskEnvironment the environment each launch will carry (the runtime's own).
 * @param allowedImages the prefixes an `engine.image` must start with (`ARBFLEET_ENGINE_IMAGES`).
 * @returns the issues, empty when the campaign can run.
 */
export function ecsAdmissionIssues(
  campaign: CampaignRecord,
  shards: readonly ShardRecord[],
  taskEnvironment: (campaign: CampaignRecord, shard: ShardRecord) => Record<string, string>,
  containerName: string,
  inImage: ReadonlySet<string> | undefined = imageFiles(),
  allowedImages: readonly string[] = allowedEngineImages(),
): FieldIssue[] {
  const config = campaign.config as unknown as CampaignConfig;
  const issues: FieldIssue[] = [];
  const ownImage = config.engine?.kind === 'command' ? config.engine.image : undefined;
  if (ownImage !== undefined) issues.push(...engineImageIssues(ownImage, allowedImages));
  if (config.feed.kind === 'replay' && ownImage === undefined) {
    const files =
      config.feed.path !== undefined
        ? [{ field: 'feed.path', path: config.feed.path }]
        : (config.feed.sources ?? []).map((s, i) => ({ field: `feed.sources.${i}.path`, path: s.path }));
    for (const file of files) {
      const path = file.path.replace(/^\.\//, '');
      if (!path.startsWith(IMAGE_DATA_FOLDER) || path.split('/').includes('..')) {
        issues.push({
          path: file.field,
          message:
            `"${file.path}" is not in the engine image: on Fargate a replay file must be a path under ${IMAGE_DATA_FOLDER} ` +
            '(the only data folder engine-task/Dockerfile copies into the image); put the file there and redeploy, or run the campaign locally',
        });
      } else if (inImage !== undefined && !inImage.has(path)) {
        const near = [...inImage].filter((f) => !f.endsWith('.yaml') && !f.endsWith('.json')).slice(0, 5);
        issues.push({
          path: file.field,
          message:
            `"${file.path}" is not in the deployed engine image: its ${IMAGE_DATA_FOLDER} holds ${inImage.size} file(s)` +
            `${near.length > 0 ? ` (data files: ${near.join(', ')})` : ', no data files'}; add the file under ${IMAGE_DATA_FOLDER} and redeploy`,
        });
      }
    }
  }
  for (const shard of shards) {
    try {
      launchOverrides(
        {
          key: { campaignId: campaign.campaignId, shardId: shard.shardId },
          generation: shard.generation,
          symbols: shard.symbols,
          env: taskEnvironment(campaign, shard),
          size: config.task,
        },
        containerName,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push({
        path: 'sharding.symbolsPerShard',
        message: `${shard.shardId}: ${error.issues.map((i) => i.message).join('; ')} (fewer symbols per shard make it smaller)`,
      });
      break;
    }
  }
  return issues;
}
