/**
 * The EventBridge "ECS Task State Change" event, read as the watchdog's immediate detection path:
 * the AWS twin of the local launcher's `onStopped`. The shard and generation come from the
 * `ARBFLEET_*` environment the launcher put in the task's container overrides, which ECS repeats in
 * every event; the stop is judged from the same fields, the same way, as `EcsTaskLauncher.describe`
 * reads them (`taskStatusOf`).
 */
import type { Task } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { TaskStoppedEvent } from '../fleet/watchdog-service.js';
import { taskStatusOf } from './ecs-task-launcher.js';

export const TASK_STATE_CHANGE = 'ECS Task State Change';

/** A stopped arbfleet task, with what else the event tells. */
export interface ParsedTaskStop {
  event: TaskStoppedEvent;
  /**
   * `detail.version`: ECS increments it at every change of the task, so a duplicate delivery
   * carries the same version and an older one a lower version.
   */
  detailVersion: number;
  /** The task group (`arbfleet:<campaignId>` for tasks this fleet launched). */
  group?: string;
  /** When the task started running (ms), absent when it never did. */
  startedAt?: number;
  clusterArn?: string;
}

const EnvironmentSchema = z.array(z.object({ name: z.string(), value: z.string().optional() }));

const TimestampSchema = z.string().refine((s) => Number.isFinite(Date.parse(s)), { message: 'expected an ISO 8601 timestamp' });

const DetailSchema = z.object({
  taskArn: z.string().min(1),
  clusterArn: z.string().optional(),
  lastStatus: z.string(),
  version: z.number().int().nonnegative(),
  group: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  startedAt: TimestampSchema.optional(),
  stoppingAt: TimestampSchema.optional(),
  executionStoppedAt: TimestampSchema.optional(),
  stoppedAt: TimestampSchema.optional(),
  containers: z
    .array(
      z.object({
        name: z.string().optional(),
        exitCode: z.number().int().nullable().optional(),
        reason: z.string().optional(),
        lastStatus: z.string().optional(),
      }),
    )
    .optional(),
  overrides: z
    .object({ containerOverrides: z.array(z.object({ name: z.string().optional(), environment: EnvironmentSchema.optional() })).optional() })
    .optional(),
});

/**
 * The stop of an arbfleet task from an EventBridge event, or undefined when the event is not an
 * ECS Task State Change, its task has not reached STOPPED (ECS also reports PENDING, RUNNING,
 * DEACTIVATING… to the same detail-type), or it is not an arbfleet task (no `ARBFLEET_CAMPAIGN_ID`
 * in its container overrides).
 *
 * @throws ValidationError when the event is an arbfleet task's stop but a field is not what ECS
 * sends (e.g. `ARBFLEET_GENERATION` not a whole number): a bug to see, not an event to drop.
 */
export function parseTaskStateChange(event: unknown): ParsedTaskStop | undefined {
  if (!isRecord(event) || event['detail-type'] !== TASK_STATE_CHANGE) return undefined;
  if (event.source !== undefined && event.source !== 'aws.ecs') return undefined;
  const detail = event.detail;
  if (!isRecord(detail) || detail.lastStatus !== 'STOPPED') return undefined;
  if (engineOverride(detail) === undefined) return undefined;

  const parsed = DetailSchema.safeParse(detail);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ path: ['detail', ...i.path.map(String)].join('.'), message: i.message })),
      `ECS Task State Change event ${String(event.id ?? '')}`.trim(),
    );
  }
  const d = parsed.data;
  const override = d.overrides?.containerOverrides?.find((o) => o.environment?.some((v) => v.name === 'ARBFLEET_CAMPAIGN_ID'));
  const env = new Map((override?.environment ?? []).map((v) => [v.name, v.value ?? '']));
  const identity = shardIdentity(env, d.taskArn);

  const task: Task = {
    taskArn: d.taskArn,
    lastStatus: d.lastStatus,
    stopCode: d.stopCode as Task['stopCode'],
    stoppedReason: d.stoppedReason,
    containers: (d.containers ?? []).map((c) => ({ name: c.name, exitCode: c.exitCode ?? undefined, reason: c.reason, lastStatus: c.lastStatus })),
  };
  if (d.stoppedAt !== undefined) task.stoppedAt = new Date(d.stoppedAt);
  if (d.executionStoppedAt !== undefined) task.executionStoppedAt = new Date(d.executionStoppedAt);
  if (d.stoppingAt !== undefined) task.stoppingAt = new Date(d.stoppingAt);
  const status = taskStatusOf(task, override?.name ?? '', d.taskArn);

  const result: ParsedTaskStop = { event: { ...status, ...identity }, detailVersion: d.version };
  if (d.group !== undefined) result.group = d.group;
  if (d.startedAt !== undefined) result.startedAt = Date.parse(d.startedAt);
  if (d.clusterArn !== undefined) result.clusterArn = d.clusterArn;
  return result;
}

/** The container override that carries the shard's identity, found without trusting the shape. */
function engineOverride(detail: Record<string, unknown>): unknown {
  const overrides = detail.overrides;
  if (!isRecord(overrides) || !Array.isArray(overrides.containerOverrides)) return undefined;
  return overrides.containerOverrides.find(
    (o: unknown) => isRecord(o) && Array.isArray(o.environment) && o.environment.some((v: unknown) => isRecord(v) && v.name === 'ARBFLEET_CAMPAIGN_ID'),
  );
}

function shardIdentity(env: Map<string, string>, taskArn: string): Pick<TaskStoppedEvent, 'key' | 'generation'> {
  const campaignId = env.get('ARBFLEET_CAMPAIGN_ID') ?? '';
  const shardId = env.get('ARBFLEET_SHARD_ID') ?? '';
  const generationText = env.get('ARBFLEET_GENERATION') ?? '';
  const issues = [];
  if (campaignId === '') issues.push({ path: 'ARBFLEET_CAMPAIGN_ID', message: 'expected a campaign id, found an empty value' });
  if (shardId === '') issues.push({ path: 'ARBFLEET_SHARD_ID', message: 'expected a shard id, found none' });
  if (!/^\d+$/.test(generationText)) issues.push({ path: 'ARBFLEET_GENERATION', message: `expected a whole number, found ${JSON.stringify(generationText)}` });
  if (issues.length > 0) throw new ValidationError(issues, `container overrides of task ${taskArn}`);
  return { key: { campaignId, shardId }, generation: Number(generationText) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
