import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { CampaignConfig } from '../core/config/campaign-config.js';
import { replaySourceIssues } from '../core/data/source-check.js';
import { readReplayExtent, type ReplayExtent } from '../core/data/replay-extent.js';
import type { CampaignService } from '../core/fleet/campaign-service.js';
import type { FleetContext } from '../core/fleet/fleet-context.js';
import { fleetServices } from '../core/fleet/fleet-services.js';
import type { LaunchService } from '../core/fleet/launch-service.js';
import type { CampaignRecord, ShardRecord } from '../core/model/records.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import type { SchedulerService } from '../core/fleet/scheduler-service.js';
import type { WatchdogService } from '../core/fleet/watchdog-service.js';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { taskClockEnvironment } from '../core/fleet/task-clock.js';
import { MemoryLaunchQueue } from '../core/local/memory-launch-queue.js';
import { ensureEngineBundle } from '../core/local/engine-bundle.js';
import { ProcessLauncher } from '../core/local/process-launcher.js';
import { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import { CONTROL_PLANE_WAL_CHECKPOINT_MS } from '../core/local/sqlite-database.js';
import { SqliteScheduleStore } from '../core/local/sqlite-schedule-store.js';
import type { Logger } from '../core/log.js';
import { engineChaosEnv, type ChaosFault } from './chaos-plan.js';
import { ChaosDriver } from './chaos-driver.js';
import { fileIdentity, isEnvironmentFault, replacedFile, StoreFaultError, StoreHealth, type FileIdentity } from './store-health.js';

/** Local defaults that suit one machine (seconds). */
export const LOCAL_WATCHDOG_DEFAULTS = {
  heartbeatInterval: 1,
  staleAfter: 5,
  launchTimeout: 30,
  backoff: { initial: 1, max: 10, multiplier: 2, resetAfter: 30 },
} as const;

/** How often the local watchdog and scheduler run (ms). */
export const LOCAL_WATCHDOG_EVERY_MS = 250;

/** How often the launch queue is polled (ms), besides at every send: the safety net (a delayed launch's backoff, a redelivery). */
export const LOCAL_QUEUE_POLL_MS = 100;

/** How often `waitForEnd` looks at the campaign when nothing wakes it sooner (ms): the safety net under the events. */
export const WAIT_FOR_END_POLL_MS = 250;
/** Campaigns whose replay extent a local fleet keeps (`serve` runs many). */
const REPLAY_EXTENTS_KEPT = 64;

/**
 * Control-plane ticks run at once after a task's exit: a campaign's last shard ending takes two
 * scheduler ticks to end the campaign (RUNNING → STOPPING, then STOPPING → COMPLETED once no task
 * is live, `core/fleet/scheduler-service.ts`), which the timer alone spreads over two periods.
 */
const TICKS_AFTER_TASK_EXIT = 2;

export interface LocalFleetOptions {
  /** Where the campaign's database, task logs and report live. */
  runDir: string;
  /**
   * The folder of a campaign's task logs and health files (default `<runDir>/tasks`, one campaign
   * per run folder). `arbfleet serve` runs several campaigns over one folder, whose shards share
   * ids, so it gives each campaign its own.
   */
  taskDir?: (campaignId: string) => string;
  log: Logger;
  clock?: Clock;
  chaos?: ChaosFault[];
  /** How often the watchdog and the scheduler run (ms; default `LOCAL_WATCHDOG_EVERY_MS`, so a 5 s staleAfter is acted on within 6.5 s: its 6 s kill plus two passes). */
  watchdogEveryMs?: number;
  /** How often the launch queue is polled besides being received at every send (ms; default `LOCAL_QUEUE_POLL_MS`). */
  queuePollMs?: number;
  /** The engine command (default: the engine bundle the image runs, `core/local/engine-bundle.ts`). */
  engineCommand?: string[];
  /** SIGTERM → SIGKILL grace for stopping a task (ms). */
  stopGraceMs?: number;
  /** How long the store may stay unwritable before the campaign is given up (ms; default 20 000). */
  storeFaultBoundMs?: number;
}

/**
 * The whole fleet on one machine: the SQLite store shared with the engine processes, an
 * in-process launch queue, child processes as tasks, and the same core services the Lambdas
 * run, driven by timers instead of EventBridge and SQS.
 */
export class LocalFleet {
  readonly store: SqliteCampaignStore;
  /** The schedules, in the same file on the same connection as `store`. */
  readonly schedules: SqliteScheduleStore;
  readonly queue: MemoryLaunchQueue;
  readonly launcher: ProcessLauncher;
  readonly campaigns: CampaignService;
  readonly launches: LaunchService;
  readonly watchdog: WatchdogService;
  readonly scheduler: SchedulerService;
  readonly dbPath: string;
  /** The folder of a campaign's task logs and health files. */
  readonly taskDir: (campaignId: string) => string;
  private readonly ctx: FleetContext;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly chaos: ChaosDriver;
  /** The tick under way, if any; `tickAgain` asks it to run once more when it ends. */
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  /** When the store's WAL was last checkpointed by this control plane (`CONTROL_PLANE_WAL_CHECKPOINT_MS`). */
  private walCheckpointedAt = Number.NEGATIVE_INFINITY;
  private draining = false;
  private stopped = false;
  private unsubscribe: () => void = () => {};
  /** Woken after the ticks a task's exit sets off (`waitForEnd` sleeps on them between its polls). */
  private readonly changeWaiters = new Set<() => void>();
  private readonly storeHealth: StoreHealth;
  private readonly storeFile: FileIdentity | undefined;
  /** Repeated identical errors are logged on their 1st, 2nd, 4th, 8th… occurrence. */
  private readonly repeats = new Map<string, number>();
  private readonly replayExtents = new Map<string, ReplayExtent | undefined>();
  private onFatal: (error: StoreFaultError) => void = () => {};
  /**
   * Settles when the campaign cannot go on over this store: it stayed unwritable past its bound,
   * or its file was deleted or replaced. Never rejects; pending while all is well.
   */
  readonly fatal: Promise<StoreFaultError>;

  constructor(private readonly options: LocalFleetOptions) {
    const clock = options.clock ?? systemClock;
    this.taskDir = options.taskDir ?? (() => join(options.runDir, 'tasks'));
    if (options.taskDir === undefined) mkdirSync(join(options.runDir, 'tasks'), { recursive: true });
    this.dbPath = join(options.runDir, 'fleet.db');
    this.store = new SqliteCampaignStore(this.dbPath, clock);
    this.schedules = new SqliteScheduleStore(this.store.database, clock);
    this.queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
    this.launcher = new ProcessLauncher({
      clock,
      logDir: (key) => this.taskDir(key.campaignId),
      ...(options.engineCommand ? { command: options.engineCommand } : {}),
      ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
    });
    this.ctx = {
      store: this.store,
      queue: this.queue,
      launcher: this.launcher,
      clock,
      log: options.log,
      taskEnvironment: (campaign, shard) => this.taskEnvironment(campaign, shard),
      admit: (campaign) => replaySourceIssues(campaign.config as unknown as CampaignConfig),
      replayExtent: (campaign) => this.replayExtentOf(campaign),
    };
    ({ campaigns: this.campaigns, launches: this.launches, watchdog: this.watchdog, scheduler: this.scheduler } = fleetServices(this.ctx));
    this.chaos = new ChaosDriver(options.chaos ?? [], this.store, this.launcher, clock, options.log);
    this.storeHealth = new StoreHealth(options.storeFaultBoundMs !== undefined ? { boundMs: options.storeFaultBoundMs } : {});
    this.storeFile = fileIdentity(this.dbPath);
    let settled = false;
    this.fatal = new Promise((resolve) => {
      this.onFatal = (error) => {
        if (settled) return;
        settled = true;
        for (const timer of this.timers.splice(0)) clearInterval(timer);
        options.log.log('error', 'campaign cannot go on', { error: error.message });
        resolve(error);
      };
    });
  }

  /**
   * Where a campaign's replay files end (`readReplayExtent`, unchanged since its creation), read once
   * per campaign in this process (140-200 ms for the 5-minute candles): `GET /campaigns/{id}/report`
   * judges feed-done against it as the report files do.
   */
  private replayExtentOf(campaign: CampaignRecord): ReplayExtent | undefined {
    const known = this.replayExtents.get(campaign.campaignId);
    if (known !== undefined || this.replayExtents.has(campaign.campaignId)) return known;
    const extent = readReplayExtent(campaign.config as unknown as CampaignConfig, { unchangedSince: campaign.createdAt });
    if (this.replayExtents.size >= REPLAY_EXTENTS_KEPT) this.replayExtents.clear();
    this.replayExtents.set(campaign.campaignId, extent);
    return extent;
  }

  /** Uses `id` for the next campaign created (the CLI names its run folder after it first). */
  useCampaignId(id: string): void {
    this.ctx.newCampaignId = () => id;
  }

  /**
   * Makes the engine bundle fresh before the first launch (built when a source changed, logged
   * with why and how long), so that one that cannot be built stops the command at once, in the
   * build's words, rather than failing every launch. Each launch checks again (the launcher).
   * @throws EngineBuildError when the bundle cannot be built.
   */
  async prepareEngine(): Promise<void> {
    if (this.options.engineCommand || process.env.ARBFLEET_ENGINE_TSX === '1') return;
    const { built } = await ensureEngineBundle();
    if (built) this.options.log.log('info', 'engine bundle built', { reason: built.reason, seconds: Math.round(built.ms / 100) / 10 });
  }

  /**
   * Starts the loops: launch queue consumer, watchdog + scheduler + chaos, and exit events. Events
   * drive them at once, the timers being the safety net: a launch queued is received at once, and
   * a task's exit is judged at once and followed by the ticks it calls for (the campaign's end,
   * when it was the last), which then wake `waitForEnd`.
   */
  start(): void {
    this.stopped = false;
    const unsubscribeStopped = this.launcher.onStopped((event) => {
      void this.guard('task stopped', () => this.watchdog.onTaskStopped(event)).then(() => this.afterTaskExit());
    });
    const unsubscribeSent = this.queue.onSent(() => setImmediate(() => void this.drainQueue()));
    this.unsubscribe = () => {
      unsubscribeStopped();
      unsubscribeSent();
    };
    this.timers.push(setInterval(() => void this.drainQueue(), this.options.queuePollMs ?? LOCAL_QUEUE_POLL_MS));
    this.timers.push(setInterval(() => void this.tick(), this.options.watchdogEveryMs ?? LOCAL_WATCHDOG_EVERY_MS));
  }

  /** One watchdog pass, one scheduler tick and due chaos (what `start` runs every `watchdogEveryMs`); nothing when one is under way. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    await this.runTicks();
  }

  /** A tick that starts after this call: the one under way runs once more when it ends (it may have read the store before the event), else a new one. */
  private tickNow(): Promise<void> {
    if (this.ticking === undefined) return this.runTicks();
    this.tickAgain = true;
    return this.ticking;
  }

  private runTicks(): Promise<void> {
    this.ticking = (async () => {
      try {
        do {
          this.tickAgain = false;
          await this.tickOnce();
        } while (this.tickAgain);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** After a task's exit has been judged: the ticks it calls for, now, then `waitForEnd` woken. */
  private async afterTaskExit(): Promise<void> {
    for (let i = 0; i < TICKS_AFTER_TASK_EXIT && !this.stopped; i++) await this.tickNow();
    for (const wake of [...this.changeWaiters]) wake();
  }

  private async tickOnce(): Promise<void> {
    const replaced = this.storeFile === undefined ? undefined : replacedFile(this.dbPath, this.storeFile);
    if (replaced !== undefined) {
      this.onFatal(new StoreFaultError(`${replaced}: whatever writes to it now is not this campaign's record`));
      return;
    }
    await this.guard('watchdog', () => this.watchdog.pass());
    await this.guard('scheduler', () => this.scheduler.tick());
    await this.guard('chaos', () => this.chaos.tick());
    // The WAL copied back here, on this process's core, not on the engines' commits (theirs checkpoint
    // only past ENGINE_WAL_AUTOCHECKPOINT_PAGES); PASSIVE: it never waits on a lock.
    const now = this.ctx.clock.now();
    if (now >= this.walCheckpointedAt + CONTROL_PLANE_WAL_CHECKPOINT_MS) {
      this.walCheckpointedAt = now;
      try {
        this.store.checkpointWal();
      } catch {
        // Housekeeping: a checkpoint refused (a full disk, a store gone) leaves the WAL to the next one and to
        // the engines' own bound; the steps that write say what is wrong, once each with backoff, and count
        // toward the store's fault bound (a fresh-clone CI's full-disk test counted this one as a ninth error line).
      }
    }
  }

  /**
   * Picks a campaign up after the control plane itself died: shards waiting for a launch are
   * queued again (the in-process queue died with it); running tasks are left alone, found again
   * by their pids, and judged by their heartbeats like any other.
   */
  async resume(campaignId: string): Promise<CampaignRecord> {
    const view = await this.campaigns.getCampaign(campaignId);
    const waiting = view.shards.filter((s) => isActiveShard(s.status) && s.taskId === undefined);
    if (view.campaign.status !== 'SCHEDULED') await this.campaigns.enqueueLaunches(view.campaign, waiting);
    await this.store.appendEvents([
      { at: this.ctx.clock.now(), campaignId, type: 'control-plane.resumed', detail: { requeued: waiting.map((s) => s.shardId) } },
    ]);
    return view.campaign;
  }

  /**
   * Resolves once the campaign is COMPLETED, CANCELLED or FAILED: looked at again after the ticks a
   * task's exit sets off, and every `WAIT_FOR_END_POLL_MS` whatever happens (`onTick` each time).
   */
  async waitForEnd(campaignId: string, onTick?: () => void): Promise<CampaignRecord> {
    for (;;) {
      const campaign = await this.store.getCampaign(campaignId);
      if (campaign && isTerminalCampaign(campaign.status)) return campaign;
      onTick?.();
      await this.nextChange(WAIT_FOR_END_POLL_MS);
    }
  }

  /** Resolves at the next wake-up after a task's exit, or after `ms`, whichever comes first. */
  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.changeWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.changeWaiters.add(wake);
    });
  }

  /** Stops the loops and every task still running, then closes the store. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.unsubscribe();
    await this.launcher.stopAll('control plane closing');
    this.store.close();
  }

  /**
   * Makes any exit of this process from now on (a throw that reaches the top, `process.exit`, the
   * end of the event loop) first send SIGTERM to every task this fleet's launcher still runs, so
   * that they commit, checkpoint and exit 0 instead of running on without a control plane. The
   * signals go out synchronously in the `exit` event; nothing is awaited there, and no SIGKILL
   * follows. What `arbfleet run` wants; `arbfleet serve` leaves its engines running on purpose and
   * does not call it. A SIGKILL of this process still leaves the tasks running: they end at the
   * campaign's `endsAt` (real time) or when their replay ends, and fence themselves out when the
   * store's file is deleted or replaced. Returns the function that cancels it.
   */
  stopTasksAtExit(reason: string): () => void {
    const onExit = () => void this.launcher.stopAll(reason);
    process.once('exit', onExit);
    return () => {
      process.off('exit', onExit);
    };
  }

  /** Stops the loops but leaves tasks running (what a killed control plane leaves behind). */
  detach(): void {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.unsubscribe();
  }

  private async drainQueue(): Promise<void> {
    // A send's immediate receive may come after close(), whose store is gone: the launch waits for the next start.
    if (this.draining || this.stopped) return;
    this.draining = true;
    try {
      for (const message of await this.queue.receive(10)) {
        const outcome = await this.guard('launch', () => this.launches.handle(message.body));
        if (outcome !== undefined && outcome !== 'retry') await this.queue.delete(message.receipt);
      }
    } finally {
      this.draining = false;
    }
  }

  private taskEnvironment(campaign: CampaignRecord, shard: ShardRecord): Record<string, string> {
    const start = campaign.startedAt ?? this.ctx.clock.now();
    return {
      ARBFLEET_CONFIG_JSON: JSON.stringify(campaign.config),
      ARBFLEET_STORE: `sqlite:${this.dbPath}`,
      ARBFLEET_SHARD_INDEX: String(shard.index),
      ARBFLEET_STARTED_AT: String(start),
      ...(campaign.endsAt !== undefined ? { ARBFLEET_ENDS_AT: String(campaign.endsAt) } : {}),
      ...taskClockEnvironment(campaign.config),
      ARBFLEET_HEALTH_FILE: join(this.taskDir(campaign.campaignId), `${shard.shardId}.health.json`),
      ARBFLEET_CHAOS: engineChaosEnv(this.options.chaos ?? [], shard.shardId, start, this.ctx.clock.now()),
    };
  }

  /**
   * Runs one control-plane step; an error never kills the loops. It is logged with backoff (the
   * 1st, 2nd, 4th… time the same error repeats); an environment fault (disk full, read-only, I/O)
   * that lasts past the bound settles `fatal`.
   */
  private async guard<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const key = `${what}: ${message}`;
      const count = (this.repeats.get(key) ?? 0) + 1;
      this.repeats.set(key, count);
      let log = (count & (count - 1)) === 0;
      if (isEnvironmentFault(error)) {
        // One streak across every step: the disk is full for all of them at once.
        const verdict = this.storeHealth.fault(this.ctx.clock.now(), error);
        log = verdict.log;
        if (verdict.fatal) this.onFatal(verdict.fatal);
      }
      if (log) this.options.log.log('error', `${what} failed`, { error: message, ...(count > 1 ? { times: count } : {}) });
      return undefined;
    }
  }
}
