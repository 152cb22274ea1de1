import type { CallFaults } from './fault-proxy.js';
import type { Prng } from './prng.js';

/** The discrete faults a seed may schedule on tasks and on the control plane (besides the per-call ones). */
export const DISCRETE_FAULTS = [
  'task-kill',
  'task-oom',
  'task-exit-1',
  'task-freeze',
  'task-partition',
  'task-leak',
  'task-preempt',
  'cp-crash',
  'cp-freeze',
  'cp-partition',
] as const;
export type DiscreteFault = (typeof DISCRETE_FAULTS)[number];

/**
 * The fault mix of one seed (swarm testing, as TigerBeetle's VOPR swarms its options): each seed
 * draws its own rates and which kinds of fault are on at all, some seeds calm, some heavy, so
 * that faults rare on average still come in bunches somewhere, and budgets and deadlines are
 * reached often enough to test what happens there.
 */
export interface Swarm {
  profile: 'calm' | 'mild' | 'harsh';
  calls: CallFaults;
  /** How many discrete faults, of which kinds. */
  discrete: number;
  kinds: DiscreteFault[];
  /** Longest freeze, partition or control-plane outage, ms. */
  outageMs: number;
  /**
   * A crash storm: one shard's tasks are killed every 1.5 to 3 s, with a small restart budget
   * (`maxRestarts` 1 to 3), so its budget is spent (the shard FAILED, justified by the storm).
   */
  crashStorm: boolean;
  /** A RunTask outage from before the first campaign for 55 s: longer than the overdue-launch deadline (8 × 5 s); its campaigns last 60 s. */
  launcherOutage: boolean;
  /** The share of tasks given input they refuse (exit 2). */
  badInput: number;
  /** The launcher spawns a task on every launch (one that lost track of its tasks), rather than returning the generation's. */
  spawningLauncher: boolean;
  /** The control plane's clock skew, ms. */
  cpSkewMs: number;
  /** Each task's clock skew is drawn in [−this, this], ms. */
  engineSkewMaxMs: number;
  events: { drop: number; duplicate: number; late: number };
  indexLag: { chance: number; maxMs: number };
  drains: number;
  queueSurvivesCrash: boolean;
  drainEveryMs: number;
  /** 0: no schedule; else a `* * * * *` schedule with this many occurrences during the run. */
  scheduleOccurrences: number;
  /**
   * How many store stalls (a write lock held by another process, a throttling burst): each blocks
   * or fails the store's calls for the engines, the control plane or both, for a span drawn
   * shorter or longer than the store stall tolerance (`sim/simulation.ts`, `drawStoreStall`).
   * Seeds with stalls run campaigns of 2 to 4 shards, so mass staleness is reached.
   */
  storeStalls: number;
  /**
   * The tasks run the real engine (`ShardRunner`, `sim/real-runner-task.ts`) instead of the model
   * (`SimEngine`), so a bug the model does not share (the runner's commit retry, self-fence, final
   * heartbeat, restore) fails a seed.
   */
  realRunner: boolean;
}

/**
 * Whether a seed's tasks run the real engine (`Swarm.realRunner`), from its own `runner` stream
 * (drawn apart from the rest of the swarm, so every seed keeps its faults): 30 % of seeds.
 */
export function drawRealRunner(rng: Prng): boolean {
  return rng.chance(0.3);
}

/**
 * How many store stalls a seed injects (`Swarm.storeStalls`), from its own `stalls` stream (drawn
 * apart from the rest of the swarm, so the seeds of earlier fault mixes keep theirs): none in calm
 * seeds, else 1 to 3 (4 when harsh) in 30 % of seeds.
 */
export function drawStoreStallCount(rng: Prng, profile: Swarm['profile']): number {
  const on = rng.chance(0.3);
  const count = rng.int(1, profile === 'harsh' ? 4 : 3);
  return profile !== 'calm' && on ? count : 0;
}

/** Draws one seed's fault mix from its `swarm` stream. `preemptions`: outside stops are a restart cause the fleet knows (PREEMPTED). */
export function drawSwarm(rng: Prng, preemptions: boolean): Swarm {
  const calm = rng.chance(0.1);
  const harsh = !calm && rng.chance(0.2);
  const calls: CallFaults = calm
    ? { failBefore: 0, failAfter: 0, maxLatencyMs: 5, duplicate: 0, reorder: 0, landAfterDeath: 0 }
    : harsh
      ? { failBefore: 0.2, failAfter: 0.2, maxLatencyMs: 400, duplicate: 0.3, reorder: 0.3, landAfterDeath: 0.5 }
      : {
          failBefore: rng.pick([0, 0.01, 0.03, 0.08]),
          failAfter: rng.pick([0, 0.01, 0.03, 0.06, 0.12]),
          maxLatencyMs: rng.pick([1, 20, 150]),
          duplicate: rng.pick([0, 0.05, 0.2]),
          reorder: rng.pick([0, 0.05, 0.2]),
          landAfterDeath: rng.pick([0, 0.3, 1]),
        };
  // Which discrete kinds are on at all: each with a chance, so some seeds get only freezes, some only kills.
  const allowed = DISCRETE_FAULTS.filter((k) => (k === 'task-preempt' ? preemptions : true) && rng.chance(0.6));
  const kinds = allowed.length > 0 ? allowed : ['task-kill' as const];
  return {
    profile: calm ? 'calm' : harsh ? 'harsh' : 'mild',
    calls,
    discrete: calm ? 0 : rng.int(0, harsh ? 24 : 12),
    kinds,
    outageMs: harsh ? 20_000 : 8_000,
    crashStorm: !calm && rng.chance(0.2),
    launcherOutage: !calm && rng.chance(0.08),
    badInput: rng.chance(0.05) ? 0.15 : 0,
    spawningLauncher: rng.chance(0.3),
    cpSkewMs: rng.chance(0.3) ? rng.int(-3_000, 3_000) : 0,
    engineSkewMaxMs: rng.pick([0, 0, 500, 3_000]),
    events: calm ? { drop: 0, duplicate: 0, late: 0 } : { drop: rng.pick([0, 0.1, 0.5]), duplicate: rng.pick([0, 0.2, 0.5]), late: rng.pick([0, 0.2, 0.5]) },
    indexLag: rng.chance(0.4) ? { chance: rng.pick([0.2, 0.5, 1]), maxMs: rng.pick([500, 2_000, 6_000]) } : { chance: 0, maxMs: 0 },
    drains: rng.chance(0.3) ? 2 : 1,
    queueSurvivesCrash: rng.chance(0.5),
    drainEveryMs: rng.pick([250, 500, 1000]),
    scheduleOccurrences: rng.chance(0.25) ? rng.int(1, 2) : 0,
    storeStalls: 0,
    realRunner: false,
  };
}
