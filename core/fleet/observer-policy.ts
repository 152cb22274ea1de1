/**
 * Before the watchdog believes a stale reading, it suspects itself and the store (pure rules; the
 * probe and the bookkeeping are `WatchdogService`'s):
 *
 * - **A late observer confirms nothing.** A pass whose store calls were held (a write lock held by
 *   another process, throttling) reads heartbeats that could not land meanwhile. When the previous
 *   pass took longer than the store stall tolerance (`storeStallToleranceSec`, `timeouts.ts`: a load
 *   that slows passes does not reach it, a held store does), or a shard is judged more than that
 *   after the pass listed it, the watchdog's own view is late: a stale verdict from that pass is
 *   turned back into a fresh suspicion (`deferStale`), to be confirmed by a pass that is on time.
 *   Never for a reading stale for longer than twice the watchdog's kill bound: a watchdog slow pass
 *   after pass still restarts what is dead.
 * - **Mass staleness suspects the observer first** (as Kubernetes' node lifecycle controller does
 *   with `--unhealthy-zone-threshold`: most of a zone NotReady at once is the zone's or its own
 *   trouble, not every node's). When at least `massStaleMinShards` shards of a campaign, and at least
 *   `massStaleThreshold` of them, read stale in the same pass, the watchdog probes the store (a
 *   write, then a read) before restarting any: a probe that fails or takes longer than the
 *   confirmation window means the store is unavailable, and nothing is restarted this pass; a probe
 *   that passes lets at most `massRestartsPerPass` of the stale shards be restarted per pass, the
 *   rest staying suspect, so a blip of the store or the network does not become a restart storm
 *   against RunTask's rate limits. The decision is logged, counted (`MassStaleness` metric on AWS,
 *   its alarm) and recorded as a lifecycle event on the campaign.
 */
import { WatchdogSchema } from '../config/campaign-config.js';
import type { RestartCause, ShardRecord } from '../model/records.js';
import type { SuspectVerdict, Verdict } from './watchdog-policy.js';

/** The mass-staleness settings (`watchdog.massStaleThreshold`, `massStaleMinShards`, `massRestartsPerPass`). */
export interface MassStalenessPolicy {
  /** A share of a campaign's active shards (0–1] reading stale in one pass that makes the pass suspect the observer. */
  massStaleThreshold: number;
  /** …and only with at least this many shards stale. */
  massStaleMinShards: number;
  /** Restarts of stale shards allowed per pass while the staleness is massive (the store probe passed). */
  massRestartsPerPass: number;
}

const DEFAULTS = WatchdogSchema.parse({});

/**
 * The mass-staleness settings of a campaign's `watchdog` section, each missing one (a campaign stored
 * before the setting existed) at its documented default (0.55, 3, 1).
 */
export function massStalenessPolicyFor(watchdog: Partial<MassStalenessPolicy>): MassStalenessPolicy {
  return {
    massStaleThreshold: watchdog.massStaleThreshold ?? DEFAULTS.massStaleThreshold,
    massStaleMinShards: watchdog.massStaleMinShards ?? DEFAULTS.massStaleMinShards,
    massRestartsPerPass: watchdog.massRestartsPerPass ?? DEFAULTS.massRestartsPerPass,
  };
}

/** Causes that come from a stale reading (what a late observer or a store outage can fake). */
const STALE_CAUSES: ReadonlySet<RestartCause> = new Set(['LOST', 'STALLED', 'LAUNCH_TIMEOUT']);

/**
 * The stale cause of a verdict: a suspicion, or a restart or fail reached on a stale reading;
 * undefined otherwise, and for a task seen stopped (`taskStopped`: an end nobody observed is `LOST`
 * by its cause, but it is the runtime's word that the task is gone, not the heartbeats' silence).
 */
export function staleCauseOf(verdict: Verdict): SuspectVerdict['cause'] | undefined {
  if (verdict.kind === 'suspect') return verdict.cause;
  if ((verdict.kind === 'restart' || verdict.kind === 'fail') && verdict.taskStopped !== true && STALE_CAUSES.has(verdict.incident.cause)) {
    return verdict.incident.cause as SuspectVerdict['cause'];
  }
  return undefined;
}

/**
 * True when the watchdog's view of a shard is late: the previous pass took `previousPassTookMs`,
 * or the shard is judged `sinceListedMs` after its pass listed it, longer than `lateAfterSec` (the
 * store stall tolerance): its store calls were held, and heartbeats could not land meanwhile; and
 * the reading has been stale (`staleForMs`) for less than twice `watchdogKillSec`.
 */
export function isObserverLate(
  previousPassTookMs: number | undefined,
  sinceListedMs: number,
  lateAfterSec: number,
  staleForMs: number,
  watchdogKillSec: number,
): boolean {
  if (staleForMs >= 2 * watchdogKillSec * 1000) return false;
  const lateMs = lateAfterSec * 1000;
  return (previousPassTookMs ?? 0) > lateMs || sinceListedMs > lateMs;
}

/**
 * A stale restart or fail turned back into a fresh suspicion at `now` (the observer was late, or
 * the mass-staleness rule holds it back): `suspectSince` is moved to `now`, so a pass that is on
 * time, `confirmAfterSec` later, has to read it stale again. Other verdicts are returned as they are.
 */
export function deferStale(verdict: Verdict, now: number, confirmAfterSec: number, why: string): Verdict {
  const cause = staleCauseOf(verdict);
  if (cause === undefined || verdict.kind === 'suspect' || verdict.kind === 'healthy' || verdict.kind === 'ignore' || verdict.kind === 'complete')
    return verdict;
  return {
    kind: 'suspect',
    cause,
    patch: { suspectSince: now },
    suspectSince: now,
    confirmAt: now + confirmAfterSec * 1000,
    reason: `${why}; ${verdict.incident.detail.note ?? cause}`,
  };
}

/**
 * True for a shard restarted on a stale reading whose new generation has not heartbeated yet (its
 * last restart has no `restartedAt`): still part of the incident, so the share stays massive while
 * the first shards are relaunched and the rest are restarted at the bounded rate, not all at once.
 */
export function isRestartingFromStaleness(shard: Pick<ShardRecord, 'restarts'>): boolean {
  const last = shard.restarts.at(-1);
  return last !== undefined && last.restartedAt === undefined && STALE_CAUSES.has(last.cause);
}

/** What the mass-staleness rule says about one campaign's pass. */
export type MassStaleness =
  | { kind: 'normal' }
  /** Massive: probe the store first; then restart at most `allowed` of the stale shards this pass. */
  | { kind: 'massive'; stale: number; active: number; allowed: number; reason: string };

/**
 * The rule for one campaign's pass: `stale` of its `active` shards read stale (a suspicion, or a
 * stale restart) in the same pass, or are being restarted from a stale reading
 * (`isRestartingFromStaleness`). Massive when `stale ≥ massStaleMinShards` and
 * `stale / active ≥ massStaleThreshold`.
 */
export function massStaleness(stale: number, active: number, policy: MassStalenessPolicy): MassStaleness {
  if (active === 0 || stale < policy.massStaleMinShards || stale / active < policy.massStaleThreshold) return { kind: 'normal' };
  const share = Math.round((stale / active) * 100);
  return {
    kind: 'massive',
    stale,
    active,
    allowed: policy.massRestartsPerPass,
    reason:
      `${stale} of ${active} shards (${share} %) read stale in the same pass ` +
      `(massStaleThreshold ${policy.massStaleThreshold}, massStaleMinShards ${policy.massStaleMinShards}): the store and the watchdog are checked first, ` +
      `and at most ${policy.massRestartsPerPass} shard(s) restarted per pass`,
  };
}
