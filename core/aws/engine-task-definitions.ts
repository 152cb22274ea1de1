/**
 * How a campaign's own engine image reaches Fargate (issue 18). ECS cannot override a container's
 * image at RunTask, so the launcher runs a task definition made for the image: derived from the
 * stack's engine task definition (the "base": same task and execution roles, size, network mode,
 * platform, log configuration, health check, stop timeout, environment and container name), with
 * the campaign's `engine.image` as the engine container's image and arbfleet's agent pinned as its
 * entrypoint (`AGENT_ENTRYPOINT` in `/app`, `AGENT_COMMAND`), so neither the image's ENTRYPOINT nor
 * its CMD can take the agent's place. The engine's own command is not in the definition: the agent
 * reads it from the campaign's stored config (`engine.command`), the one copy the API validated,
 * the report names and every restart runs, so a definition can never disagree with its campaign.
 *
 * One family per image: `<base family>-<16 hex of sha256(image)>` (`engineFamilyOf`), so the
 * launcher's `ecs:RunTask` is granted on `task-definition/<base family>-*` and nothing else of the
 * account. Revisions in a family are keyed by their content (`DEFINITION_HASH_LABEL`, a hash of
 * the derived definition: the base's ARN with its revision, the image, the derivation): a launch
 * reuses the family's latest ACTIVE revision when its hash is the one it would register, else it
 * registers one (after a redeploy changed the base, after a cleanup, or the first time).
 *
 * Cleanup, by the launcher, when it registers: the revisions of the family up to the stale latest
 * one it replaced are older content (a base ARN never comes back after a redeploy), deregistered
 * at most `STALE_DEREGISTRATIONS_PER_REGISTRATION` at a time (the rest at the family's next
 * registration); revisions of the current content that concurrent launches registered beside this
 * one are left ACTIVE (identical, and another launch may be about to run one). Then the family's
 * INACTIVE revisions (those just deregistered, and any deregistered earlier, by a cleanup or by
 * hand) are deleted, at most `INACTIVE_DELETIONS_PER_REGISTRATION` (one `DeleteTaskDefinitions`
 * call: ECS takes 10 at most), else ECS keeps them for ever; ECS moves each to DELETE_IN_PROGRESS
 * and removes it once no task uses it. Tasks running on a deregistered or deleted revision run on;
 * a launch that raced a cleanup fails RunTask, forgets the revision (`forget`) and its redelivered
 * message registers it again. A family whose image no campaign uses any more keeps its one ACTIVE
 * revision (ECS charges nothing for it): not cleaned up here.
 *
 * Which images: `engineImageIssues`, at the front door (`ecs-admission.ts`): pinned by digest (a
 * restart must run the very engine that wrote the checkpoint; a tag can move mid-campaign) and
 * under one of the stack's allowed prefixes (`ARBFLEET_ENGINE_IMAGES`: by default its own account's
 * ECR in its region, repositories `<stack name>/…`, which the execution role may pull).
 */
import { createHash } from 'node:crypto';
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { FieldIssue } from '../errors.js';
import type { ControlPlaneClients } from './control-plane-clients.js';

/**
 * The agent as the engine container's entrypoint: `engine-task/Dockerfile`'s ENTRYPOINT, run in
 * `AGENT_WORKING_DIRECTORY` (the image's WORKDIR), whatever an image built `FROM` it set instead.
 * `main.mjs` becomes the agent when the campaign's `engine.kind` is `command`.
 */
export const AGENT_ENTRYPOINT: readonly string[] = ['node', '--enable-source-maps', 'engine-task/dist/main.mjs'];
/** Where the base image holds the agent (`WORKDIR /app`). */
export const AGENT_WORKING_DIRECTORY = '/app';
/** The agent's arguments: JSON log lines (CloudWatch's), and no CMD of the image appended as a config path. */
export const AGENT_COMMAND: readonly string[] = ['--json'];

/** The container label holding the hash of the derived definition: what a launch reuses a revision by. */
export const DEFINITION_HASH_LABEL = 'arbfleet.definition-hash';
/** Labels naming what a revision was derived from, for people reading the ECS console. */
export const BASE_LABEL = 'arbfleet.base-task-definition';
export const IMAGE_LABEL = 'arbfleet.engine-image';

/** Stale revisions a registration deregisters at most (each one call; the rest go at the next registration). */
export const STALE_DEREGISTRATIONS_PER_REGISTRATION = 2;
/** INACTIVE revisions a registration deletes at most: one `DeleteTaskDefinitions` call, which takes 10 (ECS API reference); the rest go at the next registration. */
export const INACTIVE_DELETIONS_PER_REGISTRATION = 10;
/**
 * The ECS calls `EngineTaskDefinitions.resolve` makes at worst, for the launcher's derived timeout
 * (`infra/constructs/control-plane.ts`): describe the base (once per container), describe the
 * family, register, list the family's ACTIVE revisions, the stale deregistrations, then list its
 * INACTIVE revisions and delete them (one call).
 */
export const ENGINE_DEFINITION_CALLS = 4 + STALE_DEREGISTRATIONS_PER_REGISTRATION + 2;

/** An image reference pinned by digest: `<registry>/<repository>@sha256:<64 hex>`. */
const DIGEST_PINNED = /^[a-z0-9.-]+(?::[0-9]+)?\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/;

/**
 * The images the stack may run, as prefixes of a reference (`<account>.dkr.ecr.<region>.amazonaws.com/<stack>/`):
 * the Lambdas' `ARBFLEET_ENGINE_IMAGES`, comma-separated. Empty when unset: no custom image is allowed.
 */
export function allowedEngineImages(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ARBFLEET_ENGINE_IMAGES ?? '')
    .split(',')
    .map((prefix) => prefix.trim())
    .filter(Boolean);
}

/**
 * What is wrong with `image` as a campaign's `engine.image` on this stack, as issues on `engine.image`:
 * not pinned by digest, or outside every allowed prefix (the execution role could not pull it,
 * and only images the stack's owner allows run beside its credentials).
 */
export function engineImageIssues(image: string, allowed: readonly string[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!DIGEST_PINNED.test(image)) {
    issues.push({
      path: 'engine.image',
      message: `expected an image pinned by digest, <registry>/<repository>@sha256:<64 hex digits> (a restart must run the engine that wrote the checkpoint; a tag can move), found "${image}"`,
    });
  }
  if (!allowed.some((prefix) => image.startsWith(prefix))) {
    issues.push({
      path: 'engine.image',
      message:
        allowed.length === 0
          ? `"${image}" cannot run: this stack allows no engine image (ARBFLEET_ENGINE_IMAGES is empty); leave engine.image out to run the command in the stack's own image`
          : `"${image}" is outside the registries this stack pulls from: expected a reference starting with ${allowed.map((p) => `"${p}"`).join(' or ')} (docs/deploy.md, "Your own engine image")`,
    });
  }
  return issues;
}

/** The family of a task definition given as an ARN, `family:revision` or `family`. */
export function familyOf(taskDefinition: string): string {
  const name = taskDefinition.slice(taskDefinition.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/** The family of `image`'s task definitions: `<base family>-<16 hex of sha256(image)>` (ECS allows 255 characters). */
export function engineFamilyOf(baseTaskDefinition: string, image: string): string {
  return `${familyOf(baseTaskDefinition)}-${createHash('sha256').update(image).digest('hex').slice(0, 16)}`;
}

/**
 * The RegisterTaskDefinition input of `image`'s definition, derived from the base as DescribeTaskDefinition
 * returned it: the base's task-level settings, its containers as they are but the engine's
 * (`containerName`), which gets the image, the agent's entrypoint, command and working directory,
 * and labels naming the base, the image and the hash of all of it.
 * @throws Error when the base has no container named `containerName` (a deploy mistake).
 */
export function engineTaskDefinitionInput(base: TaskDefinition, image: string, containerName: string): RegisterTaskDefinitionCommandInput {
  const baseArn = base.taskDefinitionArn ?? '';
  const containers = base.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === containerName)) {
    throw new Error(`task definition ${baseArn}: no container named "${containerName}" (ARBFLEET_CONTAINER_NAME) to run engine images in`);
  }
  const derived = (container: ContainerDefinition): ContainerDefinition =>
    container.name !== containerName
      ? container
      : {
          ...container,
          image,
          entryPoint: [...AGENT_ENTRYPOINT],
          command: [...AGENT_COMMAND],
          workingDirectory: AGENT_WORKING_DIRECTORY,
          dockerLabels: { ...container.dockerLabels, [BASE_LABEL]: baseArn, [IMAGE_LABEL]: image },
        };
  const input: RegisterTaskDefinitionCommandInput = {
    family: engineFamilyOf(baseArn, image),
    containerDefinitions: containers.map(derived),
    ...pick(base, [
      'taskRoleArn',
      'executionRoleArn',
      'networkMode',
      'requiresCompatibilities',
      'cpu',
      'memory',
      'runtimePlatform',
      'ephemeralStorage',
      'volumes',
    ]),
  };
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  for (const container of input.containerDefinitions ?? []) {
    if (container.name === containerName) container.dockerLabels = { ...container.dockerLabels, [DEFINITION_HASH_LABEL]: hash };
  }
  input.tags = [
    { key: 'arbfleet:base-task-definition', value: baseArn.slice(0, 256) },
    { key: 'arbfleet:engine-image', value: image.slice(0, 256) },
  ];
  return input;
}

/** The hash label of a definition's container `containerName`, if any. */
export function definitionHashOf(definition: Pick<TaskDefinition, 'containerDefinitions'>, containerName: string): string | undefined {
  return definition.containerDefinitions?.find((c) => c.name === containerName)?.dockerLabels?.[DEFINITION_HASH_LABEL];
}

export interface EngineTaskDefinitionsOptions {
  clients: Pick<ControlPlaneClients, 'ecs'>;
  /** The stack's engine task definition (ARN with its revision, `ARBFLEET_TASK_DEFINITION`): what every image's definition derives from. */
  baseTaskDefinition: string;
  /** The engine's container in it (`ARBFLEET_CONTAINER_NAME`). */
  containerName: string;
}

/**
 * The task definitions of engine images, registered, reused and cleaned up by the launcher (see
 * the file comment). Keeps the base and each image's resolved ARN for the life of the Lambda
 * container; `forget` drops an image's after a launch on it failed.
 */
export class EngineTaskDefinitions {
  private readonly ecs: ControlPlaneClients['ecs'];
  private readonly baseTaskDefinition: string;
  private readonly containerName: string;
  private base: Promise<TaskDefinition> | undefined;
  /** Each image's definition, resolved or being resolved: launches of one image at once (`launchMany`) share one look-up. */
  private readonly resolved = new Map<string, Promise<string>>();

  constructor(options: EngineTaskDefinitionsOptions) {
    this.ecs = options.clients.ecs;
    this.baseTaskDefinition = options.baseTaskDefinition;
    this.containerName = options.containerName;
  }

  /** The family `image`'s definitions live in. */
  familyOf(image: string): string {
    return engineFamilyOf(this.baseTaskDefinition, image);
  }

  /**
   * The ARN (with revision) of an ACTIVE task definition that runs `image` under the agent: the
   * family's latest revision when it holds exactly the derived definition, else a new revision
   * (older, stale ones deregistered).
   */
  resolve(image: string): Promise<string> {
    let arn = this.resolved.get(image);
    if (arn === undefined) {
      arn = this.lookUpOrRegister(image);
      this.resolved.set(image, arn);
      arn.catch(() => this.forget(image));
    }
    return arn;
  }

  private async lookUpOrRegister(image: string): Promise<string> {
    const desired = engineTaskDefinitionInput(await this.baseDefinition(), image, this.containerName);
    const family = desired.family as string;
    const want = definitionHashOf(desired, this.containerName);
    const latest = await this.latestOf(family);
    let arn: string;
    if (latest?.status === 'ACTIVE' && definitionHashOf(latest, this.containerName) === want && latest.taskDefinitionArn) {
      arn = latest.taskDefinitionArn;
    } else {
      const { taskDefinition } = await this.ecs.send(new RegisterTaskDefinitionCommand(desired));
      if (!taskDefinition?.taskDefinitionArn) throw new Error(`RegisterTaskDefinition of family ${family} returned no task definition`);
      arn = taskDefinition.taskDefinitionArn;
      if (latest?.revision !== undefined) await this.deregisterStale(family, latest.revision);
      await this.deleteInactive(family);
    }
    return arn;
  }

  /** Drops what is known of `image`'s definition (its launch failed: it may have been deregistered meanwhile). */
  forget(image: string): void {
    this.resolved.delete(image);
  }

  private baseDefinition(): Promise<TaskDefinition> {
    this.base ??= this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: this.baseTaskDefinition })).then(({ taskDefinition }) => {
      if (!taskDefinition) throw new Error(`DescribeTaskDefinition ${this.baseTaskDefinition} returned no task definition`);
      return taskDefinition;
    });
    this.base.catch(() => {
      this.base = undefined;
    });
    return this.base;
  }

  /** The family's latest revision (ECS: the latest ACTIVE one; moto: the latest of any status), or undefined when it has none. */
  private async latestOf(family: string): Promise<TaskDefinition | undefined> {
    try {
      return (await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))).taskDefinition;
    } catch (error) {
      if (isUnknownTaskDefinition(error)) return undefined;
      throw error;
    }
  }

  /** Deregisters ACTIVE revisions of `family` up to `staleRevision`, oldest last, at most `STALE_DEREGISTRATIONS_PER_REGISTRATION`. */
  private async deregisterStale(family: string, staleRevision: number): Promise<void> {
    const { taskDefinitionArns = [] } = await this.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', maxResults: 100 }),
    );
    const stale = taskDefinitionArns
      .map((arn) => ({ arn, family: familyOf(arn), revision: Number(arn.slice(arn.lastIndexOf(':') + 1)) }))
      .filter((d) => d.family === family && d.revision <= staleRevision)
      .sort((a, b) => b.revision - a.revision)
      .slice(0, STALE_DEREGISTRATIONS_PER_REGISTRATION);
    for (const { arn } of stale) await this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  }

  /**
   * Deletes the family's INACTIVE revisions, oldest first, at most `INACTIVE_DELETIONS_PER_REGISTRATION`.
   * A revision ECS lists under `failures` (deleted meanwhile by a concurrent launch, or not INACTIVE
   * any more) is left to ECS: the next registration lists the family again.
   */
  private async deleteInactive(family: string): Promise<void> {
    const { taskDefinitionArns = [] } = await this.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'INACTIVE', sort: 'ASC', maxResults: 100 }),
    );
    const inactive = taskDefinitionArns.filter((arn) => familyOf(arn) === family).slice(0, INACTIVE_DELETIONS_PER_REGISTRATION);
    if (inactive.length > 0) await this.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: inactive }));
  }
}

function isUnknownTaskDefinition(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return (e?.name === 'ClientException' || e?.name === 'InvalidParameterException') && /unable to describe|not ?found|does not exist/i.test(e?.message ?? '');
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return out;
}
