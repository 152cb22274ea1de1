/**
 * The task launcher on AWS: one ECS Fargate task per shard generation, started with `RunTask`,
 * stopped with `StopTask`, observed with `DescribeTasks`, as the local `ProcessLauncher` does
 * with child processes. Task ids are task ARNs.
 *
 * A launch is idempotent per (campaign, shard, generation): before `RunTask` the launcher looks
 * for a task of the same launch that is still meant to run (`ListTasks` by `startedBy`), and
 * `RunTask` carries a `clientToken` derived from the same three, so that a retry that races past
 * the lookup still gets the first task back from ECS (its tokens live 24 hours).
 */
import { createHash } from 'node:crypto';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Container,
  type ContainerOverride,
  type Failure,
  type KeyValuePair,
  type Task,
  type TaskOverride,
} from '@aws-sdk/client-ecs';
import type { Clock } from '../clock.js';
import { ArbfleetError, StateConflictError, ValidationError, type FieldIssue } from '../errors.js';
import type { ShardKey, TaskLauncher, TaskSpec, TaskStatus } from '../ports.js';
import { fleetStopReason } from '../fleet/stop-author.js';
import type { ControlPlaneClients } from './control-plane-clients.js';
import { EngineTaskDefinitions } from './engine-task-definitions.js';
import { FargateLaunchLimiter, realSleep } from './fargate-limits.js';

/**
 * The ECS actions each method of `EcsTaskLauncher` calls, for the IAM roles of its callers
 * (`infra/constructs/control-plane.ts` grants them from here, so a role cannot miss a call the
 * code makes: `stop` reads the task with DescribeTasks before StopTask). `launch` also passes the
 * task definition's roles (`iam:PassRole`), granted separately on those roles only.
 */
export const ECS_LAUNCHER_ACTIONS = {
  launch: ['ecs:ListTasks', 'ecs:RunTask', 'ecs:TagResource'],
  stop: ['ecs:DescribeTasks', 'ecs:StopTask'],
  describe: ['ecs:DescribeTasks'],
  /**
   * `launch` of a spec with an `image` (`EngineTaskDefinitions`, `engine-task-definitions.ts`):
   * the base and the image's family described, a revision registered (tagged: ecs:TagResource,
   * granted with `launch`'s), the family's revisions listed and the stale ones deregistered.
   */
  defineEngine: ['ecs:DeregisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ecs:RegisterTaskDefinition'],
  /** Then the family's INACTIVE revisions deleted (IAM takes a task-definition resource for it: granted on the image families only). */
  deleteEngineRevisions: ['ecs:DeleteTaskDefinitions'],
} as const satisfies Record<'launch' | 'stop' | 'describe' | 'defineEngine' | 'deleteEngineRevisions', readonly string[]>;

/** ECS's limit on the JSON of a RunTask's `overrides`, formatting characters included. */
export const ECS_MAX_OVERRIDES_CHARS = 8192;
/** ECS keeps at most this much of a StopTask reason. */
export const ECS_MAX_STOP_REASON_CHARS = 255;
/** DescribeTasks takes at most this many tasks per call. */
const DESCRIBE_BATCH = 100;
/** RunTask attempts by default, the first included, for throttling and capacity errors. */
export const DEFAULT_LAUNCH_ATTEMPTS = 5;
/** Full-jitter backoff between attempts: a random wait up to min(cap, base × 2^attempt). */
export const LAUNCH_BACKOFF_BASE_MS = 1_000;
export const LAUNCH_BACKOFF_CAP_MS = 20_000;
/**
 * The longest `launch` can wait between RunTask attempts, in ms: the backoff cap of every attempt
 * after the first (full jitter waits at most that). With the defaults, 1 + 2 + 4 + 8 s = 15 s.
 */
export function launchBackoffBudgetMs(maxAttempts: number = DEFAULT_LAUNCH_ATTEMPTS): number {
  let total = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) total += Math.min(LAUNCH_BACKOFF_CAP_MS, LAUNCH_BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return total;
}

/** Launches in flight at once in `launchMany` (each still waits for the rate limiter). */
const DEFAULT_LAUNCH_CONCURRENCY = 10;

/** The `stoppedReason` of a task id ECS does not know (never existed, or stopped long ago and forgotten). */
export const ECS_UNKNOWN_TASK_REASON = 'task unknown to ECS (stopped tasks are forgotten about an hour after they stop)';

/** Evidence that the OOM killer ended a task (the watchdog policy looks for the same words). */
const OOM_PATTERN = /OutOfMemory|out of memory|OOMKilled/i;
/** RunTask failure reasons worth another attempt after a wait. */
const RETRYABLE_FAILURE = /capacity|throttl|rate exceeded|RESOURCE:/i;
/** Exception names worth another attempt after a wait (the SDK has already retried them briefly). */
const RETRYABLE_ERROR = /Throttl|TooManyRequests|RequestLimitExceeded|ServerException|ServiceUnavailable|InternalFailure/;

/** Where and what an engine task runs: the settings the stack gives the Lambdas (`functions/lambda-environment.ts`). */
export interface EcsTaskPlacement {
  /** The cluster's name or ARN. */
  cluster: string;
  /** The task definition (family, family:revision or ARN). */
  taskDefinition: string;
  /** The engine's container in the task definition: the one that gets the environment, whose exit code counts. */
  containerName: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
}

export interface EcsTaskLauncherOptions extends EcsTaskPlacement {
  clients: ControlPlaneClients;
  clock: Clock;
  /** Waiting between attempts and for the rate limiter (default: real time). */
  sleep?: (ms: number) => Promise<void>;
  /** RunTask attempts for throttling and capacity errors, the first included (default 5). */
  maxAttempts?: number;
  /** The jitter's randomness, in [0, 1) (default Math.random). */
  random?: () => number;
  /** Paces RunTask calls within Fargate's quotas (default: one built on `clock` and `sleep`). */
  limiter?: FargateLaunchLimiter;
  /** Launches in flight at once in `launchMany` (default 10). */
  launchConcurrency?: number;
  /**
   * The task definitions of engine images (a spec with an `image`): default, ones derived from
   * `taskDefinition` (`EngineTaskDefinitions`). A spec without an image runs `taskDefinition` itself.
   */
  engineDefinitions?: EngineTaskDefinitions;
}

/** One launch of `launchMany`: its task, or why it failed. */
export type LaunchResult = { spec: TaskSpec; taskId: string } | { spec: TaskSpec; error: Error };

/**
 * A launch ECS refused or could not place, after the attempts allowed for a transient cause.
 * `retryable` when ECS's reason may pass (capacity, throttling: the attempts ran out); `cause` is
 * the SDK's error of the last attempt, when the attempt threw one.
 */
export class TaskLaunchError extends ArbfleetError {
  override readonly name = 'TaskLaunchError';
  readonly kind = 'launch-failed';
  constructor(
    message: string,
    /** ECS's reason (a RunTask failure reason or an exception's name). */
    readonly reason: string,
    readonly attempts: number,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** What identifies one launch to ECS: the same for every retry of it, different for every other. */
export interface LaunchIdentity {
  /** RunTask's idempotency token: 64 characters of [A-Za-z0-9-]. */
  clientToken: string;
  /** RunTask's `startedBy`, what `ListTasks` finds the launch by: 36 characters of [A-Za-z0-9-]. */
  startedBy: string;
  /** The task group: every task of a campaign in one. */
  group: string;
}

/** The identity of the launch of `generation` of shard `key`: stable hashes, so that retries match. */
export function launchIdentity(key: ShardKey, generation: number): LaunchIdentity {
  const hash = createHash('sha256').update(`${key.campaignId}\u0000${key.shardId}\u0000${generation}`).digest('hex');
  return { clientToken: `arbfleet-${hash.slice(0, 55)}`, startedBy: `arbfleet-${hash.slice(0, 27)}`, group: `arbfleet:${key.campaignId}` };
}

/**
 * The environment of a shard's task: the spec's own, then the shard's identity in the same
 * `ARBFLEET_*` variables the local launcher sets (they win over the spec's).
 */
export function taskEnvironment(spec: TaskSpec): KeyValuePair[] {
  const env: Record<string, string> = {
    ...spec.env,
    ARBFLEET_CAMPAIGN_ID: spec.key.campaignId,
    ARBFLEET_SHARD_ID: spec.key.shardId,
    ARBFLEET_GENERATION: String(spec.generation),
    ARBFLEET_SYMBOLS: spec.symbols.join(','),
  };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] as string }));
}

/**
 * The RunTask `overrides` of a launch: the engine container's environment and, when the spec
 * has one, the task size (task-level `cpu` and `memory`, strings of CPU units and MiB, as ECS
 * takes them; Fargate runs the task at that size instead of the task definition's).
 * @throws ValidationError when their JSON exceeds ECS's 8192 characters, naming the size and the largest variables.
 */
export function launchOverrides(spec: TaskSpec, containerName: string): TaskOverride {
  const environment = taskEnvironment(spec);
  const overrides: TaskOverride = {
    containerOverrides: [{ name: containerName, environment } satisfies ContainerOverride],
    ...(spec.size ? { cpu: String(spec.size.cpu), memory: String(spec.size.memoryMiB) } : {}),
  };
  const size = JSON.stringify(overrides).length;
  if (size > ECS_MAX_OVERRIDES_CHARS) {
    const largest = [...environment]
      .sort((a, b) => (b.value ?? '').length - (a.value ?? '').length)
      .slice(0, 3)
      .map((v) => `${v.name} (${(v.value ?? '').length} chars)`)
      .join(', ');
    throw new ValidationError(
      [
        {
          path: 'env',
          message: `the container overrides are ${size} characters of JSON, above ECS's limit of ${ECS_MAX_OVERRIDES_CHARS}; largest variables: ${largest}`,
        },
      ],
      `launch of ${describeLaunch(spec)}`,
    );
  }
  return overrides;
}

/**
 * A task as DescribeTasks reports it, as the watchdog judges it. PROVISIONING, PENDING and
 * ACTIVATING are PENDING; RUNNING and the states on the way down (DEACTIVATING, STOPPING,
 * DEPROVISIONING) are RUNNING, as a process is until it has exited (`exiting` once the engine
 * container has an exit code: the task's end, with its reason, follows); STOPPED carries the stop code,
 * the reason (the engine container's own reason appended, where the OOM killer and image pull
 * errors show), the engine container's exit code, `oom` and when it stopped.
 */
export function taskStatusOf(task: Task, containerName: string, taskId: string = task.taskArn ?? ''): TaskStatus {
  const state = stateOf(task.lastStatus);
  const container = engineContainer(task.containers ?? [], containerName);
  if (ON_THE_WAY_DOWN.has(task.lastStatus ?? '') && container?.exitCode !== undefined && container.exitCode !== null) return { taskId, state, exiting: true };
  if (state !== 'STOPPED') return { taskId, state };
  const status: TaskStatus = { taskId, state: 'STOPPED' };
  if (container?.exitCode !== undefined && container.exitCode !== null) status.exitCode = container.exitCode;
  if (task.stopCode) status.stopCode = task.stopCode;
  const reason = stopReason(task.stoppedReason, container);
  if (reason !== undefined) status.stoppedReason = reason;
  status.oom = [task.stopCode, task.stoppedReason, container?.reason].some((text) => text !== undefined && OOM_PATTERN.test(text));
  const stoppedAt = task.stoppedAt ?? task.executionStoppedAt ?? task.stoppingAt;
  if (stoppedAt !== undefined) status.stoppedAt = new Date(stoppedAt).getTime();
  return status;
}

/**
 * The `TaskLauncher` port on ECS Fargate (see the file comment for idempotency). RunTask calls are
 * paced within Fargate's quotas; throttling and capacity errors are retried with exponential
 * backoff and full jitter, then surfaced as a `TaskLaunchError` with ECS's reason.
 */
export class EcsTaskLauncher implements TaskLauncher {
  private readonly clients: ControlPlaneClients;
  /** Where the tasks run (a copy: the caller's lists may change). */
  private readonly placement: EcsTaskPlacement;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly limiter: FargateLaunchLimiter;
  private readonly launchConcurrency: number;
  private readonly engineDefinitions: EngineTaskDefinitions;

  constructor(options: EcsTaskLauncherOptions) {
    checkOptions(options);
    this.clients = options.clients;
    const { cluster, taskDefinition, containerName, subnets, securityGroups, assignPublicIp } = options;
    this.placement = { cluster, taskDefinition, containerName, subnets: [...subnets], securityGroups: [...securityGroups], assignPublicIp };
    this.sleep = options.sleep ?? realSleep;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_LAUNCH_ATTEMPTS;
    this.random = options.random ?? Math.random;
    this.limiter = options.limiter ?? new FargateLaunchLimiter(options.clock, this.sleep);
    this.launchConcurrency = options.launchConcurrency ?? DEFAULT_LAUNCH_CONCURRENCY;
    this.engineDefinitions =
      options.engineDefinitions ??
      new EngineTaskDefinitions({ clients: options.clients, baseTaskDefinition: options.taskDefinition, containerName: options.containerName });
  }

  /**
   * Starts the task of one shard generation, or returns the one already started for it. A spec
   * with an `image` runs under that image's task definition, registered first if need be
   * (`EngineTaskDefinitions.resolve`); a failed launch forgets it, so a retry looks it up again.
   * @throws ValidationError for a bad spec or overrides above ECS's size limit.
   * @throws TaskLaunchError when ECS refuses or cannot place the task (after retries for transient causes).
   * @throws StateConflictError when ECS holds the launch's client token for different parameters and no task of it runs.
   */
  async launch(spec: TaskSpec): Promise<{ taskId: string }> {
    checkSpec(spec);
    const identity = launchIdentity(spec.key, spec.generation);
    const overrides = launchOverrides(spec, this.placement.containerName);
    const existing = await this.findRunning(identity.startedBy);
    if (existing !== undefined) return { taskId: existing };
    if (spec.image === undefined) return this.runWithRetries(spec, identity, overrides, this.placement.taskDefinition);
    const taskDefinition = await this.engineDefinitions.resolve(spec.image);
    try {
      return await this.runWithRetries(spec, identity, overrides, taskDefinition);
    } catch (error) {
      this.engineDefinitions.forget(spec.image);
      throw error;
    }
  }

  private async runWithRetries(spec: TaskSpec, identity: LaunchIdentity, overrides: TaskOverride, taskDefinition: string): Promise<{ taskId: string }> {
    for (let attempt = 1; ; attempt++) {
      await this.limiter.acquire(1);
      let reason: string;
      let cause: unknown;
      try {
        const { tasks = [], failures = [] } = await this.clients.ecs.send(this.runTask(spec, identity, overrides, taskDefinition));
        const taskArn = tasks[0]?.taskArn;
        if (taskArn !== undefined) return { taskId: taskArn };
        reason = failureReason(failures);
        if (!RETRYABLE_FAILURE.test(reason)) throw new TaskLaunchError(`ECS could not launch ${describeLaunch(spec)}: ${reason}`, reason, attempt);
      } catch (error) {
        if (error instanceof TaskLaunchError) throw error;
        if (errorName(error) === 'ConflictException') return { taskId: await this.afterTokenConflict(spec, identity, error) };
        if (!isRetryableError(error)) throw error;
        reason = `${errorName(error)}: ${(error as Error).message}`;
        cause = error;
      }
      if (attempt >= this.maxAttempts) {
        throw new TaskLaunchError(`ECS could not launch ${describeLaunch(spec)} after ${attempt} attempts: ${reason}`, reason, attempt, {
          retryable: true,
          cause,
        });
      }
      await this.sleep(this.backoffMs(attempt));
    }
  }

  /**
   * Launches many shard generations (a campaign start, a mass relaunch) within Fargate's quotas:
   * each has its own overrides, so each is its own RunTask call, paced by the rate limiter with a
   * few in flight at once. One launch failing does not stop the others: results are in `specs`' order.
   */
  async launchMany(specs: TaskSpec[]): Promise<LaunchResult[]> {
    const results: LaunchResult[] = new Array(specs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < specs.length) {
        const i = next++;
        const spec = specs[i] as TaskSpec;
        try {
          results[i] = { spec, taskId: (await this.launch(spec)).taskId };
        } catch (error) {
          results[i] = { spec, error: error instanceof Error ? error : new Error(String(error)) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.launchConcurrency, specs.length) }, worker));
    return results;
  }

  /**
   * Stops a task with `reason` as a fleet stop reason (`fleetStopReason`: `arbfleet: ` first,
   * added when the caller did not, so it survives the cut to ECS's 255 characters and every
   * StopTask arbfleet issues is told from someone else's, `core/fleet/stop-author.ts`). ECS sends
   * SIGTERM and, after the task definition's stop
   * timeout, SIGKILL. As with the local launcher, the first reason given is the one reported: a
   * task already stopping or stopped (desired status STOPPED) is left alone. A task DescribeTasks
   * does not show is still asked to stop (ECS is eventually consistent: a task launched a moment
   * ago may not show yet), and ECS's "task was not found" answer is not an error.
   */
  async stop(taskId: string, reason: string): Promise<void> {
    const { tasks = [] } = await this.clients.ecs.send(new DescribeTasksCommand({ cluster: this.placement.cluster, tasks: [taskId] }));
    const task = tasks.find((t) => t.taskArn === taskId || shortTaskId(t.taskArn ?? '') === shortTaskId(taskId));
    if (task?.desiredStatus === 'STOPPED' || task?.lastStatus === 'STOPPED') return;
    try {
      await this.clients.ecs.send(
        new StopTaskCommand({ cluster: this.placement.cluster, task: taskId, reason: fleetStopReason(reason).slice(0, ECS_MAX_STOP_REASON_CHARS) }),
      );
    } catch (error) {
      if (errorName(error) === 'InvalidParameterException' && /not found|does not exist|unknown/i.test((error as Error).message)) return;
      throw error;
    }
  }

  /**
   * Each task's status, in the order asked (DescribeTasks in batches of 100). A task ECS does not
   * know is STOPPED with `ECS_UNKNOWN_TASK_REASON` and ECS's failure reason, and no exit code.
   */
  async describe(taskIds: string[]): Promise<TaskStatus[]> {
    const unique = [...new Set(taskIds)];
    const found = new Map<string, Task>();
    const failures = new Map<string, string>();
    for (let i = 0; i < unique.length; i += DESCRIBE_BATCH) {
      const batch = unique.slice(i, i + DESCRIBE_BATCH);
      const response = await this.clients.ecs.send(new DescribeTasksCommand({ cluster: this.placement.cluster, tasks: batch }));
      for (const task of response.tasks ?? []) {
        if (task.taskArn === undefined) continue;
        found.set(task.taskArn, task);
        found.set(shortTaskId(task.taskArn), task);
      }
      for (const failure of response.failures ?? []) {
        if (failure.arn !== undefined) failures.set(failure.arn, failure.reason ?? 'no reason given');
      }
    }
    return taskIds.map((taskId) => {
      const task = found.get(taskId) ?? found.get(shortTaskId(taskId));
      if (task !== undefined) return taskStatusOf(task, this.placement.containerName, taskId);
      const failure = failures.get(taskId);
      return {
        taskId,
        state: 'STOPPED',
        unknown: true,
        stoppedReason: failure === undefined ? ECS_UNKNOWN_TASK_REASON : `${ECS_UNKNOWN_TASK_REASON}: ${failure}`,
      };
    });
  }

  private runTask(spec: TaskSpec, identity: LaunchIdentity, overrides: TaskOverride, taskDefinition: string): RunTaskCommand {
    return new RunTaskCommand({
      cluster: this.placement.cluster,
      taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      clientToken: identity.clientToken,
      startedBy: identity.startedBy,
      group: identity.group,
      overrides,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: this.placement.subnets, securityGroups: this.placement.securityGroups, assignPublicIp: this.placement.assignPublicIp },
      },
      tags: [
        { key: 'arbfleet:campaign', value: spec.key.campaignId },
        { key: 'arbfleet:shard', value: spec.key.shardId },
        { key: 'arbfleet:generation', value: String(spec.generation) },
      ],
    });
  }

  /**
   * The task of this launch that ECS still means to run, if any. Desired status RUNNING covers
   * tasks still PENDING too (ECS never lists by desired status PENDING); a STOPPED task of the
   * same launch is not returned, so a generation whose task died before the shard recorded it is
   * launched again (on real ECS within 24 hours, the client token then returns that same task,
   * which the watchdog sees STOPPED and restarts as the next generation).
   */
  private async findRunning(startedBy: string): Promise<string | undefined> {
    const { taskArns = [] } = await this.clients.ecs.send(new ListTasksCommand({ cluster: this.placement.cluster, startedBy, desiredStatus: 'RUNNING' }));
    return taskArns[0];
  }

  /**
   * ECS holds this launch's client token for a request with other parameters (a redeploy changed
   * the task definition between two attempts): the task it started is this launch's task.
   */
  private async afterTokenConflict(spec: TaskSpec, identity: LaunchIdentity, error: unknown): Promise<string> {
    const held = ((error as { resourceIds?: string[] }).resourceIds ?? []).find((id) => id.includes(':task/'));
    if (held !== undefined) return held;
    const running = await this.findRunning(identity.startedBy);
    if (running !== undefined) return running;
    throw new StateConflictError(
      `ECS holds the client token of ${describeLaunch(spec)} for a request with other parameters, and no task of that launch is running: ${(error as Error).message}`,
    );
  }

  private backoffMs(attempt: number): number {
    return Math.floor(this.random() * Math.min(LAUNCH_BACKOFF_CAP_MS, LAUNCH_BACKOFF_BASE_MS * 2 ** (attempt - 1)));
  }
}

/** The states of a task going down (RUNNING as the watchdog judges them): one whose engine container has an exit code is `exiting`. */
const ON_THE_WAY_DOWN = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING']);

function stateOf(lastStatus: string | undefined): TaskStatus['state'] {
  switch (lastStatus) {
    case 'STOPPED':
    case 'DELETED':
      return 'STOPPED';
    case 'RUNNING':
    case 'DEACTIVATING':
    case 'STOPPING':
    case 'DEPROVISIONING':
      return 'RUNNING';
    default:
      return 'PENDING';
  }
}

/** The engine's container: the one named so, or the only one. */
function engineContainer(containers: Container[], name: string): Container | undefined {
  return containers.find((c) => c.name === name) ?? (containers.length === 1 ? containers[0] : undefined);
}

function stopReason(taskReason: string | undefined, container: Container | undefined): string | undefined {
  const own = container?.reason;
  if (!own) return taskReason || undefined;
  if (!taskReason) return `container ${container?.name}: ${own}`;
  return taskReason.includes(own) ? taskReason : `${taskReason} (container ${container?.name}: ${own})`;
}

function failureReason(failures: Failure[]): string {
  if (failures.length === 0) return 'RunTask returned no task and no failure';
  return failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ') || 'no reason given').join('; ');
}

function isRetryableError(error: unknown): boolean {
  if (RETRYABLE_ERROR.test(errorName(error) ?? '')) return true;
  const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return Boolean(e?.$retryable) || status === 429 || status >= 500;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

/** The id at the end of a task ARN (`arn:…:task/<cluster>/<id>` or `arn:…:task/<id>`), or the id itself. */
function shortTaskId(taskId: string): string {
  return taskId.slice(taskId.lastIndexOf('/') + 1);
}

function describeLaunch(spec: TaskSpec): string {
  return `shard ${spec.key.campaignId}/${spec.key.shardId} generation ${spec.generation}`;
}

function checkSpec(spec: TaskSpec): void {
  const issues: FieldIssue[] = [];
  if (!spec.key.campaignId) issues.push({ path: 'key.campaignId', message: 'expected a campaign id, found nothing' });
  if (!spec.key.shardId) issues.push({ path: 'key.shardId', message: 'expected a shard id, found nothing' });
  if (!Number.isInteger(spec.generation) || spec.generation < 0)
    issues.push({ path: 'generation', message: `expected an integer >= 0, found ${spec.generation}` });
  if (spec.symbols.length === 0) issues.push({ path: 'symbols', message: 'expected at least one symbol, found none' });
  if (issues.length > 0) throw new ValidationError(issues, 'EcsTaskLauncher.launch');
}

function checkOptions(options: EcsTaskLauncherOptions): void {
  const issues: FieldIssue[] = [];
  for (const field of ['cluster', 'taskDefinition', 'containerName'] as const) {
    if (!options[field]) issues.push({ path: field, message: 'expected a name, found nothing' });
  }
  if (options.subnets.length === 0) issues.push({ path: 'subnets', message: 'expected at least one subnet id, found none' });
  if (options.securityGroups.length > 5)
    issues.push({ path: 'securityGroups', message: `expected at most 5 security groups, found ${options.securityGroups.length}` });
  if (options.maxAttempts !== undefined && (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)) {
    issues.push({ path: 'maxAttempts', message: `expected an integer >= 1, found ${options.maxAttempts}` });
  }
  if (options.launchConcurrency !== undefined && (!Number.isInteger(options.launchConcurrency) || options.launchConcurrency < 1)) {
    issues.push({ path: 'launchConcurrency', message: `expected an integer >= 1, found ${options.launchConcurrency}` });
  }
  if (issues.length > 0) throw new ValidationError(issues, 'EcsTaskLauncher options');
}
