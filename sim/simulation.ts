import type { CampaignConfigInput } from '../core/config/campaign-config.js';
import { ConflictError } from '../core/errors.js';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { isActiveShard } from '../core/fleet/shard-lifecycle.js';
import { SqliteCampaignStore } from '../core/local/sqlite-store.js';
import type { ShardPersistence } from '../core/ports.js';
import { FaultInjector, InjectedFault, type CallFaults } from './fault-proxy.js';
import { checkInvariants, type PlannedCampaign } from './invariants.js';
import { LedgerOracle } from './ledger-oracle.js';
import { Prng } from './prng.js';
import { SimControlPlane } from './sim-control-plane.js';
import { SimEngine } from './sim-engine.js';
import { SimLauncher, type SimTask } from './sim-launcher.js';
import { SimLoop } from './sim-loop.js';

/** Virtual time at which every run starts. */
export const SIM_T0 = Date.UTC(2026, 0, 1);
/** A run that has not settled this long after its start is cut off and judged as it stands. */
const MAX_RUN_MS = 240_000;
const HEARTBEAT_SEC = 1;
const STALE_AFTER_SEC = 4;
const FLUSH_SEC = 1;
/** The share of seeds whose launcher spawns on every launch (one that lost track of its tasks) rather than returning the generation's task (ECS's client token). */
const SPAWNING_LAUNCHER = 0.3;

/** How to run a seed. */
export interface SeedOptions {
  /** Keep every trace line (for a replay); only the hash otherwise. */
  keepTrace?: boolean;
  /**
   * A bug planted on purpose, to prove the invariants catch it (tests only):
   * `ack-lost-commit` answers every third commit of an engine as done without writing it.
   */
  sabotage?: 'ack-lost-commit';
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
  };
}

/** The discrete faults a seed may schedule (besides the per-call ones). */
const DISCRETE_FAULTS = ['task-kill', 'task-oom', 'task-exit-1', 'task-freeze', 'task-partition', 'task-leak', 'cp-crash', 'cp-freeze', 'cp-partition'] as const;

/**
 * Runs one seed of the whole fleet in one process: the real control-plane services over the real
 * SQLite store (in memory) and in-process launch queue, simulated engines as tasks, virtual time,
 * and faults chosen by the seed (see `docs/architecture.md`, "Deterministic simulation"). Returns
 * the invariants it broke (none when it passed) and the trace's hash.
 */
export async function runSeed(seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  const rng = new Prng(seed);
  const loop = new SimLoop(SIM_T0, options.keepTrace === true);
  const store = new SqliteCampaignStore(':memory:', loop.clock);
  try {
    return await simulate(seed, rng, loop, store, options.sabotage);
  } finally {
    store.close();
  }
}

async function simulate(seed: number, rng: Prng, loop: SimLoop, store: SqliteCampaignStore, sabotage: SeedOptions['sabotage']): Promise<SeedResult> {
  const calm = rng.chance(0.1);
  const harsh = !calm && rng.chance(0.15);
  const faults: CallFaults = calm
    ? { failBefore: 0, failAfter: 0, maxLatencyMs: 5, duplicate: 0, reorder: 0 }
    : harsh
      ? { failBefore: 0.2, failAfter: 0.2, maxLatencyMs: 400, duplicate: 0.3, reorder: 0.3 }
      : {
        failBefore: rng.pick([0, 0.01, 0.03, 0.08]),
        failAfter: rng.pick([0, 0.01, 0.03, 0.06, 0.12]),
        maxLatencyMs: rng.pick([1, 20, 150]),
        duplicate: rng.pick([0, 0.05, 0.2]),
        reorder: rng.pick([0, 0.05, 0.2]),
      };
  const injector = new FaultInjector(loop, rng, faults);
  const oracle = new LedgerOracle();
  const unexpected: string[] = [];
  const badInput = rng.chance(0.05) ? 0.15 : 0;
  let ids = 0;

  const launcher: SimLauncher = new SimLauncher(
    loop,
    () => rng.int(50, 800),
    (task, spec) => startEngine(task, Number(spec.env['ENDS_AT'] ?? 0), spec.symbols),
    !rng.chance(SPAWNING_LAUNCHER),
  );
  const startEngine = (task: SimTask, endsAt: number, symbols: string[]): void => {
    const shard = `${task.key.campaignId}/${task.key.shardId}`;
    const real = store.forTask(task.key, task.generation);
    const port = injector.wrap(oracle.record(shard, sabotage === 'ack-lost-commit' ? ackLostCommits(real) : real), 'store', task.actor, ['restore', 'heartbeat', 'commit']);
    const host = { actor: task.actor, stopRequested: () => task.stopReason !== undefined, rssBytes: () => task.rssBytes, exit: (e: { code: number | null; message: string }) => launcher.exit(task, e) };
    const settings = {
      shard,
      symbols,
      heartbeatMs: HEARTBEAT_SEC * 1000,
      flushMs: FLUSH_SEC * 1000,
      turnMs: 500,
      selfFenceMs: STALE_AFTER_SEC * 1000 * 0.6,
      endsAt,
      tradeChance: 0.3,
      badInput: rng.chance(badInput),
    };
    void new SimEngine(loop, rng, port, host, settings, oracle).run();
  };

  const cp = new SimControlPlane(loop, injector, store, launcher, {
    queueSurvivesCrash: rng.chance(0.5),
    drainEveryMs: rng.pick([250, 500, 1000]),
    tickEveryMs: 1000,
    newCampaignId: () => `c${ids++}`,
    unexpected: (where, error) => {
      const text = `${where}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      unexpected.push(text);
      loop.note('sim', `UNEXPECTED ${text}`);
    },
  });
  cp.boot();

  // The campaigns a client asks for, retrying with the same Idempotency-Key until acknowledged.
  const planned: PlannedCampaign[] = [];
  let longest = 0;
  for (let i = rng.int(1, 2); i > 0; i--) {
    const config = campaignConfig(rng, planned.length);
    if (rng.chance(0.2)) config.schedule = { startAt: new Date(SIM_T0 + rng.int(3_000, 8_000)).toISOString() };
    longest = Math.max(longest, Number.parseInt(String(config.duration), 10) * 1000 + (config.schedule ? 8_000 : 0));
    const plan: PlannedCampaign = { name: config.name };
    planned.push(plan);
    const stopAt = rng.chance(0.2) ? rng.int(2_000, 30_000) : undefined;
    loop.at(SIM_T0 + rng.int(0, 3_000), () => void client(plan, config, stopAt));
  }
  const client = async (plan: PlannedCampaign, config: CampaignConfigInput, stopAfterMs: number | undefined): Promise<void> => {
    const key = `key-${plan.name}`;
    while (plan.campaignId === undefined) {
      const services = cp.services;
      if (services) {
        const created = await Promise.race([
          cp.guard('create', () => services.campaigns.createCampaign(config, { idempotencyKey: key })),
          loop.sleep(3_000).then(() => undefined),
        ]);
        if (created) plan.campaignId = created.view.campaign.campaignId;
      }
      if (plan.campaignId === undefined) await loop.sleep(1_000);
    }
    loop.note('client', `campaign ${plan.name} acknowledged as ${plan.campaignId}`);
    if (stopAfterMs === undefined) return;
    await loop.sleep(stopAfterMs);
    for (;;) {
      const services = cp.services;
      if (services) {
        const outcome = await Promise.race([
          services.campaigns.stopCampaign(plan.campaignId).then(
            () => 'stopped',
            (error: unknown) => (error instanceof ConflictError ? 'done' : error instanceof InjectedFault ? 'retry' : `error ${String(error)}`),
          ),
          loop.sleep(3_000).then(() => 'timeout'),
        ]);
        loop.note('client', `stop ${plan.campaignId}: ${outcome}`);
        if (outcome.startsWith('error')) unexpected.push(`stop: ${outcome}`);
        if (outcome !== 'retry' && outcome !== 'timeout') return;
      }
      await loop.sleep(1_000);
    }
  };

  // The discrete faults: crashes, freezes and partitions of tasks and of the control plane.
  const stormEnds = SIM_T0 + longest + 10_000;
  const discrete = calm ? 0 : rng.int(0, harsh ? 24 : 12);
  const outageMs = harsh ? 20_000 : 8_000;
  for (let i = 0; i < discrete; i++) {
    const kind = rng.pick(DISCRETE_FAULTS);
    loop.at(SIM_T0 + rng.int(0, longest + 5_000), () => injectDiscrete(kind));
  }
  const injectDiscrete = (kind: (typeof DISCRETE_FAULTS)[number]): void => {
    const now = loop.now();
    if (kind.startsWith('cp-')) {
      if (kind === 'cp-crash') cp.crash(rng.int(200, outageMs));
      else if (kind === 'cp-freeze') cp.actor.frozenUntil = now + rng.int(500, outageMs);
      else cp.actor.partitionedUntil = now + rng.int(500, outageMs);
      loop.note('sim', `${kind} until ${Math.max(cp.actor.frozenUntil, cp.actor.partitionedUntil) - SIM_T0}`);
      return;
    }
    const running = launcher.running();
    if (running.length === 0) return;
    const task = rng.pick(running);
    loop.note('sim', `${kind} ${task.taskId}`);
    if (kind === 'task-kill' || kind === 'task-oom') launcher.kill(task, kind === 'task-oom');
    else if (kind === 'task-exit-1') launcher.exit(task, { code: 1, message: 'Error: simulated crash' });
    else if (kind === 'task-freeze') task.actor.frozenUntil = now + rng.int(1_000, outageMs);
    else if (kind === 'task-leak') task.rssBytes = 900 * 1024 * 1024; // past 80 % of the default 1024 MiB: a recycle
    else task.actor.partitionedUntil = now + rng.int(1_000, outageMs);
  };
  loop.at(stormEnds, () => {
    injector.storming = false;
    loop.note('sim', 'the storm is over: calls only take their latency from now on');
  });

  // Run until everything has settled (or the cut-off), in slices of virtual time.
  const settled = async (): Promise<boolean> => {
    if (loop.now() < stormEnds || planned.some((p) => p.campaignId === undefined)) return false;
    for (const plan of planned) {
      const campaign = await store.getCampaign(plan.campaignId as string);
      if (!campaign || !isTerminalCampaign(campaign.status)) return false;
      if ((await store.listShards(campaign.campaignId)).some((s) => isActiveShard(s.status))) return false;
    }
    return launcher.running().length === 0 && [...launcher.tasks.values()].every((t) => t.status.state === 'STOPPED');
  };
  while (loop.now() < SIM_T0 + MAX_RUN_MS && !(await settled())) await loop.run(loop.now() + 5_000);

  const violations = await checkInvariants(store, launcher, oracle, planned);
  violations.push(...unexpected.map((u) => `unexpected error: ${u}`));
  const campaigns: string[] = [];
  let restarts = 0;
  let ledgerFills = 0;
  for (const plan of planned) {
    if (plan.campaignId === undefined) continue;
    const campaign = await store.getCampaign(plan.campaignId);
    campaigns.push(`${plan.campaignId} ${campaign?.status}${campaign?.endReason ? ` (${campaign.endReason})` : ''}`);
    for (const shard of await store.listShards(plan.campaignId)) {
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
      injected: c.failBefore + c.failAfter + c.partitioned + c.duplicated + c.reordered,
    },
  };
}

/** A small campaign whose shape the seed picks: 1 to 3 symbols, 1 or 2 per shard, 10 to 25 s. */
function campaignConfig(rng: Prng, index: number): CampaignConfigInput {
  const universe = ['BTC', 'ETH', 'XRP', 'SOL'];
  const symbols = universe.slice(0, rng.int(1, 3));
  return {
    name: `sim-${index}`,
    symbols,
    venues: {
      a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 },
      b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 },
    },
    fx: { pair: 'USDT/KRW', rate: 1380 },
    feed: { kind: 'synthetic', seed: index + 1, ticksPerSecond: 10 },
    sharding: { symbolsPerShard: rng.int(1, 2) },
    duration: `${rng.int(10, 25)}s`,
    onShardFailure: rng.chance(0.3) ? 'continue' : 'fail',
    watchdog: {
      heartbeatInterval: `${HEARTBEAT_SEC}s`,
      staleAfter: `${STALE_AFTER_SEC}s`,
      launchTimeout: '5s',
      maxRestarts: rng.int(3, 8),
      restartWindow: '1h',
      backoff: { initial: rng.pick([0, 0.5, 1]), max: 4, resetAfter: '30s' },
    },
    monitor: { interval: '5s', flushInterval: `${FLUSH_SEC}s` },
  };
}

/** The planted bug `ack-lost-commit`: every third commit is answered as done and never written. */
function ackLostCommits(port: ShardPersistence): ShardPersistence {
  let commits = 0;
  return {
    key: port.key,
    generation: port.generation,
    restore: () => port.restore(),
    heartbeat: (progress) => port.heartbeat(progress),
    commit: async (fills, checkpoint) => {
      if (++commits % 3 === 0) return;
      await port.commit(fills, checkpoint);
    },
  };
}
