import { StateConflictError, VersionConflictError } from '../core/errors.js';
import type { FleetContext } from '../core/fleet/fleet-context.js';
import { fleetServices, type FleetServices } from '../core/fleet/fleet-services.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import { MemoryLaunchQueue } from '../core/local/memory-launch-queue.js';
import type { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import type { CampaignStore, LaunchMessage, LaunchQueue, ScheduleStore, TaskLauncher } from '../core/ports.js';
import { ScheduleService } from '../core/schedule/schedule-service.js';
import type { ShardRecord } from '../core/model/records.js';
import { actorClock, InjectedFault, newActor, type FaultInjector } from './fault-proxy.js';
import type { FaultLedger, LaunchAttempt, MassProbeRecord, ScheduleTickAttempt, WatchdogPassRecord } from './fault-ledger.js';
import type { Prng } from './prng.js';
import type { SimLauncher, SimTask } from './sim-launcher.js';
import type { SimLoop } from './sim-loop.js';

const STORE_METHODS = [
  'createCampaign',
  'getCampaign',
  'listCampaigns',
  'listLiveCampaigns',
  'updateCampaign',
  'getShard',
  'listShards',
  'listActiveShards',
  'updateShard',
  'readLedger',
  'readHeartbeats',
  'readCheckpoint',
  'appendEvents',
  'listEvents',
] as const satisfies readonly (keyof CampaignStore | keyof SqliteCampaignStore)[];
const SCHEDULE_STORE_METHODS = ['createSchedule', 'getSchedule', 'listSchedules', 'updateSchedule'] as const satisfies readonly (keyof ScheduleStore)[];
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
  /** How many launch drains run at once (two: a second launcher Lambda, or a second `serve`). */
  drains: number;
  /** The control plane's wall clock, ahead of true time by this much, ms (negative: behind). */
  skewMs: number;
  /** Task-stopped events: each is lost, delivered twice, or delivered late (1 to 30 s) with these chances. */
  events: { drop: number; duplicate: number; late: number };
  /** The active-shard index lags the table: with `chance` per read, it returns the records as they were up to `maxMs` ago. */
  indexLag: { chance: number; maxMs: number };
  /** Runs the schedule service's tick after each scheduler tick. */
  schedules: boolean;
  /** PRNG streams of the control plane's own chances (event delivery, index lag). */
  streams: (actor: string) => Prng;
  ledger: FaultLedger;
}

/** The services of one life of the control plane (rebuilt from the store after a crash). */
export interface ControlPlaneServices extends FleetServices {
  schedules: ScheduleService;
}

/**
 * The control plane as the local fleet composes it (`cli/local-fleet.ts`): the real services
 * over the real store, queue and launcher, seen through the fault injector, driven by virtual
 * timers (drain the launch queue, then a watchdog pass and a scheduler tick) and by task-stopped
 * events. A crash drops everything in memory (and the in-process queue, unless it survives) and
 * abandons every call in flight; the restart rebuilds the services from the store.
 */
export class SimControlPlane {
  readonly actor: ReturnType<typeof newActor>;
  services: ControlPlaneServices | undefined;
  queue: MemoryLaunchQueue;
  restarts = 0;
  /** What the active-shard index held at each read (true time, records), for lagging reads. */
  private readonly indexHistory: { at: number; shards: ShardRecord[] }[] = [];

  constructor(
    private readonly loop: SimLoop,
    private readonly injector: FaultInjector,
    private readonly store: SqliteCampaignStore,
    private readonly scheduleStore: ScheduleStore,
    private readonly launcher: SimLauncher,
    private readonly options: ControlPlaneOptions,
  ) {
    this.actor = newActor('cp', options.skewMs);
    this.queue = newQueue(loop);
    launcher.onStopped((task) => this.taskStopped(task));
  }

  /** Builds the services for this life and starts its loops. */
  boot(): void {
    const { actor, injector } = this;
    const store = this.probeObserved(injector.wrap(this.laggingIndex(), 'store', actor, STORE_METHODS));
    const schedules = injector.wrap(this.scheduleStore, 'store', actor, SCHEDULE_STORE_METHODS);
    const ctx: FleetContext = {
      store,
      queue: injector.wrap(this.queue as LaunchQueue, 'queue', actor, QUEUE_METHODS),
      launcher: injector.wrap(this.launcher as TaskLauncher, 'launcher', actor, LAUNCHER_METHODS),
      clock: actorClock(this.loop, actor),
      log: {
        log: (level, event, fields) => {
          this.loop.note('cp', `${level} ${event}${describe(fields)}`);
          if (event === 'watchdog: restart held back') {
            const f = fields as { campaignId: string; shardId: string; reason: string };
            this.options.ledger.heldBack.push({ campaignId: f.campaignId, shardId: f.shardId, at: this.loop.now(), reason: String(f.reason) });
          }
        },
      },
      // What an engine is launched with: the model reads ENDS_AT; a real runner all four (`sim/real-runner-task.ts`).
      taskEnvironment: (campaign, shard) => ({
        ENDS_AT: String(campaign.endsAt ?? 0),
        STARTED_AT: String(campaign.startedAt ?? 0),
        SHARD_INDEX: String(shard.index),
        CONFIG_JSON: JSON.stringify(campaign.config),
      }),
      newCampaignId: this.options.newCampaignId,
    };
    const fleet = fleetServices(ctx);
    const services: ControlPlaneServices = {
      ...fleet,
      schedules: new ScheduleService({ schedules, store, campaigns: fleet.campaigns, clock: ctx.clock, log: ctx.log }),
    };
    this.services = services;
    const epoch = actor.epoch;
    for (let i = 0; i < this.options.drains; i++) void this.every(epoch, this.options.drainEveryMs, () => this.drain(services, ctx.queue));
    void this.every(epoch, this.options.tickEveryMs, async () => {
      const pass: WatchdogPassRecord = { at: this.loop.now() };
      this.options.ledger.passes.push(pass);
      await this.guard('watchdog', async () => {
        try {
          return await services.watchdog.pass();
        } finally {
          pass.endedAt = this.loop.now();
        }
      });
      await this.guard('scheduler', () => services.scheduler.tick());
      if (this.options.schedules) {
        // Each tick recorded in the fault ledger: an occurrence may go unrun only if every tick in its catch-up window was cut short.
        const attempt: ScheduleTickAttempt = { at: this.loop.now(), failed: [] };
        this.options.ledger.recordScheduleTick(attempt);
        const tick = await this.guard('schedules', async () => {
          try {
            return await services.schedules.tick();
          } catch (error) {
            attempt.threw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            throw error;
          } finally {
            attempt.endedAt = this.loop.now();
          }
        });
        attempt.failed = tick?.failed ?? [];
        for (const failed of tick?.failed ?? []) {
          if (!/InjectedFault/.test(failed.error)) this.options.unexpected('schedules', new Error(`${failed.scheduleId}: ${failed.error}`));
        }
      }
    });
  }

  /**
   * The store as the control plane reads it: the active-shard index may lag the table (DynamoDB's
   * GSIs are eventually consistent). A lagging read returns each shard as the index held it up to
   * `indexLag.maxMs` ago: an older copy of its record, a shard since ended still listed, one since
   * activated not yet listed.
   */
  private laggingIndex(): SqliteCampaignStore {
    const real = this.store;
    const lagging = Object.create(real) as SqliteCampaignStore;
    const { chance, maxMs } = this.options.indexLag;
    const rng = this.options.streams('index');
    lagging.listActiveShards = async () => {
      const now = this.loop.now();
      const current = await real.listActiveShards();
      const history = this.indexHistory;
      history.push({ at: now, shards: current });
      while (history.length > 1 && (history[0] as { at: number }).at < now - maxMs - 2_000) history.shift();
      if (!rng.chance(chance)) return current;
      const lagMs = rng.int(1, maxMs);
      const old = [...history].reverse().find((h) => h.at <= now - lagMs);
      if (!old) return current;
      const key = (s: ShardRecord) => `${s.campaignId}/${s.shardId}`;
      const older = new Map(old.shards.map((s) => [key(s), s]));
      this.loop.note('cp', `index read lags ${lagMs}ms (injected)`);
      return old.shards.concat(current.filter((s) => !older.has(key(s)) && rng.chance(0.5)));
    };
    return lagging;
  }

  /**
   * The store as the watchdog's mass-staleness probe meets it (`WatchdogService.probeStore`: the
   * `watchdog.mass-staleness` event written, then the campaign read back), each probe recorded in
   * the fault ledger with its outcome as the store gave it, so the invariants need not take the
   * watchdog's word for it.
   */
  private probeObserved(store: SqliteCampaignStore): SqliteCampaignStore {
    const { ledger } = this.options;
    const open = new Map<string, MassProbeRecord>();
    const observed = Object.create(store) as SqliteCampaignStore;
    const close = (probe: MassProbeRecord, ok: boolean, note?: string) => {
      probe.endedAt = this.loop.now();
      probe.ok = ok;
      if (note !== undefined) probe.note = note;
    };
    observed.appendEvents = async (events) => {
      const event = events.find((e) => e.type === 'watchdog.mass-staleness');
      if (!event) return store.appendEvents(events);
      const probe: MassProbeRecord = { campaignId: event.campaignId, at: this.loop.now() };
      ledger.probes.push(probe);
      try {
        await store.appendEvents(events);
      } catch (error) {
        close(probe, false, `write: ${String(error)}`);
        throw error;
      }
      open.set(event.campaignId, probe);
    };
    observed.getCampaign = async (campaignId) => {
      const probe = open.get(campaignId);
      open.delete(campaignId);
      try {
        const campaign = await store.getCampaign(campaignId);
        if (probe) close(probe, true);
        return campaign;
      } catch (error) {
        if (probe) close(probe, false, `read: ${String(error)}`);
        throw error;
      }
    };
    return observed;
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
        await services.campaigns.enqueueLaunches(
          campaign,
          shards.filter((s) => isActiveShard(s.status) && s.taskId === undefined),
        );
      }
    });
  }

  /** Runs `fn` through this life's guard (for the simulated API client). */
  async guard<T>(where: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof InjectedFault) && !(error instanceof VersionConflictError || error instanceof StateConflictError))
        this.options.unexpected(where, error);
      this.loop.note('cp', `${where} threw ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async drain(services: ControlPlaneServices, queue: LaunchQueue): Promise<void> {
    const messages = await this.guard('receive', () => queue.receive(10));
    for (const message of messages ?? []) {
      const outcome = await this.handleLaunch(services, message.body);
      this.loop.note('cp', `launch g${message.body.generation} ${message.body.shardId}: ${outcome ?? 'threw'}`);
      if (outcome !== undefined && outcome !== 'retry') await this.guard('delete', () => queue.delete(message.receipt));
    }
  }

  /** One launch message handled, its attempt recorded in the fault ledger (`faulted` until it returns: a crash leaves it so). */
  private async handleLaunch(services: ControlPlaneServices, body: LaunchMessage): Promise<string | undefined> {
    const attempt: LaunchAttempt = { at: this.loop.now(), outcome: 'faulted' };
    this.options.ledger.recordLaunchAttempt(`${body.campaignId}/${body.shardId}`, body.generation, attempt);
    try {
      const outcome = await services.launches.handle(body);
      attempt.outcome = outcome;
      attempt.endedAt = this.loop.now();
      return outcome;
    } catch (error) {
      attempt.endedAt = this.loop.now();
      attempt.outcome = error instanceof InjectedFault ? 'faulted' : 'failed';
      attempt.note = error instanceof Error ? error.message : String(error);
      if (!(error instanceof InjectedFault) && !(error instanceof VersionConflictError || error instanceof StateConflictError))
        this.options.unexpected('launch', error);
      this.loop.note('cp', `launch threw ${attempt.note}`);
      return undefined;
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

  /**
   * A task's end reaches the control plane a moment later, if it is up (a dead one misses it), as
   * ECS task-state events do: at least once, maybe twice, maybe late (1 to 30 s, so out of order),
   * maybe never (the watchdog's pass must find the stop on its own).
   */
  private taskStopped(task: SimTask): void {
    const rng = this.options.streams('events');
    const { drop, duplicate, late } = this.options.events;
    const event = { ...task.status, key: task.key, generation: task.generation };
    if (rng.chance(drop)) {
      this.loop.note('cp', `the stop event of ${task.taskId} is lost (injected)`);
      return;
    }
    const deliveries = rng.chance(duplicate) ? 2 : 1;
    for (let i = 0; i < deliveries; i++) {
      const delay = rng.chance(late) ? rng.int(1_000, 30_000) : 20;
      const epoch = this.actor.epoch;
      this.loop.at(this.loop.now() + delay, () => {
        const services = this.services;
        if (!services || this.actor.epoch !== epoch || this.actor.frozenUntil > this.loop.now()) return;
        if (delay > 20 || i > 0) this.loop.note('cp', `the stop event of ${task.taskId} arrives ${i > 0 ? 'again' : ''} after ${delay}ms (injected)`);
        void this.guard('task stopped', () => services.watchdog.onTaskStopped(event));
      });
    }
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
