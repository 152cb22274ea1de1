import { asEpochMs, type EpochMs } from '../clock.js';
import type { CampaignConfig } from '../config/campaign-config.js';
import { StateConflictError, VersionConflictError } from '../errors.js';
import type { ShardKey, TaskStatus } from '../ports.js';
import { campaignAfterShardFailure, isTerminalCampaign } from './campaign-lifecycle.js';
import { launchDelaySec, type FleetContext } from './fleet-context.js';
import type { CampaignRecord, ShardRecord } from '../model/records.js';
import { failShard, isActiveShard, restartShard, transitionShard } from './shard-lifecycle.js';
import { fleetStopReason } from './stop-author.js';
import { assessShard, campaignStopReason, overdueLaunch, watchdogPolicyFor, type Verdict } from './watchdog-policy.js';
import { shardTimeouts } from './timeouts.js';
import { deferStale, isObserverLate, isRestartingFromStaleness, massStaleness, massStalenessPolicyFor, staleCauseOf } from './observer-policy.js';

/**
 * What a pass decided about a campaign whose shards read stale en masse (`massStaleness`): whether
 * the store answered the probe, and how many stale restarts are left this pass.
 */
interface MassPass {
  storeOk: boolean;
  restartsLeft: number;
  reason: string;
}

/** What the reconciler's rules did with a shard (`WatchdogService.reconcile`). */
export type ReconcileKind = 'closed' | 'stop-redriven' | 'requeue' | 'fail';

/** A task whose engine has ended is waited for (its reported end) while stale for less than this many watchdog kills (`ShardTimeouts.watchdogKillSec`). */
export const EXIT_REPORT_WAIT_KILLS = 2;

/** The fleet's stop reason when it drains a task for a memory recycle (`fleetStopReason`). */
export const RECYCLE_STOP_REASON = fleetStopReason('recycle: draining before the next generation');

/** A stopped task as an event reports it (a process exit, an ECS Task State Change). */
export type TaskStoppedEvent = TaskStatus & { key: ShardKey; generation: number };

/**
 * The watchdog: judges shards with the pure policy (`assessShard`) and carries out the verdicts.
 * Two ways in, one way of acting: `pass()` on a schedule over the index of active shards, and
 * `onTaskStopped()` the moment a task's end is reported. Restarts are compare-and-set on the
 * shard's version, so the two racing over one death restart it once.
 */
export class WatchdogService {
  /**
   * @param options.deadLettersEachPass read the launch queue's dead letters at the start of every
   *   `pass()` (default true: cheap in process). The AWS watchdog turns it off and calls
   *   `failDeadLetteredLaunches()` once per invocation instead, since peeking at SQS waits a second.
   */
  constructor(
    private readonly ctx: FleetContext,
    private readonly options: { deadLettersEachPass?: boolean } = {},
  ) {}

  /**
   * Reads the launch queue's dead letters and fails each shard still waiting (PENDING or
   * RESTARTING) for the generation a dead letter would have launched: its launch was delivered
   * `maxReceives` times and never completed (RunTask refused, the launcher crashing on it), so
   * waiting longer would strand it. A dead letter for a generation that has since launched, or of
   * a shard that moved on, changes nothing; reading the same letters again is harmless (they stay
   * in the queue for operators). Returns the shards failed.
   */
  async failDeadLetteredLaunches(): Promise<ShardKey[]> {
    const { store, log } = this.ctx;
    const failed: ShardKey[] = [];
    for (const letter of await this.ctx.queue.deadLetters()) {
      const key = { campaignId: letter.campaignId, shardId: letter.shardId };
      const shard = await store.getShard(key);
      if (!shard || shard.generation !== letter.generation || (shard.status !== 'PENDING' && shard.status !== 'RESTARTING')) continue;
      const campaign = await store.getCampaign(key.campaignId);
      // Only a campaign that still launches fails for a launch that never happened: a STOPPING one
      // drops its launches (LaunchService) and closes the waiting shard itself (finishStopping).
      if (!campaign || (campaign.status !== 'STARTING' && campaign.status !== 'RUNNING')) continue;
      const now = this.ctx.clock.now();
      const reason = `the launch of generation ${letter.generation} was dead-lettered: delivered to the launcher the queue's maximum number of times and never launched`;
      const step = transitionShard(shard, 'FAILED', now, { reason });
      try {
        await store.updateShard(key, shard.version, { ...step.patch, generation: shard.generation + 1 }); // fenced: a launch may be in flight
      } catch (error) {
        if (error instanceof VersionConflictError) continue; // it moved meanwhile: the next read judges it again
        throw error;
      }
      await store.appendEvents([step.event]);
      this.ctx.events?.shardFailed(now);
      log.log('error', 'shard failed', { ...key, reason });
      failed.push(key);
      await this.failCampaignIfPolicySays(campaign, shard.shardId, now, reason);
    }
    return failed;
  }

  /**
   * Heartbeats as this watchdog observed them: for each shard, the last heartbeat seen (its
   * identity), the time it is taken to have arrived, on this watchdog's clock, and `seenAt`, when
   * this watchdog first saw it changed since a previous look (-Infinity when seen on its first look).
   */
  private readonly observed = new Map<string, { identity: string; receivedAt: EpochMs; seenAt: number }>();
  /** When the previous pass read the index (this watchdog's clock). */
  private previousPassAt: EpochMs | undefined;
  /** How long the previous pass took, listing to its end (ms): a long one means its store calls were held. */
  private previousPassTookMs: number | undefined;

  /**
   * The heartbeat with its times moved onto this watchdog's clock: freshness is judged by the
   * observer, not by the clock of the process that wrote it (a task whose clock runs 10 s behind
   * is not LOST; one whose clock runs ahead does not look fresh for longer). A heartbeat that
   * changed since the previous pass arrived between that pass and now: its writer's `receivedAt`
   * is kept when it falls in that span (clocks in step lose no precision) and clamped into it
   * otherwise; one unchanged since keeps the time first given to it, and so ages on this clock.
   * The first pass of a watchdog (no observation yet: just started, restarted after a crash, a cold
   * Lambda) dates every heartbeat as of its own look, as Kubernetes' node lifecycle controller does
   * ("Missing timestamp for Node. Assuming now as a timestamp"): it has no earlier look to bound
   * the writer's clock by, and a writer whose clock runs behind would read older than it is and keep
   * that age (sim seed 8728: a restarted control plane 2.8 s ahead of the writer read a heartbeat
   * 3.9 s old as 6.7 s and restarted it LOST, 0.4 s before its engine gave up on a throttled store
   * with exit 4). A task that was already dead is found `staleAfter` after that first look, not
   * sooner. `ticksSince` moves by the same amount (a stall measured on the writer's own clock stays
   * what it was). Held in memory: a restarted watchdog starts observing afresh.
   */
  private observedHeartbeat(shard: ShardRecord, now: EpochMs): ShardRecord {
    const heartbeat = shard.heartbeat;
    const key = `${shard.campaignId}/${shard.shardId}`;
    if (!heartbeat) {
      this.observed.delete(key);
      return shard;
    }
    const identity = `${heartbeat.generation}|${heartbeat.receivedAt}|${heartbeat.progress.at}|${heartbeat.progress.ticks}|${heartbeat.progress.turns ?? ''}`;
    let seen = this.observed.get(key);
    if (seen?.identity !== identity) {
      const previous = this.previousPassAt;
      seen =
        previous === undefined
          ? { identity, receivedAt: now, seenAt: -Infinity }
          : { identity, receivedAt: asEpochMs(Math.min(now, Math.max(previous, heartbeat.receivedAt))), seenAt: now };
      this.observed.set(key, seen);
    }
    const shift = seen.receivedAt - heartbeat.receivedAt;
    if (shift === 0) return shard;
    return {
      ...shard,
      heartbeat: { ...heartbeat, receivedAt: seen.receivedAt, ...(heartbeat.ticksSince !== undefined ? { ticksSince: heartbeat.ticksSince + shift } : {}) },
    };
  }

  /**
   * One periodic pass over every active shard; returns the verdicts reached, for logs and tests.
   * A shard whose handling throws (a side effect failing) does not stop the pass: every other
   * shard is still judged, and the first error is thrown at the end (the others logged), so the
   * caller sees the pass failed and the next pass re-drives what was left undone.
   */
  async pass(): Promise<{ shard: ShardKey; verdict: Verdict['kind'] | ReconcileKind }[]> {
    const errors: unknown[] = [];
    if (this.options.deadLettersEachPass !== false) {
      try {
        await this.failDeadLetteredLaunches();
      } catch (error) {
        errors.push(error); // the shards are still judged; the pass reports the failure at its end
      }
    }
    const listedAt = this.ctx.clock.now();
    // Observed as of the answer: a listing the store held (a lock, throttling) carries heartbeats
    // that landed until it answered; clamped to `listedAt` they looked as old as the hold, and kept
    // that age into the next passes (sim seed 4708: a healthy task LOST after a 9.4 s control-plane stall).
    const listing = await this.ctx.store.listActiveShards();
    const answeredAt = this.ctx.clock.now();
    const shards = listing.map((s) => this.observedHeartbeat(s, answeredAt));
    const live = new Set(shards.map((s) => `${s.campaignId}/${s.shardId}`));
    for (const key of this.observed.keys()) if (!live.has(key)) this.observed.delete(key);
    this.previousPassAt = listedAt;
    const withTasks = shards.filter((s) => s.taskId !== undefined).map((s) => s.taskId as string);
    const statuses = withTasks.length > 0 ? await this.ctx.launcher.describe(withTasks) : [];
    const byTask = new Map(statuses.map((t) => [t.taskId, t]));
    const campaigns = new Map<string, CampaignRecord | undefined>();
    for (const shard of shards) {
      if (!campaigns.has(shard.campaignId)) campaigns.set(shard.campaignId, await this.ctx.store.getCampaign(shard.campaignId));
    }
    const mass = await this.massStaleCampaigns(shards, byTask, campaigns, listedAt);
    const late = this.previousPassTookMs;
    const out: { shard: ShardKey; verdict: Verdict['kind'] | ReconcileKind }[] = [];
    for (const shard of shards) {
      const campaign = campaigns.get(shard.campaignId);
      if (!campaign) continue;
      const task = shard.taskId ? byTask.get(shard.taskId) : undefined;
      const key = { campaignId: shard.campaignId, shardId: shard.shardId };
      try {
        out.push({
          shard: key,
          verdict: await this.judge(campaign, shard, task, { fromIndex: true, listedAt, previousPassTookMs: late, mass: mass.get(shard.campaignId) }),
        });
      } catch (error) {
        errors.push(error);
        // The first error is thrown, and its caller logs it (with backoff on a lasting fault: the local
        // fleet's store health); a later shard's is logged here only when it says something else. The same
        // fault under every shard (a full disk) was logged once a shard, four passes a second.
        if (errors.length > 1 && messageOf(error) !== messageOf(errors[0]))
          this.ctx.log.log('error', 'watchdog: shard not handled', { ...key, error: messageOf(error) });
      }
    }
    this.previousPassTookMs = this.ctx.clock.now() - listedAt;
    if (errors.length > 0) throw errors[0];
    return out;
  }

  /**
   * The mass-staleness rule (`observer-policy.ts`) for each campaign of the pass: its shards' verdicts
   * are read (pure, nothing applied), and a campaign with a massive share stale has the store
   * probed (the event saying so is the write, the campaign's read back the read) before any of its
   * shards is restarted. A probe that throws, or takes longer than the confirmation window, says the
   * store is unavailable: none of the campaign's stale shards is restarted this pass.
   */
  private async massStaleCampaigns(
    shards: ShardRecord[],
    byTask: Map<string, TaskStatus>,
    campaigns: Map<string, CampaignRecord | undefined>,
    listedAt: number,
  ): Promise<Map<string, MassPass>> {
    const counts = new Map<string, { stale: number; active: number }>();
    for (const shard of shards) {
      const campaign = campaigns.get(shard.campaignId);
      if (!campaign || isTerminalCampaign(campaign.status)) continue;
      const policy = watchdogPolicyFor(campaign.config as unknown as CampaignConfig, campaign.endsAt);
      const verdict = assessShard(shard, shard.taskId ? byTask.get(shard.taskId) : undefined, listedAt, policy);
      const count = counts.get(shard.campaignId) ?? { stale: 0, active: 0 };
      count.active++;
      if (staleCauseOf(verdict) !== undefined || isRestartingFromStaleness(shard)) count.stale++;
      counts.set(shard.campaignId, count);
    }
    const out = new Map<string, MassPass>();
    for (const [campaignId, { stale, active }] of counts) {
      const campaign = campaigns.get(campaignId) as CampaignRecord;
      const config = campaign.config as unknown as CampaignConfig;
      const rule = massStaleness(stale, active, massStalenessPolicyFor(config.watchdog));
      if (rule.kind === 'normal') continue;
      const probe = await this.probeStore(campaignId, listedAt, rule.reason, watchdogPolicyFor(config).confirmAfterSec);
      this.ctx.events?.massStaleness?.(probe.ok, this.ctx.clock.now());
      this.ctx.log.log('warn', 'watchdog: mass staleness', { campaignId, stale, active, storeOk: probe.ok, probe: probe.said, reason: rule.reason });
      const reason = probe.ok ? `mass staleness: ${rule.reason}` : `mass staleness, store unavailable (${probe.said}): nothing restarted this pass`;
      out.set(campaignId, { storeOk: probe.ok, restartsLeft: probe.ok ? rule.allowed : 0, reason });
    }
    return out;
  }

  /**
   * The store probe of the mass-staleness rule: writes the `watchdog.mass-staleness` event, then reads
   * the campaign back. Ok when both answer within `confirmAfterSec`.
   */
  private async probeStore(campaignId: string, at: number, reason: string, confirmAfterSec: number): Promise<{ ok: boolean; said: string }> {
    const started = this.ctx.clock.now();
    try {
      await this.ctx.store.appendEvents([{ at, campaignId, type: 'watchdog.mass-staleness', detail: { reason } }]);
      await this.ctx.store.getCampaign(campaignId);
    } catch (error) {
      return { ok: false, said: `probe failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    const tookMs = this.ctx.clock.now() - started;
    if (tookMs > confirmAfterSec * 1000)
      return { ok: false, said: `probe took ${tookMs} ms, longer than the confirmation window (${confirmAfterSec * 1000} ms)` };
    return { ok: true, said: `write and read answered in ${tookMs} ms` };
  }

  /** A task's end, reported as it happens. Stale (older generation, other task) reports change nothing. */
  async onTaskStopped(event: TaskStoppedEvent): Promise<Verdict['kind'] | ReconcileKind> {
    const shard = await this.ctx.store.getShard(event.key);
    const campaign = await this.ctx.store.getCampaign(event.key.campaignId);
    if (!shard || !campaign || !isActiveShard(shard.status)) return 'ignore';
    if (shard.generation !== event.generation || shard.taskId !== event.taskId) return 'ignore';
    return this.judge(campaign, shard, event);
  }

  /**
   * Reconciles, then judges one shard and acts. A shard read from the active index (eventually
   * consistent on DynamoDB: its heartbeat may be seconds behind) is read again consistently before
   * a restart or a fail, and judged on that: heartbeats do not move a shard's version, so the
   * compare-and-set alone would not catch a verdict reached on a stale copy.
   */
  private async judge(
    campaign: CampaignRecord,
    listed: ShardRecord,
    task: TaskStatus | undefined,
    read: { fromIndex: boolean; listedAt?: number; previousPassTookMs?: number | undefined; mass?: MassPass | undefined } = { fromIndex: false },
  ): Promise<Verdict['kind'] | ReconcileKind> {
    const config = campaign.config as unknown as CampaignConfig;
    const now = this.ctx.clock.now();
    let shard = listed;
    try {
      const reconciled = await this.reconcile(campaign, shard, task, config, now);
      if (reconciled !== undefined) return reconciled;
    } catch (error) {
      if (movedMeanwhile(error)) return 'ignore';
      throw error;
    }
    const policy = watchdogPolicyFor(config, campaign.endsAt);
    const ended = policy.campaignEndsAt !== undefined && now >= policy.campaignEndsAt;
    if (shard.recycle !== undefined && !ended) {
      try {
        return await this.drainRecycle(shard, task, now, config);
      } catch (error) {
        if (movedMeanwhile(error)) return 'ignore';
        throw error;
      }
    }
    let verdict = assessShard(shard, task, now, policy);
    if (read.fromIndex && (verdict.kind === 'restart' || verdict.kind === 'fail')) {
      const current = await this.ctx.store.getShard({ campaignId: shard.campaignId, shardId: shard.shardId });
      if (!current) return 'ignore';
      shard = this.observedHeartbeat(current, now);
      verdict = assessShard(shard, task?.taskId === shard.taskId ? task : undefined, now, policy);
    }
    // A task described as running at the pass's start may have ended since: an engine that gave up on a
    // busy store exits 4 just before the watchdog's kill, and on a loaded machine after the pass read it.
    // Its own end names the cause (STORE_UNAVAILABLE), not its silence (LOST): one more describe, only
    // for a shard about to be restarted or failed as stale.
    if ((verdict.kind === 'restart' || verdict.kind === 'fail') && staleCauseOf(verdict) !== undefined && shard.taskId !== undefined) {
      const [ended] = await this.ctx.launcher.describe([shard.taskId]);
      if (ended?.state === 'STOPPED') verdict = assessShard(shard, ended, now, policy);
      else if (ended?.exiting === true) verdict = this.awaitReportedEnd(verdict, shard, now, config);
    }
    verdict = this.suspectObserverFirst(verdict, shard, now, config, read);
    try {
      await this.apply(campaign, shard, verdict, now);
    } catch (error) {
      // Someone else (the other detector, a launch) updated the shard first: judge again next time.
      if (movedMeanwhile(error)) return 'ignore';
      throw error;
    }
    return verdict.kind;
  }

  /**
   * A stale restart or fail of a task whose engine has ended but whose end the runtime has not yet
   * reported (`TaskStatus.exiting`) is held back (`deferStale`): the end names its own cause (exit 4,
   * the store unavailable) and is judged when it comes (`onTaskStopped`, or the next pass's describe).
   * The control plane's loop held by a synchronous store wait judged a stale shard before handling its
   * engine's exit 4 of 3.9 s before, and booked it LOST (`test/e2e/fleet-store-lock.test.ts`, a
   * fresh-clone CI run); on ECS, a task deprovisioning for tens of seconds after its container's exit
   * is the same. Held for at most `EXIT_REPORT_WAIT_KILLS` watchdog kills of staleness: an end never
   * reported is then judged stale as before.
   */
  private awaitReportedEnd(verdict: Verdict, shard: ShardRecord, now: EpochMs, config: CampaignConfig): Verdict {
    if ((verdict.kind !== 'restart' && verdict.kind !== 'fail') || staleCauseOf(verdict) === undefined) return verdict;
    const t = shardTimeouts(config.watchdog);
    const staleForMs = now - verdict.incident.failedAt;
    if (staleForMs >= EXIT_REPORT_WAIT_KILLS * t.watchdogKillSec * 1000) return verdict;
    const why = `its engine has ended and the runtime has not yet reported the end (stale for ${staleForMs} ms): the end, not the silence before it, names the cause`;
    this.ctx.log.log('warn', 'watchdog: stale reading held for the reported end', { campaignId: shard.campaignId, shardId: shard.shardId, why });
    return deferStale(verdict, now, watchdogPolicyFor(config).confirmAfterSec, why);
  }

  /**
   * A stale restart or fail is held back (`deferStale`) when the watchdog's own view is late
   * (`isObserverLate`), when its campaign's staleness is massive and the store probe failed, or
   * when the pass has used its mass-staleness restarts; each said in the log.
   */
  private suspectObserverFirst(
    verdict: Verdict,
    shard: ShardRecord,
    now: EpochMs,
    config: CampaignConfig,
    read: { listedAt?: number; previousPassTookMs?: number | undefined; mass?: MassPass | undefined },
  ): Verdict {
    const confirmAfterSec = watchdogPolicyFor(config).confirmAfterSec;
    if ((verdict.kind !== 'restart' && verdict.kind !== 'fail') || staleCauseOf(verdict) === undefined) return verdict;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    const t = shardTimeouts(config.watchdog);
    const staleForMs = now - verdict.incident.failedAt;
    if (read.listedAt !== undefined && isObserverLate(read.previousPassTookMs, now - read.listedAt, t.storeStallToleranceSec, staleForMs, t.watchdogKillSec)) {
      const why = `the watchdog's own pass was late (previous pass ${read.previousPassTookMs ?? 0} ms, this shard judged ${now - read.listedAt} ms after listing; store stall tolerance ${t.storeStallToleranceSec * 1000} ms): its stale reading is not confirmed`;
      this.ctx.log.log('warn', 'watchdog late: stale reading not confirmed', { ...key, why });
      return deferStale(verdict, now, confirmAfterSec, why);
    }
    const seen = this.observed.get(`${key.campaignId}/${key.shardId}`);
    if (verdict.incident.cause === 'LOST' && read.listedAt !== undefined && seen !== undefined && seen.seenAt >= read.listedAt) {
      // The heartbeat changed since this watchdog's previous look: the task wrote after it, so "no
      // heartbeat for staleAfter" is only the length of the watchdog's own blindness (passes that
      // failed, a partition), clamped to that look (seed 1315 of npm run sim: a healthy task LOST).
      const why = `the heartbeat changed since the watchdog's previous look (${seen.seenAt - seen.receivedAt} ms before it saw the change): the task wrote after it, so its stale reading is the watchdog's blindness, not confirmed`;
      this.ctx.log.log('warn', 'watchdog late: stale reading not confirmed', { ...key, why });
      return deferStale(verdict, now, confirmAfterSec, why);
    }
    const mass = read.mass;
    if (mass === undefined) return verdict;
    if (mass.storeOk && mass.restartsLeft > 0) {
      mass.restartsLeft--;
      return verdict;
    }
    this.ctx.log.log('warn', 'watchdog: restart held back', { ...key, reason: mass.reason });
    return deferStale(verdict, now, confirmAfterSec, mass.reason);
  }

  private async apply(campaign: CampaignRecord, shard: ShardRecord, verdict: Verdict, now: EpochMs): Promise<void> {
    const { store, launcher, queue, log } = this.ctx;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    switch (verdict.kind) {
      case 'ignore':
        return;
      case 'healthy': {
        if (verdict.warning) log.log('warn', 'watchdog', { ...key, warning: verdict.warning });
        if (verdict.launchConfirmed) {
          const step = transitionShard({ ...shard, ...verdict.patch }, 'RUNNING', now, { firstHeartbeatAt: verdict.firstHeartbeatAt });
          await store.updateShard(key, shard.version, { ...verdict.patch, ...step.patch });
          await store.appendEvents([step.event]);
        } else if (Object.keys(verdict.patch).length > 0) {
          await store.updateShard(key, shard.version, verdict.patch);
        }
        return;
      }
      case 'suspect':
        await store.updateShard(key, shard.version, verdict.patch);
        log.log('warn', 'shard suspect', { ...key, generation: shard.generation, cause: verdict.cause, reason: verdict.reason });
        return;
      case 'restart': {
        if (verdict.incident.cause === 'RECYCLED' && verdict.stopTaskId !== undefined) {
          // Drain first: the intent is recorded, then the task asked to stop; its final commit
          // lands under its own generation, and the next pass (or its exit event) raises the generation.
          const recycle = { requestedAt: now, backoffSec: verdict.backoffSec, incident: { ...verdict.incident, cause: 'RECYCLED' as const } };
          await store.updateShard(key, shard.version, { recycle, updatedAt: now });
          log.log('warn', 'shard recycling: draining its task first', { ...key, generation: shard.generation, reason: verdict.incident.detail.note });
          await launcher.stop(verdict.stopTaskId, RECYCLE_STOP_REASON);
          return;
        }
        const steps = restartShard(shard, verdict.incident, now, verdict.backoffSec);
        await store.updateShard(key, shard.version, steps.patch);
        this.ctx.events?.restarted(verdict.incident.cause, now);
        await store.appendEvents(steps.events);
        log.log('warn', 'shard restarting', {
          ...key,
          generation: steps.record.generation,
          cause: verdict.incident.cause,
          backoffSec: verdict.backoffSec,
          restartsLeft: verdict.budget.remaining,
        });
        if (verdict.stopTaskId) await launcher.stop(verdict.stopTaskId, fleetStopReason(`restart: ${verdict.incident.cause}`));
        await queue.send({ ...key, generation: steps.record.generation }, launchDelaySec(steps.record.launchNotBefore, now));
        return;
      }
      case 'fail': {
        const steps = failShard(shard, verdict.incident, now, verdict.reason);
        await store.updateShard(key, shard.version, verdict.stopTaskId === undefined ? steps.patch : { ...steps.patch, generation: shard.generation + 1 });
        this.ctx.events?.shardFailed(now);
        await store.appendEvents(steps.events);
        log.log('error', 'shard failed', { ...key, cause: verdict.incident.cause, reason: verdict.reason });
        if (verdict.stopTaskId) await launcher.stop(verdict.stopTaskId, fleetStopReason(`shard failed: ${verdict.reason}`));
        await this.failCampaignIfPolicySays(campaign, shard.shardId, now, verdict.reason);
        return;
      }
      case 'complete': {
        const step = transitionShard(shard, 'COMPLETED', now, { reason: verdict.reason });
        // A task still to be stopped (closed with trouble at the end) is fenced first: the shard is
        // closed one generation on, so the straggler's next write is refused and it exits 3.
        await store.updateShard(key, shard.version, verdict.stopTaskId === undefined ? step.patch : { ...step.patch, generation: shard.generation + 1 });
        await store.appendEvents([{ ...step.event, detail: { ...step.event.detail, ...verdict.detail, by: verdict.by } }]);
        log.log('info', 'shard completed', { ...key, reason: verdict.reason, by: verdict.by });
        if (verdict.stopTaskId) await launcher.stop(verdict.stopTaskId, campaignStopReason('ended'));
        return;
      }
    }
  }

  /**
   * A recycle under way (`ShardRecord.recycle`): once the drained task has stopped, or
   * `staleAfter` after the request whatever it does, the generation is raised and the next one
   * queued (a restart with the recorded incident and backoff); until then the stop is re-driven.
   */
  private async drainRecycle(shard: ShardRecord, task: TaskStatus | undefined, now: EpochMs, config: CampaignConfig): Promise<Verdict['kind']> {
    const { store, launcher, queue, log } = this.ctx;
    const recycle = shard.recycle as NonNullable<ShardRecord['recycle']>;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    const stopped = task?.state === 'STOPPED' || shard.taskId === undefined;
    const overdue = now - recycle.requestedAt >= config.watchdog.staleAfter * 1000;
    if (!stopped && !overdue) {
      if (shard.taskId !== undefined) await launcher.stop(shard.taskId, RECYCLE_STOP_REASON);
      return 'ignore';
    }
    const steps = restartShard(shard, recycle.incident, now, recycle.backoffSec);
    await store.updateShard(key, shard.version, { ...steps.patch, recycle: undefined });
    this.ctx.events?.restarted('RECYCLED', now);
    await store.appendEvents(steps.events);
    log.log('warn', 'shard restarting', { ...key, generation: steps.record.generation, cause: 'RECYCLED', drained: stopped, backoffSec: recycle.backoffSec });
    if (!stopped && shard.taskId !== undefined) await launcher.stop(shard.taskId, fleetStopReason('restart: RECYCLED (did not stop within staleAfter)'));
    await queue.send({ ...key, generation: steps.record.generation }, launchDelaySec(steps.record.launchNotBefore, now));
    return 'restart';
  }

  /**
   * The reconciler's rules, for what a throw between two steps (or a lost message) can leave
   * behind; each acts only when the world is not as the records say it should be, and each side
   * effect is idempotent, so re-driving it every pass is safe:
   * - the campaign has ended (COMPLETED, CANCELLED, FAILED) but this shard is still active: with no
   *   task it is closed; with a task still running, that task is asked (again) to stop;
   * - a live campaign's shard waits for a launch that is overdue (`overdueLaunch`): the launch of its
   *   current generation is queued again (counted, and when it was first due kept as its
   *   `launchNotBefore`), or, once `LAUNCH_DEADLINE_TIMEOUTS` launch timeouts overdue, the shard fails.
   * Undefined when no rule applies (the policy then judges the shard).
   */
  private async reconcile(
    campaign: CampaignRecord,
    shard: ShardRecord,
    task: TaskStatus | undefined,
    config: CampaignConfig,
    now: EpochMs,
  ): Promise<ReconcileKind | undefined> {
    const { store, launcher, queue, log } = this.ctx;
    const key = { campaignId: shard.campaignId, shardId: shard.shardId };
    if (isTerminalCampaign(campaign.status) && isActiveShard(shard.status)) {
      if (shard.taskId === undefined || task?.state === 'STOPPED') {
        const step = transitionShard(shard, 'COMPLETED', now, { reason: `campaign ${campaign.status}: ${campaign.endReason ?? 'ended'}` });
        // With no task recorded, one may still run whose launch never reached the record: fenced as in finishStopping.
        await store.updateShard(key, shard.version, shard.taskId === undefined ? { ...step.patch, generation: shard.generation + 1 } : step.patch);
        await store.appendEvents([step.event]);
        return 'closed';
      }
      await launcher.stop(shard.taskId, campaignStopReason(campaign.status === 'FAILED' ? 'failed' : campaign.status === 'CANCELLED' ? 'cancelled' : 'ended'));
      return 'stop-redriven';
    }
    if (campaign.status !== 'STARTING' && campaign.status !== 'RUNNING') return undefined;
    const overdue = overdueLaunch(shard, now, config.watchdog.launchTimeout, campaign.startedAt);
    if (overdue === undefined) return undefined;
    if (overdue.kind === 'requeue') {
      // Sent, then recorded: a re-queue counts (and spaces the next one) only once the queue took
      // it, and a send that threw is tried again at the next pass. A launch that reaches the shard
      // first makes this compare-and-set a VersionConflictError (ignored by `judge`): the launch stands.
      await queue.send({ ...key, generation: shard.generation }, 0);
      await store.updateShard(key, shard.version, { launchRequeues: (shard.launchRequeues ?? 0) + 1, launchNotBefore: overdue.dueSince, updatedAt: now });
      log.log('warn', 'launch re-queued', { ...key, generation: shard.generation, reason: overdue.reason });
      return 'requeue';
    }
    const step = transitionShard(shard, 'FAILED', now, { reason: overdue.reason });
    await store.updateShard(key, shard.version, { ...step.patch, generation: shard.generation + 1 }); // fenced: a launch may be in flight
    await store.appendEvents([step.event]);
    this.ctx.events?.shardFailed(now);
    log.log('error', 'shard failed', { ...key, reason: overdue.reason });
    await this.failCampaignIfPolicySays(campaign, shard.shardId, now, overdue.reason);
    return 'fail';
  }

  private async failCampaignIfPolicySays(campaign: CampaignRecord, shardId: string, now: EpochMs, why: string): Promise<void> {
    const { store, launcher } = this.ctx;
    const fresh = (await store.getCampaign(campaign.campaignId)) ?? campaign;
    const step = campaignAfterShardFailure(fresh, shardId, now, why);
    if (!step) return;
    await store.updateCampaign(fresh.campaignId, fresh.version, step.patch);
    await store.appendEvents([step.event]);
    for (const other of await store.listShards(fresh.campaignId)) {
      if (other.taskId && isActiveShard(other.status)) await launcher.stop(other.taskId, campaignStopReason('failed'));
    }
  }
}

/**
 * The shard or campaign moved on since it was read: a compare-and-set lost to another writer, or
 * a transition its (now stale) copy's state refuses. Judged again on the next pass; anything else
 * (a `ProgrammingError` above all) is not swallowed.
 */
function movedMeanwhile(error: unknown): boolean {
  return error instanceof VersionConflictError || error instanceof StateConflictError;
}

/** An error's message (or the thrown value in words). */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
