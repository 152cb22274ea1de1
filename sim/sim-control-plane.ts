import { ConflictError } from '../core/errors.js';
import { CampaignService } from '../core/fleet/campaign-service.js';
import type { FleetContext } from '../core/fleet/fleet-context.js';
import { LaunchService } from '../core/fleet/launch-service.js';
import { SchedulerService } from '../core/fleet/scheduler-service.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import { WatchdogService } from '../core/fleet/watchdog-service.js';
import { MemoryLaunchQueue } from '../core/local/memory-launch-queue.js';
import type { SqliteCampaignStore } from '../core/local/sqlite-store.js';
import type { CampaignStore, LaunchQueue, TaskLauncher } from '../core/ports.js';
import { InjectedFault, newActor, type FaultInjector } from './fault-proxy.js';
import type { SimLauncher, SimTask } from './sim-launcher.js';
import type { SimLoop } from './sim-loop.js';

const STORE_METHODS = [
  'createCampaign', 'getCampaign', 'listCampaigns', 'listLiveCampaigns', 'updateCampaign', 'getShard', 'listShards',
  'listActiveShards', 'updateShard', 'readLedger', 'readHeartbeats', 'readCheckpoint', 'appendEvents', 'listEvents',
] as const satisfies readonly (keyof CampaignStore)[];
const QUEUE_METHODS = ['send', 'receive', 'delete', 'deadLetters'] as const satisfies readonly (keyof LaunchQueue)[];
const LAUNCHER_METHODS = ['launch', 'stop', 'describe'] as const satisfies readonly (keyof TaskLauncher)[];

/** How the simulated control plane runs. */
export interface ControlPlaneOptions {
  /** SQS survives a control-plane crash; the local in-process queue dies with it (and `resume` re-queues). */
  queueSurvivesCrash: boolean;
  drainEveryMs: number;
  tickEveryMs: number;
  newCampaignId: () => string;
  /** Told of every error a loop caught that is neither injected nor a lost race: a bug, or a fault the fleet mishandles. */
  unexpected: (where: string, error: unknown) => void;
}

/** The services of one life of the control plane (rebuilt from the store after a crash). */
export interface ControlPlaneServices {
  campaigns: CampaignService;
  launches: LaunchService;
  watchdog: WatchdogService;
  scheduler: SchedulerService;
}

/**
 * The control plane as the local fleet composes it (`cli/local-fleet.ts`): the real services
 * over the real store, queue and launcher, seen through the fault injector, driven by virtual
 * timers (drain the launch queue, then a watchdog pass and a scheduler tick) and by task-stopped
 * events. A crash drops everything in memory (and the in-process queue, unless it survives) and
 * abandons every call in flight; the restart rebuilds the services from the store.
 */
export class SimControlPlane {
  readonly actor = newActor('cp');
  services: ControlPlaneServices | undefined;
  queue: MemoryLaunchQueue;
  restarts = 0;

  constructor(
    private readonly loop: SimLoop,
    private readonly injector: FaultInjector,
    private readonly store: SqliteCampaignStore,
    private readonly launcher: SimLauncher,
    private readonly options: ControlPlaneOptions,
  ) {
    this.queue = newQueue(loop);
    launcher.onStopped((task) => this.taskStopped(task));
  }

  /** Builds the services for this life and starts its loops. */
  boot(): void {
    const { actor, injector } = this;
    const ctx: FleetContext = {
      store: injector.wrap(this.store as CampaignStore, 'store', actor, STORE_METHODS),
      queue: injector.wrap(this.queue as LaunchQueue, 'queue', actor, QUEUE_METHODS),
      launcher: injector.wrap(this.launcher as TaskLauncher, 'launcher', actor, LAUNCHER_METHODS),
      clock: this.loop.clock,
      log: { log: (level, event, fields) => this.loop.note('cp', `${level} ${event}${describe(fields)}`) },
      taskEnvironment: (campaign) => ({ ENDS_AT: String(campaign.endsAt ?? 0) }),
      newCampaignId: this.options.newCampaignId,
    };
    const services = {
      campaigns: new CampaignService(ctx),
      launches: new LaunchService(ctx),
      watchdog: new WatchdogService(ctx),
      scheduler: new SchedulerService(ctx),
    };
    this.services = services;
    const epoch = actor.epoch;
    void this.every(epoch, this.options.drainEveryMs, () => this.drain(services, ctx.queue));
    void this.every(epoch, this.options.tickEveryMs, async () => {
      await this.guard('watchdog', () => services.watchdog.pass());
      await this.guard('scheduler', () => services.scheduler.tick());
    });
  }

  /** A crash: everything in memory is gone, calls in flight are never answered; back after `downMs`. */
  crash(downMs: number): void {
    if (!this.actor.alive) return;
    this.loop.note('cp', `CRASH (down ${downMs}ms${this.options.queueSurvivesCrash ? '' : ', the in-process queue with it'})`);
    this.actor.epoch++;
    this.actor.alive = false;
    this.actor.frozenUntil = 0;
    this.services = undefined;
    if (!this.options.queueSurvivesCrash) this.queue = newQueue(this.loop);
    this.loop.at(this.loop.now() + downMs, () => void this.restart());
  }

  private async restart(): Promise<void> {
    this.restarts++;
    this.actor.alive = true;
    this.loop.note('cp', 'restarted from the store');
    this.boot();
    if (this.options.queueSurvivesCrash) return;
    // What `LocalFleet.resume` does: shards waiting for a launch are queued again.
    const services = this.services as ControlPlaneServices;
    await this.guard('resume', async () => {
      for (const campaign of await services.campaigns.listCampaigns()) {
        if (campaign.status === 'SCHEDULED') continue;
        const { shards } = await services.campaigns.getCampaign(campaign.campaignId);
        await services.campaigns.enqueueLaunches(campaign, shards.filter((s) => isActiveShard(s.status) && s.taskId === undefined));
      }
    });
  }

  /** Runs `fn` through this life's guard (for the simulated API client). */
  async guard<T>(where: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof InjectedFault) && !(error instanceof ConflictError && error.retryable)) this.options.unexpected(where, error);
      this.loop.note('cp', `${where} threw ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async drain(services: ControlPlaneServices, queue: LaunchQueue): Promise<void> {
    const messages = await this.guard('receive', () => queue.receive(10));
    for (const message of messages ?? []) {
      const outcome = await this.guard('launch', () => services.launches.handle(message.body));
      this.loop.note('cp', `launch g${message.body.generation} ${message.body.shardId}: ${outcome ?? 'threw'}`);
      if (outcome !== undefined && outcome !== 'retry') await this.guard('delete', () => queue.delete(message.receipt));
    }
  }

  /** A loop of this life: `fn` every `everyMs`, held up by a freeze, ended by a crash. */
  private async every(epoch: number, everyMs: number, fn: () => Promise<void>): Promise<void> {
    for (;;) {
      await this.loop.sleep(everyMs);
      while (this.actor.epoch === epoch && this.actor.frozenUntil > this.loop.now()) await this.loop.sleep(this.actor.frozenUntil - this.loop.now());
      if (this.actor.epoch !== epoch) return;
      await fn();
    }
  }

  /** A task's end reaches the control plane a moment later, if it is up (a dead one misses it). */
  private taskStopped(task: SimTask): void {
    const epoch = this.actor.epoch;
    this.loop.at(this.loop.now() + 20, () => {
      const services = this.services;
      if (!services || this.actor.epoch !== epoch || this.actor.frozenUntil > this.loop.now()) return;
      void this.guard('task stopped', () => services.watchdog.onTaskStopped({ ...task.status, key: task.key, generation: task.generation }));
    });
  }
}

function newQueue(loop: SimLoop): MemoryLaunchQueue {
  return new MemoryLaunchQueue(loop.clock, { visibilityTimeoutSec: 10, maxReceives: 5 });
}

function describe(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}
