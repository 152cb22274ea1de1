import type { CampaignConfig } from '../core/config/campaign-config.js';
import type { CampaignRecord, LifecycleEvent, RestartRecord, ShardRecord } from '../core/model/records.js';
import { ENGINE_EXIT } from '../core/model/exit-codes.js';
import { CAMPAIGN_STATUS_EVENT } from '../core/fleet/campaign-lifecycle.js';
import { SHARD_STATUS_EVENT } from '../core/fleet/shard-lifecycle.js';
import type { SqliteCampaignStore } from '../core/local/sqlite-store.js';
import { calendarOfSpec } from '../core/schedule/schedule-spec.js';
import { TRACE_WINDOW_MS, type FaultLedger, type InjectedFaultRecord, type LaunchAttempt } from './fault-ledger.js';
import type { LedgerOracle } from './ledger-oracle.js';
import type { SimLauncher, SimTask } from './sim-launcher.js';

/**
 * The overdue-launch promise the fleet makes, in launch timeouts: a launch that does not happen is
 * re-queued and given this long before its shard fails (`LAUNCH_DEADLINE_TIMEOUTS` in
 * core/fleet/watchdog-policy.ts, written down here on purpose: the simulation holds the fleet to
 * the promise, it does not read it from the code it judges).
 */
export const LAUNCH_PROMISE_TIMEOUTS = 8;

/** What the outcome invariants need to know of the run besides the store. */
export interface OutcomeContext {
  store: SqliteCampaignStore;
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
}

/** Figures of the run the outcome invariants computed (for the seed's stats). */
export interface OutcomeStats {
  /** Shards FAILED because their restart budget was spent (justified or not). */
  budgetExhausted: number;
  /** Shards FAILED at the overdue-launch deadline or on a dead letter. */
  launchDeadline: number;
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
 * - each occurrence of a schedule started exactly one campaign.
 */
export async function checkOutcomes(ctx: OutcomeContext): Promise<{ violations: string[]; stats: OutcomeStats }> {
  const violations: string[] = [];
  const stats: OutcomeStats = { budgetExhausted: 0, launchDeadline: 0 };
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
      // Crashes (and recycles) are paid from maxRestarts, outside stops from maxPreemptions (core/fleet/backoff.ts).
      const raised = shard.restarts.filter((r) => r.fromGeneration < shard.generation);
      const crashes = raised.filter((r) => r.cause !== 'PREEMPTED').length;
      const preemptions = raised.filter((r) => r.cause === 'PREEMPTED').length;
      const { maxPreemptions } = config.watchdog;
      if (crashes > config.watchdog.maxRestarts) {
        violations.push(`restart budget of ${name}: restarted ${crashes} times after crashes, over maxRestarts ${config.watchdog.maxRestarts} (restartWindow ${config.watchdog.restartWindow}s)`);
      }
      if (preemptions > maxPreemptions) violations.push(`preemption budget of ${name}: restarted ${preemptions} times after outside stops, over maxPreemptions ${maxPreemptions}`);
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
  violations.push(...refusedCommits(ctx), ...writerIdentities(ctx), ...writesAfterClose(ctx), ...(await scheduleOccurrences(ctx)));
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
  if (faults.length > 0) return undefined;
  const stops = own.map((t) => `${t.taskId} ${t.status.state}${t.status.stoppedReason ? ` (${t.status.stoppedReason})` : ''}`).join(', ');
  return `${what} traces to no injected fault: its task ${stops} suffered none ${restart.cause === 'RECYCLED' ? '(no injected leak)' : `in the ${TRACE_WINDOW_MS / 1000}s before`}: the fleet's own mistake`;
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
    return bad ? { justified: true, why: `bad input injected: ${reason}` } : { justified: false, why: `"${reason}", but no bad input was injected into generation ${generation}` };
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
  const crashes = shard.restarts.filter((r) => r.cause !== 'PREEMPTED').length;
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
function judgeLaunchFailure(ctx: OutcomeContext, campaign: CampaignRecord, shard: ShardRecord, failure: LifecycleEvent | undefined, events: LifecycleEvent[], generation: number, reason: string): { justified: boolean; why: string } {
  const config = campaign.config as unknown as CampaignConfig;
  const promiseMs = LAUNCH_PROMISE_TIMEOUTS * config.watchdog.launchTimeout * 1000;
  const dueSince = (generation === 0 ? campaign.startedAt : launchNotBefore(events, shard, generation)) ?? campaign.createdAt;
  const failedAt = failure?.at ?? shard.updatedAt;
  const waited = failedAt - dueSince;
  if (waited < promiseMs - 1_000) {
    return { justified: false, why: `"${reason}" ${(waited / 1000).toFixed(1)}s after generation ${generation}'s launch was due; the fleet promises ${LAUNCH_PROMISE_TIMEOUTS} launch timeouts (${promiseMs / 1000}s) before failing a launch` };
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
    return { justified: false, why: `"${reason}", but ${unharmed.length} launch attempt(s) of generation ${generation} met no injected fault (first at ${((first.at - ctx.t0) / 1000).toFixed(3)}s: ${first.outcome})` };
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
  const stop = last ? ` (its task ${last.taskId}: ${last.status.stoppedReason ?? 'no reason'}${last.status.stopCode ? `, stopCode ${last.status.stopCode}` : ''})` : '';
  return [
    `shard ${campaign.campaignId}/${shard.shardId} COMPLETED ${((campaign.endsAt - completed.at) / 1000).toFixed(1)}s before its campaign's end${stop}: "${String(completed.detail?.['reason'] ?? '')}"; before its end a shard stops only to restart (an outside stop is PREEMPTED)`,
  ];
}

/**
 * A campaign ends (COMPLETED, CANCELLED) only once its shards' tasks have stopped: the
 * task of each shard's last generation was no longer running when the campaign was recorded
 * ended (`endedAt`, the control plane's clock, moved to true time: the fleet must have seen the stop first).
 */
function liveAtTheEnd(ctx: OutcomeContext, campaign: CampaignRecord, shard: ShardRecord, events: LifecycleEvent[], tasks: SimTask[]): string[] {
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
    out.push(`task ${late.taskId} (generation ${late.generation}) wrote a ${late.what} to ${shard} at ${t}s, after the shard was closed ${late.shardStatusBefore}: a closed shard's straggler must be fenced`);
  }
  return out;
}

/** Engines that exited on a refused commit: a retried commit must be reconciled (fills already stored skipped), never refused. */
function refusedCommits(ctx: OutcomeContext): string[] {
  const out: string[] = [];
  for (const task of ctx.launcher.tasks.values()) {
    const tail = task.status.stderrTail ?? '';
    if (!/commit refused/.test(tail)) continue;
    out.push(`task ${task.taskId} (${task.key.campaignId}/${task.key.shardId} generation ${task.generation}) exited ${task.status.exitCode} on a refused commit: ${tail}`);
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
        out.push(`two task identities wrote to ${shard}: ${write.taskId} (generation ${write.generation}) wrote a ${write.what} at ${t(write.at)} after ${gone.by} had taken over at ${t(gone.at)}`);
        break;
      }
      if (current && current.taskId !== write.taskId) superseded.set(current.taskId, { by: write.taskId, at: write.at });
      current = { taskId: write.taskId, generation: write.generation };
    }
  }
  return out;
}

/** Each occurrence of a schedule, from its creation to its `until` (or the run's end), started exactly one campaign. */
async function scheduleOccurrences(ctx: OutcomeContext): Promise<string[]> {
  const out: string[] = [];
  const campaigns = await ctx.store.listCampaigns();
  for (const { scheduleId, until } of ctx.schedules) {
    const schedule = await ctx.store.getSchedule(scheduleId);
    if (!schedule) {
      out.push(`schedule ${scheduleId} was acknowledged but is not in the store`);
      continue;
    }
    const runs = campaigns.filter((c) => c.scheduleId === scheduleId);
    const calendar = calendarOfSpec(schedule.spec);
    const expected: number[] = [];
    for (let at = calendar.nextAfter(schedule.createdAt - 1); at !== null && at <= until; at = calendar.nextAfter(at)) expected.push(at);
    for (const occurrence of expected) {
      const started = runs.filter((c) => c.occurrence === occurrence);
      const iso = new Date(occurrence).toISOString();
      if (started.length !== 1) out.push(`schedule ${scheduleId}: occurrence ${iso} started ${started.length} campaign(s) (${started.map((c) => c.campaignId).join(', ') || 'none'}), expected exactly one (skipped ${schedule.skipped}, missed ${schedule.missed})`);
    }
    for (const run of runs) {
      if (!expected.includes(run.occurrence ?? Number.NaN)) out.push(`schedule ${scheduleId}: campaign ${run.campaignId} runs occurrence ${run.occurrence === undefined ? 'none' : new Date(run.occurrence).toISOString()}, which is not one of its occurrences`);
    }
  }
  return out;
}
