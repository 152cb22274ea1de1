import type { CampaignConfigInput } from '../core/config/campaign-config.js';
import { AlreadyExistsError, StateConflictError, VersionConflictError } from '../core/errors.js';
import { ENGINE_EXIT } from '../core/exit-codes.js';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { RestartCauseSchema } from '../core/model/records.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import { CONTROL_PLANE_LOCK_WAIT_SEC, shardTimeouts } from '../core/fleet/timeouts.js';
import { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../core/local/sqlite-schedule-store.js';
import type { ScheduleRecord } from '../core/model/schedule-record.js';
import type { ShardPersistence } from '../core/ports.js';
import { CallerWallClock, FaultInjector, InjectedFault } from './fault-proxy.js';
import { FaultLedger, type StallScope } from './fault-ledger.js';
import { checkInvariants, type PlannedCampaign } from './invariants.js';
import { LedgerOracle } from './ledger-oracle.js';
import { checkOutcomes, shortStallBoundMs } from './outcome-invariants.js';
import { Prng } from './prng.js';
import { SimControlPlane } from './sim-control-plane.js';
import { runRealRunnerTask } from './real-runner-task.js';
import { SimEngine } from './sim-engine.js';
import { SimLauncher, type SimTask } from './sim-launcher.js';
import { SimLoop } from './sim-loop.js';
import { drawRealRunner, drawStoreStallCount, drawSwarm, type DiscreteFault, type Swarm } from './swarm.js';

/**
 * Virtual time at which every run starts: 45 s before a minute turns, so a `* * * * *` schedule's
 * occurrences fall at 45 s and 105 s into the run.
 */
export const SIM_T0 = Date.UTC(2026, 0, 1) - 45_000;
/** A run that has not settled this long after its start is cut off and judged as it stands. */
const MAX_RUN_MS = 300_000;
const HEARTBEAT_SEC = 1;
const STALE_AFTER_SEC = 4;
const FLUSH_SEC = 1;
/** Every wait of the sim's shards, from the one derivation the product uses (`core/fleet/timeouts.ts`). */
export const TIMEOUTS = shardTimeouts({ heartbeatInterval: HEARTBEAT_SEC, staleAfter: STALE_AFTER_SEC });
/** The restart cause of an outside stop, once the fleet knows it: outside stops are injected only then. */
const PREEMPTION_KNOWN = (RestartCauseSchema.options as readonly string[]).includes('PREEMPTED');

/** How to run a seed. */
export interface SeedOptions {
  /** Keep every trace line (for a replay); only the hash otherwise. */
  keepTrace?: boolean;
  /**
   * A bug planted on purpose, to prove the invariants catch it (tests only):
   * `ack-lost-commit` answers every third commit of an engine as done without writing it;
   * `no-catch-up` has the control plane's schedule service read every schedule with a catch-up
   * window of 0 s, so an occurrence found late at all is recorded missed rather than run;
   * `unbounded-mass-restarts` gives every campaign `massRestartsPerPass` 100 (the fleet obeys the
   * config, the sim holds it to the documented 1); `stall-as-crash` has every engine exit 1 where
   * it would exit 4 for a busy store (as before issue 20), so the fleet books CRASHED.
   */
  sabotage?: 'ack-lost-commit' | 'no-catch-up' | 'unbounded-mass-restarts' | 'stall-as-crash';
  /**
   * Let the swarm give 30 % of seeds a launcher that spawns a task on every launch, one that lost
   * track of its tasks (a local control plane restarted while its children lived on), rather than
   * returning the generation's task as both real launchers do (ECS's client token and ListTasks
   * look-up; `ProcessLauncher`'s map). Off by default: two tasks of one generation then write to
   * one shard, which no store fences today (the "two task identities" violation).
   */
  spawningLauncher?: boolean;
  /**
   * Freezes every running task at once, `atMs` into the run, for `forMs` (a host paused: most of
   * a campaign goes stale in the same pass), recorded as a freeze of each (tests only: the
   * mass-staleness rule's restarts per pass and its event).
   */
  massFreeze?: { atMs: number; forMs: number };
  /**
   * Whether the tasks run the real engine (`ShardRunner`, `sim/real-runner-task.ts`) rather than
   * the model (`SimEngine`): true for every task, false for none; by default the swarm draws it
   * per seed (`drawRealRunner`: 30 % of seeds).
   */
  realRunner?: boolean;
}

/** The outcome of one seed. */
export interface SeedResult {
  seed: number;
  violations: string[];
  /** FNV-1a of the whole trace: the same seed gives the same hash. */
  traceHash: string;
  /** The trace, when asked for (`keepTrace`). */
  trace: readonly string[];
  stats: {
    events: number;
    virtualSec: number;
    campaigns: string[];
    restarts: number;
    ledgerFills: number;
    controlPlaneRestarts: number;
    injected: number;
    /** The seed's fault profile (`Swarm.profile`) and its heavy options that were on. */
    swarm: string;
    /** Shards FAILED on a spent restart budget. */
    budgetExhausted: number;
    /** Shards FAILED at the overdue-launch deadline (or on a dead letter). */
    launchDeadline: number;
    /** Schedule occurrences that started no campaign, recorded missed under injected faults (each explained in the trace). */
    unrunOccurrences: number;
    /** The watchdog's mass-staleness store probes. */
    massProbes: number;
    /** LOST restarts under a long store stall accepted for the clock-skew gap (`judgeStall`). */
    skewedLost: number;
    /** The tasks ran the real engine (`Swarm.realRunner`). */
    realRunner: boolean;
  };
}

/**
 * Runs one seed of the whole fleet in one process: the real control-plane services (campaign,
 * launch, watchdog, scheduler, schedule) over the real SQLite store (in memory) and in-process
 * launch queue, simulated engines as tasks, virtual time, and the faults the seed's swarm draws
 * (see `sim/swarm.ts`). Every actor draws from its own PRNG stream (`Prng.stream`). Returns the
 * invariants it broke (none when it passed) and the trace's hash.
 */
export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  const loop = new SimLoop(SIM_T0, options.keepTrace === true);
  const wall = new CallerWallClock(loop);
  const store = new SqliteCampaignStore(':memory:', wall);
  try {
    return await simulate(seed, loop, wall, store, options);
  } finally {
    store.close();
  }
}

async function simulate(seed: number, loop: SimLoop, wall: CallerWallClock, store: SqliteCampaignStore, options: SeedOptions): Promise<SeedResult> {
  const { sabotage } = options;
  const scheduleStore = new SqliteScheduleStore(store.database, wall);
  const cache = new Map<string, Prng>();
  const streams = (actor: string): Prng => {
    let stream = cache.get(actor);
    if (!stream) {
      stream = Prng.stream(seed, actor);
      cache.set(actor, stream);
    }
    return stream;
  };
  const swarm = drawSwarm(streams('swarm'), PREEMPTION_KNOWN);
  swarm.spawningLauncher &&= options.spawningLauncher === true;
  swarm.storeStalls = drawStoreStallCount(streams('stalls'), swarm.profile);
  swarm.realRunner = options.realRunner ?? drawRealRunner(streams('runner'));
  const ledger = new FaultLedger();
  const injector = new FaultInjector(loop, streams, swarm.calls, ledger, wall);
  injector.storeLockWaitMs = { cp: CONTROL_PLANE_LOCK_WAIT_SEC * 1000, engine: TIMEOUTS.engineLockWaitSec * 1000 };
  const oracle = new LedgerOracle(
    () => loop.now(),
    async (shard) => {
      const [campaignId, shardId] = shard.split('/') as [string, string];
      return (await store.getShard({ campaignId, shardId }))?.status;
    },
  );
  const unexpected: string[] = [];
  let ids = 0;
  let engineAheadMs = 0;

  const launcherRng = streams('launcher');
  const launcher: SimLauncher = new SimLauncher(
    loop,
    () => launcherRng.int(50, 800),
    (task, spec) => startEngine(task, spec.env, spec.symbols),
    !swarm.spawningLauncher,
  );
  const startEngine = (task: SimTask, env: Record<string, string>, symbols: string[]): void => {
    const endsAt = Number(env['ENDS_AT'] ?? 0);
    const shard = `${task.key.campaignId}/${task.key.shardId}`;
    const rng = streams(`engine ${task.taskId}`);
    task.actor.skewMs = swarm.engineSkewMaxMs > 0 ? streams('clock').int(-swarm.engineSkewMaxMs, swarm.engineSkewMaxMs) : 0;
    engineAheadMs = Math.max(engineAheadMs, task.actor.skewMs);
    // The task id is this engine process's writer identity: unique per process, and deterministic (a seed replays exactly).
    const real = store.forTask(task.key, task.generation, task.taskId);
    const port = injector.wrap(oracle.record(shard, sabotage === 'ack-lost-commit' ? ackLostCommits(real) : real, task.taskId), 'store', task.actor, [
      'restore',
      'heartbeat',
      'commit',
    ]);
    const host = {
      actor: task.actor,
      stopRequested: () => task.stopReason !== undefined,
      rssBytes: () => task.rssBytes,
      exit: (e: { code: number | null; message: string }) => launcher.exit(task, e),
      onSignal: (handler: (signal: string) => void) => {
        task.onSignal = handler;
      },
    };
    const badInput = rng.chance(swarm.badInput);
    if (badInput) ledger.add(task.taskId, 'bad-input', loop.now());
    if (swarm.realRunner) {
      const realSettings = {
        shard,
        config: JSON.parse(env['CONFIG_JSON'] ?? '{}') as Record<string, unknown>,
        shardIndex: Number(env['SHARD_INDEX'] ?? 0),
        symbols,
        startAt: Number(env['STARTED_AT'] ?? 0),
        endsAt,
        badInput,
      };
      void runRealRunnerTask(loop, port, host, realSettings, oracle);
      return;
    }
    const settings = {
      shard,
      symbols,
      heartbeatMs: HEARTBEAT_SEC * 1000,
      flushMs: FLUSH_SEC * 1000,
      turnMs: 500,
      selfFenceMs: TIMEOUTS.selfFenceSec * 1000,
      commitBoundMs: TIMEOUTS.commitBoundSec * 1000,
      storeRetryMs: TIMEOUTS.storeRetrySec * 1000,
      endsAt,
      tradeChance: 0.3,
      badInput,
      storeUnavailableExit: sabotage === 'stall-as-crash' ? ENGINE_EXIT.FATAL : ENGINE_EXIT.STORE_UNAVAILABLE,
    };
    void new SimEngine(loop, rng, port, host, settings, oracle).run();
  };

  const cp = new SimControlPlane(loop, injector, store, sabotage === 'no-catch-up' ? noCatchUp(scheduleStore) : scheduleStore, launcher, {
    queueSurvivesCrash: swarm.queueSurvivesCrash,
    drainEveryMs: swarm.drainEveryMs,
    tickEveryMs: 1000,
    newCampaignId: () => `c${ids++}`,
    unexpected: (where, error) => {
      const text = `${where}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      unexpected.push(text);
      loop.note('sim', `UNEXPECTED ${text}`);
    },
    drains: swarm.drains,
    skewMs: swarm.cpSkewMs,
    events: swarm.events,
    indexLag: swarm.indexLag,
    schedules: swarm.scheduleOccurrences > 0,
    streams,
    ledger,
  });
  cp.boot();

  // The campaigns a client asks for, retrying with the same Idempotency-Key until acknowledged.
  const plan = streams('plan');
  const planned: PlannedCampaign[] = [];
  let longest = 0;
  for (let i = plan.int(1, 2); i > 0; i--) {
    const config = campaignConfig(plan, planned.length, swarm, sabotage);
    if (plan.chance(0.2)) config.schedule = { startAt: new Date(SIM_T0 + plan.int(3_000, 8_000)).toISOString() };
    longest = Math.max(longest, Number.parseInt(String(config.duration), 10) * 1000 + (config.schedule ? 8_000 : 0));
    const campaign: PlannedCampaign = { name: config.name };
    planned.push(campaign);
    const stopAt = plan.chance(0.2) ? plan.int(2_000, 30_000) : undefined;
    loop.at(SIM_T0 + plan.int(0, 3_000), () => void client(campaign, config, stopAt));
  }
  const client = async (campaign: PlannedCampaign, config: CampaignConfigInput, stopAfterMs: number | undefined): Promise<void> => {
    const key = `key-${campaign.name}`;
    while (campaign.campaignId === undefined) {
      const services = cp.services;
      if (services) {
        const created = await Promise.race([
          cp.guard('create', () => services.campaigns.createCampaign(config, { idempotencyKey: key })),
          loop.sleep(3_000).then(() => undefined),
        ]);
        if (created) campaign.campaignId = created.view.campaign.campaignId;
      }
      if (campaign.campaignId === undefined) await loop.sleep(1_000);
    }
    loop.note('client', `campaign ${campaign.name} acknowledged as ${campaign.campaignId}`);
    if (stopAfterMs === undefined) return;
    await loop.sleep(stopAfterMs);
    for (;;) {
      const services = cp.services;
      if (services) {
        const outcome = await Promise.race([
          services.campaigns.stopCampaign(campaign.campaignId).then(
            () => 'stopped',
            (error: unknown) =>
              error instanceof StateConflictError || error instanceof VersionConflictError
                ? 'done'
                : error instanceof InjectedFault
                  ? 'retry'
                  : `error ${String(error)}`,
          ),
          loop.sleep(3_000).then(() => 'timeout'),
        ]);
        loop.note('client', `stop ${campaign.campaignId}: ${outcome}`);
        if (outcome.startsWith('error')) unexpected.push(`stop: ${outcome}`);
        if (outcome !== 'retry' && outcome !== 'timeout') return;
      }
      await loop.sleep(1_000);
    }
  };

  // A schedule (`* * * * *`, runs allowed to overlap), created by a client that retries until acknowledged.
  const schedules: { scheduleId: string; until: number; acknowledged: boolean }[] = [];
  if (swarm.scheduleOccurrences > 0) {
    const until = SIM_T0 + 45_000 + (swarm.scheduleOccurrences - 1) * 60_000 + 1_000;
    const entry = { scheduleId: 'sim-schedule', until, acknowledged: false };
    schedules.push(entry);
    longest = Math.max(longest, until - SIM_T0 + 25_000);
    const spec = {
      name: entry.scheduleId,
      cron: '* * * * *',
      until: new Date(until).toISOString(),
      overlap: 'allow',
      campaign: campaignConfig(plan, 9, swarm, sabotage),
    };
    loop.at(SIM_T0 + plan.int(0, 3_000), () => void createSchedule(entry, spec));
  }
  const createSchedule = async (entry: { acknowledged: boolean }, spec: Record<string, unknown>): Promise<void> => {
    while (!entry.acknowledged) {
      const services = cp.services;
      if (services) {
        const outcome = await Promise.race([
          services.schedules.createSchedule(spec).then(
            () => 'created',
            (error: unknown) => (error instanceof AlreadyExistsError ? 'created' : error instanceof InjectedFault ? 'retry' : `error ${String(error)}`),
          ),
          loop.sleep(3_000).then(() => 'timeout'),
        ]);
        loop.note('client', `create schedule: ${outcome}`);
        if (outcome.startsWith('error')) unexpected.push(`create schedule: ${outcome}`);
        entry.acknowledged = outcome === 'created';
      }
      if (!entry.acknowledged) await loop.sleep(1_000);
    }
  };

  // The discrete faults: crashes, freezes, partitions, leaks and outside stops of tasks, and outages of the control plane.
  const stormEnds = SIM_T0 + longest + 10_000;
  const faults = streams('discrete');
  for (let i = 0; i < swarm.discrete; i++) {
    const kind = faults.pick(swarm.kinds);
    loop.at(SIM_T0 + faults.int(0, longest + 5_000), () => injectDiscrete(kind));
  }
  const injectDiscrete = (kind: DiscreteFault, target?: SimTask): void => {
    if (!injector.storming) return;
    const now = loop.now();
    if (kind.startsWith('cp-')) {
      const until = now + faults.int(kind === 'cp-crash' ? 200 : 500, swarm.outageMs);
      if (kind === 'cp-crash') cp.crash(until - now);
      else if (kind === 'cp-freeze') cp.actor.frozenUntil = until;
      else cp.actor.partitionedUntil = until;
      ledger.add('cp', kind as 'cp-crash' | 'cp-freeze' | 'cp-partition', now, until);
      loop.note('sim', `${kind} until ${until - SIM_T0}`);
      return;
    }
    const running = launcher.running();
    const task = target ?? (running.length > 0 ? faults.pick(running) : undefined);
    if (!task) return;
    loop.note('sim', `${kind} ${task.taskId}`);
    if (kind === 'task-kill' || kind === 'task-oom') {
      ledger.add(task.taskId, kind === 'task-oom' ? 'oom' : 'kill', now);
      launcher.kill(task, kind === 'task-oom');
    } else if (kind === 'task-exit-1') {
      ledger.add(task.taskId, 'exit-1', now);
      launcher.exit(task, { code: ENGINE_EXIT.FATAL, message: 'Error: simulated crash' });
    } else if (kind === 'task-freeze') {
      task.actor.frozenUntil = now + faults.int(1_000, swarm.outageMs);
      ledger.add(task.taskId, 'freeze', now, task.actor.frozenUntil);
    } else if (kind === 'task-leak') {
      task.rssBytes = 900 * 1024 * 1024; // past 80 % of the default 1024 MiB: a recycle
      ledger.add(task.taskId, 'leak', now, Infinity);
    } else if (kind === 'task-preempt') {
      ledger.add(task.taskId, 'preempt', now, now + 5_000);
      launcher.preempt(task);
    } else {
      task.actor.partitionedUntil = now + faults.int(1_000, swarm.outageMs);
      ledger.add(task.taskId, 'partition', now, task.actor.partitionedUntil);
    }
  };
  if (options.massFreeze) {
    const { atMs, forMs } = options.massFreeze;
    loop.at(SIM_T0 + atMs, () => {
      const now = loop.now();
      for (const task of launcher.running()) {
        task.actor.frozenUntil = now + forMs;
        ledger.add(task.taskId, 'freeze', now, now + forMs);
      }
      loop.note('sim', `mass freeze of every running task until ${now + forMs - SIM_T0} (injected)`);
    });
  }
  if (swarm.crashStorm) {
    // One shard's tasks killed again and again: its restart budget must run out, and its failure be judged justified.
    const storm = async (): Promise<void> => {
      await loop.sleep(faults.int(2_000, 5_000));
      while (injector.storming) {
        const victim = launcher.running().find((t) => t.key.campaignId === 'c0' && t.key.shardId === 'shard-000');
        if (victim) injectDiscrete(faults.pick(['task-kill', 'task-exit-1', 'task-oom'] as const), victim);
        await loop.sleep(faults.int(1_500, 3_000));
      }
    };
    void storm();
  }
  // Store stalls: a lock held by another process or a throttling burst, for the engines, the control plane or both.
  const stallRng = streams('stalls');
  for (let i = 0; i < swarm.storeStalls; i++) {
    const at = SIM_T0 + stallRng.int(2_000, Math.max(2_000, longest));
    const stall = drawStoreStall(stallRng, swarm.calls.maxLatencyMs);
    loop.at(at, () => {
      if (!injector.storming) return;
      const now = loop.now();
      ledger.addStall({ from: now, to: now + stall.spanMs, scope: stall.scope, mode: stall.mode });
      loop.note(
        'sim',
        `store stall (${stall.mode}) for ${stall.scope} until ${now + stall.spanMs - SIM_T0}: ${stall.spanMs} ms, ${stall.spanMs <= shortStallBoundMs(TIMEOUTS, swarm.calls.maxLatencyMs) ? 'shorter' : 'longer'} than the tolerance`,
      );
    });
  }
  if (swarm.launcherOutage) {
    injector.launcherDownUntil = SIM_T0 + 55_000;
    ledger.add('launcher', 'launcher-outage', SIM_T0, injector.launcherDownUntil);
    loop.note('sim', `launcher outage until ${injector.launcherDownUntil - SIM_T0} (injected)`);
    longest = Math.max(longest, 55_000);
  }
  const stormEndsAt = Math.max(stormEnds, SIM_T0 + longest + 10_000);
  loop.at(stormEndsAt, () => {
    injector.storming = false;
    loop.note('sim', 'the storm is over: calls only take their latency from now on');
  });

  // Run until everything has settled (or the cut-off), in slices of virtual time.
  const settled = async (): Promise<boolean> => {
    if (loop.now() < stormEndsAt || planned.some((p) => p.campaignId === undefined) || schedules.some((s) => !s.acknowledged)) return false;
    if (schedules.some((s) => loop.now() < s.until + 5_000)) return false;
    // A schedule has settled once every occurrence is decided (started or recorded missed): none pending, none due.
    for (const { scheduleId } of schedules) {
      const schedule = await scheduleStore.getSchedule(scheduleId);
      if (schedule && (schedule.nextRunAt !== null || schedule.pending !== undefined || schedule.buffered !== undefined)) return false;
    }
    for (const campaign of await store.listCampaigns()) {
      if (!isTerminalCampaign(campaign.status)) return false;
      if ((await store.listShards(campaign.campaignId)).some((s) => isActiveShard(s.status))) return false;
    }
    return launcher.running().length === 0 && [...launcher.tasks.values()].every((t) => t.status.state === 'STOPPED');
  };
  while (loop.now() < SIM_T0 + MAX_RUN_MS && !(await settled())) await loop.run(loop.now() + 5_000);

  const all: PlannedCampaign[] = [...planned];
  for (const campaign of await store.listCampaigns()) {
    if (campaign.scheduleId !== undefined) all.push({ name: `${campaign.scheduleId} run`, campaignId: campaign.campaignId });
  }
  const violations = await checkInvariants(store, launcher, oracle, all, stormEndsAt);
  const outcomes = await checkOutcomes({
    store,
    scheduleStore,
    launcher,
    ledger,
    oracle,
    t0: SIM_T0,
    cpSkewMs: swarm.cpSkewMs,
    engineAheadMs,
    schedules,
    timeouts: TIMEOUTS,
    maxLatencyMs: swarm.calls.maxLatencyMs,
    skewedLost: [],
  });
  violations.push(...outcomes.violations);
  for (const why of outcomes.stats.unrunOccurrences) loop.note('sim', why);
  violations.push(...unexpected.map((u) => `unexpected error: ${u}`));
  const campaigns: string[] = [];
  let restarts = 0;
  let ledgerFills = 0;
  for (const campaign of all) {
    if (campaign.campaignId === undefined) continue;
    const record = await store.getCampaign(campaign.campaignId);
    campaigns.push(`${campaign.campaignId} ${record?.status}${record?.endReason ? ` (${record.endReason})` : ''}`);
    for (const shard of await store.listShards(campaign.campaignId)) {
      restarts += shard.restarts.length;
      ledgerFills += (await store.readLedger(shard)).length;
    }
  }
  loop.note('sim', `end: ${violations.length} violation(s); ${campaigns.join('; ')}`);
  const c = injector.counts;
  return {
    seed,
    violations,
    traceHash: loop.traceHash(),
    trace: loop.trace(),
    stats: {
      events: loop.events,
      virtualSec: (loop.now() - SIM_T0) / 1000,
      campaigns,
      restarts,
      ledgerFills,
      controlPlaneRestarts: cp.restarts,
      injected: c.failBefore + c.failAfter + c.partitioned + c.duplicated + c.reordered + c.landedAfterDeath + c.stalled,
      swarm: describeSwarm(swarm),
      budgetExhausted: outcomes.stats.budgetExhausted,
      launchDeadline: outcomes.stats.launchDeadline,
      unrunOccurrences: outcomes.stats.unrunOccurrences.length,
      massProbes: outcomes.stats.massProbes,
      skewedLost: outcomes.stats.skewedLost,
      realRunner: swarm.realRunner,
    },
  };
}

/** The seed's fault mix in a few words (its profile and heavy options). */
function describeSwarm(swarm: Swarm): string {
  const on = [
    swarm.crashStorm ? 'crash-storm' : '',
    swarm.launcherOutage ? 'launcher-outage' : '',
    swarm.spawningLauncher ? 'spawning-launcher' : '',
    swarm.drains > 1 ? 'two-drains' : '',
    swarm.indexLag.chance > 0 ? `index-lag≤${swarm.indexLag.maxMs}ms` : '',
    swarm.cpSkewMs !== 0 ? `cp-skew ${swarm.cpSkewMs}ms` : '',
    swarm.engineSkewMaxMs > 0 ? `engine-skew ±${swarm.engineSkewMaxMs}ms` : '',
    swarm.scheduleOccurrences > 0 ? `schedule×${swarm.scheduleOccurrences}` : '',
    swarm.storeStalls > 0 ? `store-stall×${swarm.storeStalls}` : '',
    swarm.realRunner ? 'real-runner' : '',
  ].filter(Boolean);
  return [swarm.profile, ...on].join(' ');
}

/**
 * A small campaign whose shape the seed picks: 1 to 3 symbols, 1 or 2 per shard (with store
 * stalls: 2 to 4 symbols, one per shard, so a stall can make most of a campaign stale at once),
 * 10 to 25 s (20 to 30 s, with a budget of 1 to 3 restarts, in a crash storm).
 */
function campaignConfig(rng: Prng, index: number, swarm: Swarm, sabotage?: SeedOptions['sabotage']): CampaignConfigInput {
  const universe = ['BTC', 'ETH', 'XRP', 'SOL'];
  const stalls = swarm.storeStalls > 0;
  const symbols = universe.slice(0, rng.int(1, 3) + (stalls ? 1 : 0));
  const perShard = rng.int(1, 2);
  return {
    name: `sim-${index}`,
    symbols,
    venues: {
      a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 },
      b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 },
    },
    fx: { pair: 'USDT/KRW', rate: 1380 },
    // A real runner trades on this feed: dislocations wide and short enough to open and close trades within a run.
    feed: swarm.realRunner
      ? { kind: 'synthetic', seed: index + 1, ticksPerSecond: 10, dislocationBps: 60, dislocationHalfLife: 2 }
      : { kind: 'synthetic', seed: index + 1, ticksPerSecond: 10 },
    sharding: { symbolsPerShard: stalls ? 1 : perShard },
    duration: `${swarm.launcherOutage ? 60 : swarm.crashStorm ? rng.int(20, 30) : rng.int(10, 25)}s`,
    onShardFailure: rng.chance(0.3) ? 'continue' : 'fail',
    watchdog: {
      heartbeatInterval: `${HEARTBEAT_SEC}s`,
      staleAfter: `${STALE_AFTER_SEC}s`,
      launchTimeout: '5s',
      maxRestarts: swarm.crashStorm ? rng.int(1, 3) : rng.int(3, 8),
      restartWindow: '1h',
      backoff: { initial: rng.pick([0, 0.5, 1]), max: 4, resetAfter: '30s' },
      ...(sabotage === 'unbounded-mass-restarts' ? { massRestartsPerPass: 100 } : {}),
    },
    monitor: { interval: '5s', flushInterval: `${FLUSH_SEC}s` },
  };
}

/**
 * One store stall's shape, from the seed's `stalls` stream: whose calls it holds, lock or
 * throttle, and a span drawn as often shorter than the tolerance (`shortStallBoundMs`, from 0.2 s)
 * as longer (from the tolerance + 1 s to 3 × staleAfter, past the engines' self-fence).
 */
function drawStoreStall(rng: Prng, maxLatencyMs: number): { scope: StallScope; mode: 'lock' | 'throttle'; spanMs: number } {
  const scope = rng.pick(['engines', 'cp', 'both'] as const);
  const mode = rng.pick(['lock', 'throttle'] as const);
  const tolerance = TIMEOUTS.storeStallToleranceSec * 1000;
  const spanMs = rng.chance(0.5) ? rng.int(200, shortStallBoundMs(TIMEOUTS, maxLatencyMs)) : rng.int(tolerance + 1_000, 3 * STALE_AFTER_SEC * 1000);
  return { scope, mode, spanMs };
}

/** The planted bug `ack-lost-commit`: every third commit is answered as done and never written. */
function ackLostCommits(port: ShardPersistence): ShardPersistence {
  let commits = 0;
  return {
    key: port.key,
    generation: port.generation,
    ...(port.writer !== undefined ? { writer: port.writer } : {}),
    restore: () => port.restore(),
    heartbeat: (progress) => port.heartbeat(progress),
    commit: async (fills, checkpoint) => {
      if (++commits % 3 === 0) return;
      await port.commit(fills, checkpoint);
    },
  };
}

/** The planted bug `no-catch-up`: the control plane reads every schedule with `catchupWindow` 0 (the store keeps the true one). */
function noCatchUp(store: SqliteScheduleStore): SqliteScheduleStore {
  const planted = Object.create(store) as SqliteScheduleStore;
  const blind = (s: ScheduleRecord): ScheduleRecord => ({ ...s, spec: { ...s.spec, catchupWindow: 0 } });
  planted.listSchedules = async () => (await store.listSchedules()).map(blind);
  planted.getSchedule = async (id) => {
    const s = await store.getSchedule(id);
    return s && blind(s);
  };
  return planted;
}
