import type { CampaignConfig } from '../core/config/campaign-config.js';
import type { ShardTimeouts } from '../core/fleet/timeouts.js';
import type { CampaignRecord, LifecycleEvent, RestartRecord, ShardRecord } from '../core/model/records.js';
import { ENGINE_EXIT } from '../core/exit-codes.js';
import { CAMPAIGN_STATUS_EVENT } from '../core/fleet/campaign-lifecycle.js';
import { SHARD_STATUS_EVENT } from '../core/fleet/shard-lifecycle.js';
import type { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import type { ScheduleRecord } from '../core/model/schedule-record.js';
import type { ScheduleStore } from '../core/ports.js';
import { jitterMs } from '../core/schedule/schedule-policy.js';
import { calendarOfSpec } from '../core/schedule/schedule-spec.js';
import {
  TRACE_WINDOW_MS,
  type FaultLedger,
  type InjectedFaultRecord,
  type LaunchAttempt,
  type ScheduleTickAttempt,
  type StoreStall,
  type WatchdogPassRecord,
} from './fault-ledger.js';
import type { LedgerOracle } from './ledger-oracle.js';
import type { SimLauncher, SimTask } from './sim-launcher.js';

/**
 * The overdue-launch promise the fleet makes, in launch timeouts: a launch that does not happen is
 * re-queued and given this long before its shard fails (`LAUNCH_DEADLINE_TIMEOUTS` in
 * core/fleet/watchdog-policy.ts, written down here on purpose: the simulation holds the fleet to
 * the promise, it does not read it from the code it judges).
 */
export const LAUNCH_PROMISE_TIMEOUTS = 8;

/**
 * The mass-staleness promise, as documented (`watchdog.massStaleThreshold`, `massStaleMinShards`,
 * `massRestartsPerPass` defaults in core/config/campaign-config.ts; the sim's campaigns set none):
 * written down here for the same reason as `LAUNCH_PROMISE_TIMEOUTS`.
 */
export const MASS_STALE_PROMISE = { threshold: 0.55, minShards: 3, restartsPerPass: 1 } as const;

/** Restart causes that are not the engine's fault, paid from `maxPreemptions` rather than `maxRestarts` (as documented in core/fleet/backoff.ts). */
const OUTSIDE_CAUSES: ReadonlySet<string> = new Set(['PREEMPTED', 'STORE_UNAVAILABLE']);

/** Restart causes that blame the engine or declare it dead: never the price of a busy store. */
const ENGINE_BLAMED: ReadonlySet<string> = new Set(['CRASHED', 'LOST', 'STALLED', 'OOM']);

/** Restart causes reached on a stale reading: what the mass-staleness rule bounds. */
const STALE_READING_CAUSES = new Set(['LOST', 'STALLED', 'LAUNCH_TIMEOUT']);

/**
 * The longest store stall the sim holds to costing nothing, ms: the store stall tolerance T = S − H
 * (`storeStallToleranceSec`) assumes calls take no time; the slack the derivation leaves (the
 * watchdog kills at S + C; a heartbeat lands within R + W of the stall's end) is spent on the
 * seed's call latency, up to `maxLatencyMs` for each of the last heartbeat before the stall, the
 * failed try that ends in it and the first after it, less 100 ms for the engine's timers. A stall
 * this long or shorter must restart nothing; at most T.
 */
export function shortStallBoundMs(t: ShardTimeouts, maxLatencyMs: number): number {
  const slackMs = (t.staleAfterSec + t.confirmAfterSec - t.heartbeatIntervalSec - t.storeRetrySec - t.engineLockWaitSec) * 1000;
  return Math.min(t.storeStallToleranceSec * 1000, Math.round(slackMs - 3 * maxLatencyMs - 100));
}

/** What the outcome invariants need to know of the run besides the store. */
export interface OutcomeContext {
  store: SqliteCampaignStore;
  /** The schedule store over the same file (`SqliteScheduleStore` on `store.database`). */
  scheduleStore: ScheduleStore;
  launcher: SimLauncher;
  ledger: FaultLedger;
  /** True time at which the run started, ms (times in violations are seconds since). */
  t0: number;
  oracle: LedgerOracle;
  /** The control plane's clock skew, ms: its timestamps (`detectedAt`, event `at`) minus this are true time. */
  cpSkewMs: number;
  /** The largest amount by which an engine's clock ran ahead, ms (it ends that much early on its own clock). */
  engineAheadMs: number;
  /** The schedules the client created, with the last true time their ticks could run. */
  schedules: { scheduleId: string; until: number }[];
  /** The shards' waits (`core/fleet/timeouts.ts`): the store stall tolerance and the confirmation window. */
  timeouts: ShardTimeouts;
  /** The seed's longest call latency, ms (`CallFaults.maxLatencyMs`). */
  maxLatencyMs: number;
  /** LOST restarts under a long store stall accepted for the clock-skew gap (`judgeStall`), filled in by the check. */
  skewedLost: string[];
}

/** Figures of the run the outcome invariants computed (for the seed's stats). */
export interface OutcomeStats {
  /** Shards FAILED because their restart budget was spent (justified or not). */
  budgetExhausted: number;
  /** Shards FAILED at the overdue-launch deadline or on a dead letter. */
  launchDeadline: number;
  /** Schedule occurrences that started no campaign, recorded missed, with the injected faults that explain it. */
  unrunOccurrences: string[];
  /** Mass-staleness store probes the watchdog made (campaigns most of whose shards read stale in one pass). */
  massProbes: number;
  /** LOST restarts under a long store stall accepted for the clock-skew gap. */
  skewedLost: number;
}

/**
 * The simulation's outcome invariants: judged against what the seed injected (`FaultLedger`),
 * not only against the ledger. Each violation names the campaign, shard, generation and task, what
 * the fleet did and what the injected faults allowed:
 * - no shard (and so no campaign) FAILED unless its input was bad, its injected faults spent its
 *   restart budget, or its launch path was broken by injected faults for the whole overdue deadline;
 * - every restart traceable to an injected fault on the task it replaced (within `TRACE_WINDOW_MS`
 *   before its detection; a recycle to an injected leak), never to the fleet's own mistake;
 * - restarts within the budget (`maxRestarts`);
 * - no engine exit on a refused commit (every retried commit is reconciled, never refused);
 * - at most one task identity (task id, not only generation) writes to a shard at a time;
 * - a campaign that ran to its end completed none of its shards early (an outside stop is a restart);
 * - a campaign COMPLETED or CANCELLED only once its shards' tasks of the current generation have stopped;
 * - a closed (COMPLETED or FAILED) shard takes no more writes from any task;
 * - store stalls (`storeStalls`): none shorter than the tolerance restarts anything; a restart that
 *   only a longer stall explains is booked STORE_UNAVAILABLE; a stall of the control plane's calls
 *   alone explains no restart;
 * - mass staleness (`massStaleness`): at most `MASS_STALE_PROMISE.restartsPerPass` stale restarts of a
 *   campaign per watchdog pass while most of it reads stale, none in a pass whose store probe
 *   failed, and the `watchdog.mass-staleness` event written whenever the rule held restarts back;
 * - each occurrence of a schedule started exactly one campaign, or none when recorded missed while
 *   injected faults kept the schedule service from it for its whole catch-up window.
 */
export async function checkOutcomes(ctx: OutcomeContext): Promise<{ violations: string[]; stats: OutcomeStats }> {
  const violations: string[] = [];
  const stats: OutcomeStats = { budgetExhausted: 0, launchDeadline: 0, unrunOccurrences: [], massProbes: ctx.ledger.probes.length, skewedLost: 0 };
  for (const campaign of await ctx.store.listCampaigns()) {
    const events = await ctx.store.listEvents(campaign.campaignId);
    const shards = await ctx.store.listShards(campaign.campaignId);
    const justifiedFailures: string[] = [];
    const unjustified: string[] = [];
    for (const shard of shards) {
      const name = `${campaign.campaignId}/${shard.shardId}`;
      const tasks = [...ctx.launcher.tasks.values()].filter((t) => t.key.campaignId === shard.campaignId && t.key.shardId === shard.shardId);
      const untraced = shard.restarts.map((r) => traceRestart(ctx, name, r, tasks)).filter((v): v is string => v !== undefined);
      violations.push(...untraced);
      const config = campaign.config as unknown as CampaignConfig;
      // Crashes (and recycles) are paid from maxRestarts; outside stops and a busy store (not the
      // engine's fault) from maxPreemptions (core/fleet/backoff.ts, isOutsideCause).
      const raised = shard.restarts.filter((r) => r.fromGeneration < shard.generation);
      const crashes = raised.filter((r) => !OUTSIDE_CAUSES.has(r.cause)).length;
      const preemptions = raised.filter((r) => OUTSIDE_CAUSES.has(r.cause)).length;
      const { maxPreemptions } = config.watchdog;
      if (crashes > config.watchdog.maxRestarts) {
        violations.push(
          `restart budget of ${name}: restarted ${crashes} times after crashes, over maxRestarts ${config.watchdog.maxRestarts} (restartWindow ${config.watchdog.restartWindow}s)`,
        );
      }
      if (preemptions > maxPreemptions)
        violations.push(
          `preemption budget of ${name}: restarted ${preemptions} times after outside stops or a busy store, over maxPreemptions ${maxPreemptions}`,
        );
      if (shard.status === 'FAILED') {
        // The shard's own step into FAILED (a campaign's FAILED event may name the shard too).
        const failure = events.find((e) => e.type === SHARD_STATUS_EVENT && e.shardId === shard.shardId && e.to === 'FAILED');
        const verdict = judgeFailure(ctx, campaign, shard, failure, events, tasks, untraced.length, stats);
        if (verdict.justified) justifiedFailures.push(`${shard.shardId}: ${verdict.why}`);
        else {
          unjustified.push(`${shard.shardId}: ${verdict.why}`);
          violations.push(`shard ${name} FAILED without cause: ${verdict.why}`);
        }
      }
      violations.push(...prematureCompletion(ctx, campaign, shard, events, tasks));
      violations.push(...liveAtTheEnd(ctx, campaign, shard, events, tasks));
    }
    if (campaign.status === 'FAILED' && justifiedFailures.length === 0) {
      violations.push(
        `campaign ${campaign.campaignId} FAILED (${campaign.endReason ?? 'no reason'}) without cause: ${unjustified.length > 0 ? `its failed shards are not explained by the injected faults (${unjustified.join('; ')})` : 'no shard of it FAILED'}`,
      );
    }
  }
  violations.push(
    ...refusedCommits(ctx),
    ...writerIdentities(ctx),
    ...writesAfterClose(ctx),
    ...(await scheduleOccurrences(ctx, stats)),
    ...(await massStaleness(ctx)),
  );
  stats.skewedLost = ctx.skewedLost.length;
  return { violations, stats };
}

/** A restart record explained by an injected fault on its generation's task, or the violation saying it is not. */
function traceRestart(ctx: OutcomeContext, name: string, restart: RestartRecord, tasks: SimTask[]): string | undefined {
  const detected = restart.detectedAt - ctx.cpSkewMs;
  const at = `${((detected - ctx.t0) / 1000).toFixed(3)}s`;
  const own = tasks.filter((t) => t.generation === restart.fromGeneration);
  const what = `restart of ${name} from generation ${restart.fromGeneration} (${restart.cause} at ${at}${restart.detail.stoppedReason ? `: ${restart.detail.stoppedReason}` : restart.detail.note ? `: ${restart.detail.note}` : ''})`;
  if (own.length === 0) return `${what} traces to no injected fault: generation ${restart.fromGeneration} never had a task`;
  const faults: InjectedFaultRecord[] = [];
  for (const task of own) {
    // The trouble began at the task's stop when it stopped before it was detected (an event lost, the watchdog down), else by the detection.
    const began = Math.min(detected, task.status.stoppedAt ?? Infinity);
    if (restart.cause === 'RECYCLED') faults.push(...ctx.ledger.on(task.taskId).filter((f) => f.kind === 'leak'));
    else faults.push(...ctx.ledger.overlapping(task.taskId, began - TRACE_WINDOW_MS, detected + 1_000));
  }
  const stall = judgeStall(ctx, restart, own, detected, faults);
  if (stall !== 'not-stalled') return stall === 'explained' ? undefined : `${what} ${stall}`;
  if (faults.length > 0) return undefined;
  const stops = own.map((t) => `${t.taskId} ${t.status.state}${t.status.stoppedReason ? ` (${t.status.stoppedReason})` : ''}`).join(', ');
  return `${what} traces to no injected fault: its task ${stops} suffered none ${restart.cause === 'RECYCLED' ? '(no injected leak)' : `in the ${TRACE_WINDOW_MS / 1000}s before`}: the fleet's own mistake`;
}

/**
 * A restart under store stalls (`StoreStall`, any overlapping its trace window): `not-stalled`
 * when none did, or a fault of the task's own (a kill, a freeze, … but not a failed call) explains
 * it whatever the stalls; else a stall of the engines' calls longer than the short bound explains
 * it only as STORE_UNAVAILABLE; shorter ones explain nothing; failed calls beside a stall explain
 * any cause; a stall of the control plane's calls alone explains nothing (the engines wrote on); a
 * stall that began after the task stopped is not counted.
 * Returns `explained`, or the violation's tail.
 */
function judgeStall(
  ctx: OutcomeContext,
  restart: RestartRecord,
  own: SimTask[],
  detected: number,
  faults: InjectedFaultRecord[],
): 'not-stalled' | 'explained' | string {
  const began = Math.min(detected, ...own.map((t) => t.status.stoppedAt ?? Infinity));
  const from = began - TRACE_WINDOW_MS;
  // A stall that began after the task stopped (or after the detection) neither explains nor blames it.
  const engines = ctx.ledger.stallsOverlapping('engines', from, detected + 1_000).filter((x) => x.from < began);
  const cpOnly = ctx.ledger.stallsOverlapping('cp', from, detected + 1_000).filter((x) => x.scope === 'cp' && x.from < began);
  if (engines.length === 0 && cpOnly.length === 0) return 'not-stalled';
  const discrete = faults.filter((f) => f.kind !== 'call-fault');
  if (discrete.length > 0 || restart.cause === 'RECYCLED') return 'not-stalled';
  const bound = shortStallBoundMs(ctx.timeouts, ctx.maxLatencyMs);
  const s = (ms: number) => `${((ms - ctx.t0) / 1000).toFixed(3)}s`;
  const said = (list: StoreStall[]) => list.map((x) => `${x.mode} stall of ${x.scope} ${s(x.from)}–${s(x.to)} (${x.to - x.from} ms)`).join(', ');
  const long = engines.filter((x) => x.to - x.from > bound);
  // Failed calls beside the stall (an injected reset carries no store code: the engine cannot call it store trouble) explain any cause.
  if (long.length > 0 && faults.length > 0) return 'explained';
  if (long.length > 0) {
    // Blaming the engine (CRASHED, STALLED) or declaring it dead (LOST) is what a busy store must not cost; an
    // outside cause is not the engine's fault either (PREEMPTED: an exit 0 whose final heartbeat the stall refused).
    if (!ENGINE_BLAMED.has(restart.cause)) return 'explained';
    // Known gap (reported, issue 20): the watchdog clamps a heartbeat stamped by an engine whose clock runs behind
    // its own to its previous pass, up to one pass older than it is, so it may read LOST before the engine's
    // self-fence (exit 4) though F + W < K: accepted only then, and counted.
    if (restart.cause === 'LOST' && own.some((t) => t.actor.skewMs < ctx.cpSkewMs)) {
      ctx.skewedLost.push(`${restart.cause} from generation ${restart.fromGeneration}`);
      return 'explained';
    }
    return `is booked ${restart.cause} during or after a store stall longer than the tolerance (${said(long)}; short bound ${bound} ms): a busy store is not the engine's crash, it must be STORE_UNAVAILABLE (or the restart deferred)`;
  }
  if (faults.length > 0) return 'explained';
  if (engines.length > 0) {
    return `was caused by a store stall no longer than ${bound} ms (${said(engines)}; store stall tolerance ${ctx.timeouts.storeStallToleranceSec * 1000} ms less the seed's call latency): such a stall must cost nothing`;
  }
  return `traces only to a stall of the control plane's own calls (${said(cpOnly)}): the engines wrote on, so no restart is explained`;
}

/** Whether a FAILED shard is explained by what was injected, and why (or why not). */
function judgeFailure(
  ctx: OutcomeContext,
  campaign: CampaignRecord,
  shard: ShardRecord,
  failure: LifecycleEvent | undefined,
  events: LifecycleEvent[],
  tasks: SimTask[],
  untraced: number,
  stats: OutcomeStats,
): { justified: boolean; why: string } {
  const reason = failure?.detail?.['reason'] !== undefined ? String(failure.detail['reason']) : inferredReason(campaign, shard);
  // Without its event: the generation it failed at, not one a fenced close moved it to (the last restart's next, or its own on bad input).
  const generation = failure?.generation ?? Math.min(shard.generation, (shard.restarts.at(-1)?.fromGeneration ?? -1) + 1);
  if (/bad input/.test(reason)) {
    const bad = tasks.some((t) => t.generation === generation && ctx.ledger.on(t.taskId).some((f) => f.kind === 'bad-input'));
    return bad
      ? { justified: true, why: `bad input injected: ${reason}` }
      : { justified: false, why: `"${reason}", but no bad input was injected into generation ${generation}` };
  }
  if (/restart budget spent/.test(reason)) {
    stats.budgetExhausted++;
    return untraced === 0
      ? { justified: true, why: `its ${shard.restarts.length} injected faults spent the budget: ${reason}` }
      : { justified: false, why: `"${reason}", but ${untraced} of its ${shard.restarts.length} restarts trace to no injected fault` };
  }
  if (/launch never happened|dead-lettered/.test(reason)) {
    stats.launchDeadline++;
    return judgeLaunchFailure(ctx, campaign, shard, failure, events, generation, reason);
  }
  return { justified: false, why: `"${reason}" is not a failure the injected faults can cause` };
}

/**
 * The reason of a failure whose lifecycle event is missing (events are appended after the
 * compare-and-set, in a call of their own that an injected fault may swallow), from the record:
 * a last restart on exit 2 is bad input; more crash restarts than `maxRestarts` a spent budget;
 * else its launch never happened.
 */
function inferredReason(campaign: CampaignRecord, shard: ShardRecord): string {
  const config = campaign.config as unknown as CampaignConfig;
  const last = shard.restarts.at(-1);
  const crashes = shard.restarts.filter((r) => !OUTSIDE_CAUSES.has(r.cause)).length;
  const missing = '(inferred from the record: its FAILED event was lost)';
  if (last?.fromGeneration === shard.generation && last.detail.exitCode === ENGINE_EXIT.BAD_INPUT) return `bad input ${missing}`;
  if (crashes > config.watchdog.maxRestarts) return `restart budget spent ${missing}`;
  return `launch never happened ${missing}`;
}

/**
 * A launch failure is the injected faults' doing only when the launch was tried for the whole
 * promised deadline and no attempt of it came through unharmed (every handling threw an injected
 * fault or died with the control plane).
 */
function judgeLaunchFailure(
  ctx: OutcomeContext,
  campaign: CampaignRecord,
  shard: ShardRecord,
  failure: LifecycleEvent | undefined,
  events: LifecycleEvent[],
  generation: number,
  reason: string,
): { justified: boolean; why: string } {
  const config = campaign.config as unknown as CampaignConfig;
  const promiseMs = LAUNCH_PROMISE_TIMEOUTS * config.watchdog.launchTimeout * 1000;
  const dueSince = (generation === 0 ? campaign.startedAt : launchNotBefore(events, shard, generation)) ?? campaign.createdAt;
  const failedAt = failure?.at ?? shard.updatedAt;
  const waited = failedAt - dueSince;
  if (waited < promiseMs - 1_000) {
    return {
      justified: false,
      why: `"${reason}" ${(waited / 1000).toFixed(1)}s after generation ${generation}'s launch was due; the fleet promises ${LAUNCH_PROMISE_TIMEOUTS} launch timeouts (${promiseMs / 1000}s) before failing a launch`,
    };
  }
  const name = `${shard.campaignId}/${shard.shardId}`;
  // Attempts count until the shard failed, or its campaign stopped running (a launch is then dropped, rightly).
  const stopped = events.find((e) => e.type === CAMPAIGN_STATUS_EVENT && ['STOPPING', 'COMPLETED', 'CANCELLED', 'FAILED'].includes(e.to ?? ''));
  const until = Math.min(failedAt, stopped?.at ?? Infinity, campaign.endedAt ?? Infinity);
  // An attempt counts when it ran wholly inside: one that overlapped the failure may have seen it.
  const window = (a: LaunchAttempt) => a.at >= dueSince - ctx.cpSkewMs && (a.endedAt ?? Infinity) < until - ctx.cpSkewMs;
  const unharmed = ctx.ledger.launchAttempts(name, generation).filter((a) => window(a) && (a.outcome === 'launched' || a.outcome === 'dropped'));
  if (unharmed.length > 0) {
    const first = unharmed[0] as { at: number; outcome: string };
    return {
      justified: false,
      why: `"${reason}", but ${unharmed.length} launch attempt(s) of generation ${generation} met no injected fault (first at ${((first.at - ctx.t0) / 1000).toFixed(3)}s: ${first.outcome})`,
    };
  }
  return { justified: true, why: `every launch attempt of generation ${generation} hit an injected fault for ${(waited / 1000).toFixed(1)}s: ${reason}` };
}

/** When generation `generation` (> 0) was due: its RESTARTING step's `launchNotBefore` (else when that step was taken). */
function launchNotBefore(events: LifecycleEvent[], shard: ShardRecord, generation: number): number | undefined {
  const step = events.find((e) => e.shardId === shard.shardId && e.generation === generation && e.to === 'RESTARTING');
  const at = step?.detail?.['launchNotBefore'];
  return typeof at === 'number' ? at : step?.at;
}

/**
 * A campaign that ran to its end (COMPLETED) must not have completed a shard early: the fleet
 * decided the shard COMPLETED (its lifecycle event, on the control plane's clock) before the
 * campaign's `endsAt` (same clock), beyond the amount an engine's clock ran ahead (an engine ends
 * itself at `endsAt` on its own clock, and says so). An outside stop before the end is a restart
 * (PREEMPTED), never a completion.
 */
function prematureCompletion(ctx: OutcomeContext, campaign: CampaignRecord, shard: ShardRecord, events: LifecycleEvent[], tasks: SimTask[]): string[] {
  if (campaign.status !== 'COMPLETED' || shard.status !== 'COMPLETED' || campaign.endsAt === undefined) return [];
  const completed = events.find((e) => e.shardId === shard.shardId && e.to === 'COMPLETED');
  // The engine stops at true time endsAt − its skew; the control plane stamps that moment + its own skew.
  if (!completed || completed.at >= campaign.endsAt - ctx.engineAheadMs + Math.min(0, ctx.cpSkewMs) - 1_000) return [];
  const last = tasks.filter((t) => t.generation === shard.generation).at(-1);
  const stop = last
    ? ` (its task ${last.taskId}: ${last.status.stoppedReason ?? 'no reason'}${last.status.stopCode ? `, stopCode ${last.status.stopCode}` : ''})`
    : '';
  return [
    `shard ${campaign.campaignId}/${shard.shardId} COMPLETED ${((campaign.endsAt - completed.at) / 1000).toFixed(1)}s before its campaign's end${stop}: "${String(completed.detail?.['reason'] ?? '')}"; before its end a shard stops only to restart (an outside stop is PREEMPTED)`,
  ];
}

/**
 * A campaign ends (COMPLETED, CANCELLED) only once its shards' tasks have stopped: the
 * task of each shard's last generation was no longer running when the campaign was recorded
 * ended (`endedAt`, the control plane's clock, moved to true time: the fleet must have seen the stop first).
 */
function liveAtTheEnd(ctx: OutcomeContext, campaign: CampaignRecord, shard: ShardRecord, _events: LifecycleEvent[], tasks: SimTask[]): string[] {
  // FAILED is immediate by design (its tasks are stopped after). A shard closed while a task of it
  // may still run (closed with trouble at the end, "not restarted after …", or closed waiting for a
  // launch whose answer was lost) is closed one generation on, a fence: that task is no longer of
  // the shard's generation, and `writesAfterClose` holds it to writing nothing more.
  if (campaign.endedAt === undefined || campaign.status === 'FAILED') return [];
  const endedAt = campaign.endedAt - ctx.cpSkewMs;
  const live = tasks.filter((t) => t.generation === shard.generation && t.status.state !== 'PENDING' && (t.status.stoppedAt ?? Infinity) > endedAt);
  return live.map(
    (t) =>
      `campaign ${campaign.campaignId} ended ${campaign.status} at ${((endedAt - ctx.t0) / 1000).toFixed(3)}s with the task ${t.taskId} of ${shard.shardId} (generation ${t.generation}) still running${t.status.stoppedAt !== undefined ? ` until ${((t.status.stoppedAt - ctx.t0) / 1000).toFixed(3)}s` : ''}`,
  );
}

/**
 * A closed shard takes no more writes from a live task: no heartbeat or commit of a task still
 * running reached the store after the shard was COMPLETED (or FAILED). A straggler of a closed
 * shard (a frozen task waking, a task whose launch never reached the record) must be fenced, not
 * trusted to stop in time. Not held: a write that landed after its task had stopped (in flight
 * when the task died, an injected "lands after its caller died"), which only raising the
 * generation at every close, the task already gone, would refuse (seeds 724, 1802, 1974).
 */
function writesAfterClose(ctx: OutcomeContext): string[] {
  const out: string[] = [];
  for (const [shard, writes] of ctx.oracle.writes) {
    const alive = (w: { taskId: string; at: number }) => w.at <= (ctx.launcher.tasks.get(w.taskId)?.status.stoppedAt ?? Infinity);
    const late = writes.find((w) => (w.shardStatusBefore === 'COMPLETED' || w.shardStatusBefore === 'FAILED') && alive(w));
    if (!late) continue;
    const t = ((late.at - ctx.t0) / 1000).toFixed(3);
    out.push(
      `task ${late.taskId} (generation ${late.generation}) wrote a ${late.what} to ${shard} at ${t}s, after the shard was closed ${late.shardStatusBefore}: a closed shard's straggler must be fenced`,
    );
  }
  return out;
}

/** Engines that exited on a refused commit: a retried commit must be reconciled (fills already stored skipped), never refused. */
function refusedCommits(ctx: OutcomeContext): string[] {
  const out: string[] = [];
  for (const task of ctx.launcher.tasks.values()) {
    const tail = task.status.stderrTail ?? '';
    if (!/commit refused/.test(tail)) continue;
    out.push(
      `task ${task.taskId} (${task.key.campaignId}/${task.key.shardId} generation ${task.generation}) exited ${task.status.exitCode} on a refused commit: ${tail}`,
    );
  }
  return out;
}

/**
 * At most one task identity writes to a shard at a time: once a second task has written to a
 * shard, the first never writes again (checked on task ids, so two tasks of one generation are seen).
 */
function writerIdentities(ctx: OutcomeContext): string[] {
  const out: string[] = [];
  for (const [shard, writes] of ctx.oracle.writes) {
    const superseded = new Map<string, { by: string; at: number }>();
    let current: { taskId: string; generation: number } | undefined;
    for (const write of writes) {
      const gone = superseded.get(write.taskId);
      if (gone) {
        const t = (ms: number) => `${((ms - ctx.t0) / 1000).toFixed(3)}s`;
        out.push(
          `two task identities wrote to ${shard}: ${write.taskId} (generation ${write.generation}) wrote a ${write.what} at ${t(write.at)} after ${gone.by} had taken over at ${t(gone.at)}`,
        );
        break;
      }
      if (current && current.taskId !== write.taskId) superseded.set(current.taskId, { by: write.taskId, at: write.at });
      current = { taskId: write.taskId, generation: write.generation };
    }
  }
  return out;
}

/**
 * Each occurrence of a schedule, from its creation to its `until` (or the run's end), started
 * exactly one campaign, or none when it was recorded missed because the injected faults kept
 * the schedule service from starting it for its whole catch-up window. Exact:
 * - two runs of one occurrence are never accepted, nor a run of a time that is no occurrence;
 * - an occurrence with no run must be recorded missed: the schedule's `missed` counter equals
 *   the number of occurrences with no run (its overlap is `allow`, so none is skipped), and its
 *   `nextRunAt` has moved past it (not silently dropped, not still waiting);
 * - and the fault ledger must explain it: no tick of the schedule service ran through wholly
 *   inside the occurrence's catch-up window (`due` to `due + catchupWindow`, on the control
 *   plane's clock, as `decideSchedule` reads it), and injected faults covered the window (a
 *   control-plane crash, freeze or partition, or ticks cut short by injected faults; said in
 *   `stats.unrunOccurrences`).
 */
async function scheduleOccurrences(ctx: OutcomeContext, stats: OutcomeStats): Promise<string[]> {
  const out: string[] = [];
  const campaigns = await ctx.store.listCampaigns();
  for (const { scheduleId, until } of ctx.schedules) {
    const schedule = await ctx.scheduleStore.getSchedule(scheduleId);
    if (!schedule) {
      out.push(`schedule ${scheduleId} was acknowledged but is not in the store`);
      continue;
    }
    const runs = campaigns.filter((c) => c.scheduleId === scheduleId);
    const calendar = calendarOfSpec(schedule.spec);
    const expected: number[] = [];
    for (let at = calendar.nextAfter(schedule.createdAt - 1); at !== null && at <= until; at = calendar.nextAfter(at)) expected.push(at);
    const unrun: number[] = [];
    for (const occurrence of expected) {
      const started = runs.filter((c) => c.occurrence === occurrence);
      const iso = new Date(occurrence).toISOString();
      if (started.length > 1)
        out.push(
          `schedule ${scheduleId}: occurrence ${iso} started ${started.length} campaigns (${started.map((c) => c.campaignId).join(', ')}), expected exactly one`,
        );
      if (started.length !== 0) continue;
      unrun.push(occurrence);
      const verdict = judgeUnrun(ctx, schedule, occurrence);
      if (verdict.justified) stats.unrunOccurrences.push(`schedule ${scheduleId}: occurrence ${iso} recorded missed: ${verdict.why}`);
      else out.push(`schedule ${scheduleId}: occurrence ${iso} started no campaign (missed ${schedule.missed}, skipped ${schedule.skipped}): ${verdict.why}`);
    }
    if (schedule.missed !== unrun.length || schedule.skipped !== 0) {
      const list = unrun.map((o) => new Date(o).toISOString()).join(', ') || 'none';
      out.push(
        `schedule ${scheduleId}: recorded ${schedule.missed} occurrence(s) missed and ${schedule.skipped} skipped, but ${unrun.length} went unrun (${list}); with overlap allow each unrun occurrence is recorded missed, and only those`,
      );
    }
    for (const run of runs) {
      if (!expected.includes(run.occurrence ?? Number.NaN))
        out.push(
          `schedule ${scheduleId}: campaign ${run.campaignId} runs occurrence ${run.occurrence === undefined ? 'none' : new Date(run.occurrence).toISOString()}, which is not one of its occurrences`,
        );
    }
  }
  return out;
}

/** Whether an occurrence with no run was decided missed, and kept from running by the injected faults (which), or why not. */
function judgeUnrun(ctx: OutcomeContext, schedule: ScheduleRecord, occurrence: number): { justified: boolean; why: string } {
  const { scheduleId, spec } = schedule;
  const s = (ms: number) => `${((ms - ctx.t0) / 1000).toFixed(3)}s`;
  if (schedule.nextRunAt !== null && schedule.nextRunAt <= occurrence) {
    return {
      justified: false,
      why: `the schedule never decided it (nextRunAt ${new Date(schedule.nextRunAt).toISOString()}${schedule.pending ? `, a run pending: ${schedule.pending.idempotencyKey}` : ''}): dropped, neither run nor recorded missed`,
    };
  }
  // The catch-up window in true time: the control plane decides on its own clock (true time + its skew).
  const due = occurrence + jitterMs(scheduleId, occurrence, spec.jitter) - ctx.cpSkewMs;
  const closes = due + spec.catchupWindow * 1000;
  const window = `${s(due)}–${s(closes)}`;
  const injected = (error: string) => /InjectedFault/.test(error);
  const ticks = ctx.ledger.scheduleTicks().filter((t) => t.at >= due && t.at <= closes);
  const cutShort = (t: ScheduleTickAttempt) =>
    t.endedAt === undefined || (t.threw !== undefined && injected(t.threw)) || t.failed.some((f) => f.scheduleId === scheduleId && injected(f.error));
  const ranThrough = ticks.find((t) => t.endedAt !== undefined && t.endedAt <= closes && !cutShort(t));
  if (ranThrough) {
    return {
      justified: false,
      why: `the schedule service's tick at ${s(ranThrough.at)}–${s(ranThrough.endedAt ?? ranThrough.at)} ran through inside its catch-up window ${window} (${spec.catchupWindow}s) and did not start it: the fleet dropped it, no injected fault did`,
    };
  }
  const outages = ctx.ledger.overlapping('cp', due, closes).filter((f) => f.kind === 'cp-crash' || f.kind === 'cp-freeze' || f.kind === 'cp-partition');
  const faulted = ticks.filter(cutShort);
  if (outages.length === 0 && faulted.length === 0) {
    return { justified: false, why: `no tick of the schedule service ran in its catch-up window ${window}, and no control-plane fault was injected there` };
  }
  const first = faulted.find((t) => t.threw !== undefined || t.failed.length > 0);
  const what = [
    ...outages.map((f) => `${f.kind} ${s(f.from)}–${s(f.to)}`),
    faulted.length > 0
      ? `${faulted.length} tick(s) cut short by injected faults${first ? ` (first: ${first.threw ?? first.failed[0]?.error})` : ' (the control plane died mid-tick)'}`
      : '',
  ].filter(Boolean);
  return { justified: true, why: `no tick ran through in its catch-up window ${window}: ${what.join('; ')}` };
}

/**
 * The mass-staleness rule, judged pass by pass (`WatchdogPassRecord`) against the documented
 * promise (`MASS_STALE_PROMISE`) and the store probes as the store answered them
 * (`MassProbeRecord`), per campaign:
 * - a pass whose stale restarts (LOST, STALLED, LAUNCH_TIMEOUT, detected during it) number more
 *   than `restartsPerPass` while the staleness was massive (the pass probed the store for it, or
 *   those restarts alone are at least `minShards` and `threshold` of its shards) breaks the bound;
 * - a pass whose probe for the campaign failed (threw, never answered, or took longer than the
 *   confirmation window) restarts none of its stale shards;
 * - every stale restart the watchdog held back for mass staleness comes from a pass that wrote
 *   the `watchdog.mass-staleness` event: its probe tried the write, and a probe that answered left
 *   the event in the store.
 */
async function massStaleness(ctx: OutcomeContext): Promise<string[]> {
  const out: string[] = [];
  const passes = ctx.ledger.passes;
  const s = (ms: number) => `${((ms - ctx.t0) / 1000).toFixed(3)}s`;
  const end = (pass: WatchdogPassRecord, i: number) => pass.endedAt ?? passes[i + 1]?.at ?? Infinity;
  const confirmMs = ctx.timeouts.confirmAfterSec * 1000;
  for (const campaign of await ctx.store.listCampaigns()) {
    const shards = await ctx.store.listShards(campaign.campaignId);
    const stale = shards.flatMap((shard) =>
      shard.restarts.filter((r) => STALE_READING_CAUSES.has(r.cause)).map((r) => ({ shard: shard.shardId, at: r.detectedAt - ctx.cpSkewMs, cause: r.cause })),
    );
    const probes = ctx.ledger.probes.filter((p) => p.campaignId === campaign.campaignId);
    passes.forEach((pass, i) => {
      const inPass = (at: number) => at >= pass.at && at <= end(pass, i);
      const restarted = stale.filter((r) => inPass(r.at));
      const probe = probes.find((p) => inPass(p.at));
      if (restarted.length === 0) return;
      const massive =
        probe !== undefined || (restarted.length >= MASS_STALE_PROMISE.minShards && restarted.length / shards.length >= MASS_STALE_PROMISE.threshold);
      const list = restarted.map((r) => `${r.shard} ${r.cause} at ${s(r.at)}`).join(', ');
      if (massive && restarted.length > MASS_STALE_PROMISE.restartsPerPass) {
        out.push(
          `mass staleness of ${campaign.campaignId}: the watchdog pass at ${s(pass.at)} restarted ${restarted.length} stale shards (${list}) of ${shards.length}; at most ${MASS_STALE_PROMISE.restartsPerPass} per pass while most of a campaign reads stale`,
        );
      }
      if (probe && (probe.ok !== true || (probe.endedAt ?? Infinity) - probe.at > confirmMs)) {
        const why =
          probe.ok === false
            ? (probe.note ?? 'it failed')
            : probe.endedAt === undefined
              ? 'it was never answered'
              : `it took ${(probe.endedAt ?? 0) - probe.at} ms, over the confirmation window ${confirmMs} ms`;
        out.push(
          `mass staleness of ${campaign.campaignId}: the watchdog pass at ${s(pass.at)} restarted ${list} although its store probe failed (${why}): nothing is restarted while the store is unavailable`,
        );
      }
    });
    const events = await ctx.store.listEvents(campaign.campaignId);
    for (const held of ctx.ledger.heldBack.filter((h) => h.campaignId === campaign.campaignId && /mass staleness/.test(h.reason))) {
      const i = passes.findIndex((pass, j) => held.at >= pass.at && held.at <= end(pass, j));
      const pass = passes[i];
      const probe = pass && probes.find((p) => p.at >= pass.at && p.at <= end(pass, i));
      const name = `${campaign.campaignId}/${held.shardId}`;
      if (!probe) {
        out.push(
          `mass staleness of ${campaign.campaignId}: the restart of ${name} was held back at ${s(held.at)} ("${held.reason}") in a pass that wrote no watchdog.mass-staleness event`,
        );
        continue;
      }
      const written = events.some((e) => e.type === 'watchdog.mass-staleness' && Math.abs(e.at - ctx.cpSkewMs - probe.at) <= end(pass, i) - pass.at + 1);
      if (probe.ok === true && !written) {
        out.push(
          `mass staleness of ${campaign.campaignId}: the restart of ${name} was held back at ${s(held.at)}, the probe at ${s(probe.at)} answered, but no watchdog.mass-staleness event is in the store`,
        );
      }
    }
  }
  return out;
}
