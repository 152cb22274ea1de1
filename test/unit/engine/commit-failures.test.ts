/**
 * The runner against commits that fail: an answer lost after the commit was applied is retried
 * into a ledger holding every fill exactly once; commits that keep failing stop the shard at the
 * commit bound (`commitBoundSec`, core/fleet/timeouts.ts) and end `store-unavailable` or
 * `commit-failed`, never `completed`.
 *
 * The runner's timers read a clock that only the store's answers move (`StoreTime`): a heartbeat or
 * a commit that lands costs `ANSWER_MS`, a failed attempt `ATTEMPT_MS` (an attempt ended by its
 * timeout). So the verdicts — when the bound is passed, how many attempts were made — are the
 * same on an idle machine and under a load average of 20 (one run failed there when the bound was
 * 1.05 s of real time and the machine stalled the loop past it). The one real-time case (the
 * self-fence, which only a real-time run has) orders its faults by the calls, not by time, and
 * leaves its few turns a 5.25 s self-fence.
 */
import { describe, expect, it } from 'vitest';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import { LedgerConflictError } from '../../../core/errors.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { testCampaign } from '../../support/campaigns.js';
import { KEY, runVirtual } from '../../support/run-shard.js';
import { busyAnswer, sleepingRunner } from '../../support/sleeping-runner.js';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import { ShardRunner } from '../../../engine-task/src/runner.js';

/** A short campaign whose commit bound is short: staleAfter 1 s → bound 1.25 s (S + C / 4, C at its 1 s floor). */
const STALE_AFTER_SEC = 1;
const campaign = testCampaign({ duration: '20m', watchdog: { staleAfter: STALE_AFTER_SEC, heartbeatInterval: 0.2 }, monitor: { flushInterval: 0.5 } });
const BOUND_MS = shardTimeouts(campaign.config.watchdog).commitBoundSec * 1000;
/** What a store call that is answered costs on the runner's clock (ms). */
const ANSWER_MS = 2;
/** What a failed commit attempt costs on the runner's clock (ms): an attempt ended by its timeout. */
const ATTEMPT_MS = 300;

/** The runner's monotonic clock, moved only by the store's answers (ms). */
class StoreTime {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
  spend(ms: number): void {
    this.ms += ms;
  }
}

/**
 * `inner` with every call costing time on `time`: `ANSWER_MS` for an answer, `ATTEMPT_MS` for a
 * commit that `commit` makes fail (it throws). `commit` receives the inner port's commit.
 */
function timed(
  time: StoreTime,
  commit: (inner: ShardPersistence, fills: Parameters<ShardPersistence['commit']>[0], checkpoint: Parameters<ShardPersistence['commit']>[1]) => Promise<void>,
) {
  return (inner: ShardPersistence): ShardPersistence => ({
    ...inner,
    restore: () => inner.restore(),
    async heartbeat(progress) {
      time.spend(ANSWER_MS);
      await inner.heartbeat(progress);
    },
    async commit(fills, checkpoint) {
      try {
        await commit(inner, fills, checkpoint);
        time.spend(ANSWER_MS);
      } catch (error) {
        time.spend(ATTEMPT_MS);
        throw error;
      }
    },
  });
}

/** The seconds in the reason's "no commit succeeded for Xs". */
function secondsWithoutCommit(reason: string): number {
  const match = /no commit succeeded for ([\d.]+)s/.exec(reason);
  if (!match) throw new Error(`the reason does not say how long no commit succeeded: ${reason}`);
  return Number(match[1]);
}

/**
 * A runner of one symbol in real time over `persistence`: staleAfter 5 s (self-fence and commit
 * bound 5.25 s) leaves the few commits' turns (0.1 s apart) room before them on a loaded machine.
 */
function realTimeRunner(persistence: ShardPersistence): ShardRunner {
  return new ShardRunner({
    campaign: testCampaign({ symbols: ['BTC'], duration: '10m', watchdog: { staleAfter: 5, heartbeatInterval: 1 }, monitor: { flushInterval: 0.1 } }),
    shardIndex: 0,
    symbols: ['BTC'],
    mode: 'real',
    log: silentLogger,
    persistence,
  });
}

describe('the runner when commits fail', () => {
  it('retries a commit whose answer was lost into a ledger holding every fill exactly once, and completes', async () => {
    // Every third commit is applied, but its answer is lost (a connection reset after an attempt's timeout).
    const time = new StoreTime();
    let commits = 0;
    const { outcome, ledger } = await runVirtual(campaign, {
      monotonic: time.now,
      wrap: timed(time, async (inner, fills, checkpoint) => {
        await inner.commit(fills, checkpoint);
        if (++commits % 3 === 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      }),
    });

    const fills = ledger.fills(KEY);
    expect(outcome.end).toBe('completed');
    expect(commits).toBeGreaterThanOrEqual(3);
    expect(fills.length).toBeGreaterThan(20);
    expect(fills.map((f) => f.seq)).toEqual(fills.map((_, i) => i));
    expect(outcome).toMatchObject({ fills: fills.length, fillsCommitted: fills.length, fillsUncommitted: 0 });
    expect(ledger.checkpoint(KEY)?.lastFillSeq).toBe(fills.length - 1);
  });

  it('stops trading and ends store-unavailable, naming what it waited on, at the first turn past the bound when every commit times out, never completed', async () => {
    const time = new StoreTime();
    let heartbeatsAfterFailure = 0;
    let failing = false;
    let failedAttempts = 0;
    const { outcome, ledger } = await runVirtual(campaign, {
      monotonic: time.now,
      wrap: (inner) => {
        const port = timed(time, async (store, fills, checkpoint) => {
          failing = true;
          if (fills.length === 0) return store.commit(fills, checkpoint);
          failedAttempts++;
          throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
        })(inner);
        return {
          ...port,
          async heartbeat(progress) {
            if (failing) heartbeatsAfterFailure++;
            await port.heartbeat(progress);
          },
        };
      },
    });

    expect(outcome.end).toBe('store-unavailable');
    expect(outcome.reason).toMatch(
      /^store unreachable: ETIMEDOUT ×\d+ over [\d.]+ s; no commit succeeded for [\d.]+s \(commit bound 1\.25s, core\/fleet\/timeouts\.ts\); \d+ fill\(s\) uncommitted; last error: connect ETIMEDOUT/,
    );
    // Every failed attempt is counted in the words, and the run stopped at the first look past
    // the bound: not before it, and not a failed attempt (and the heartbeats between two) later.
    expect(outcome.reason).toContain(`ETIMEDOUT ×${failedAttempts} over`);
    const waited = secondsWithoutCommit(outcome.reason) * 1000;
    expect(waited).toBeGreaterThan(BOUND_MS);
    expect(waited).toBeLessThanOrEqual(BOUND_MS + ATTEMPT_MS + 2 * ANSWER_MS);
    expect(failedAttempts).toBe(Math.ceil(BOUND_MS / ATTEMPT_MS));
    expect(outcome.fills).toBeGreaterThan(0);
    expect(outcome.fillsUncommitted).toBe(outcome.fills - outcome.fillsCommitted);
    expect(outcome.fillsUncommitted).toBeGreaterThan(0);
    expect(ledger.fills(KEY)).toHaveLength(outcome.fillsCommitted);
    // The last heartbeat carries the fills made, for the report to compare with the ledger.
    expect(heartbeatsAfterFailure).toBeGreaterThan(0);
    const last = ledger.heartbeats(KEY).at(-1)!.progress;
    expect(last.fillsA + last.fillsB).toBe(outcome.fills);
    expect(last.lastFillSeq).toBe(outcome.fillsCommitted - 1);
  });

  it('ends commit-failed, not store-unavailable, when the commits fail for a reason that is not the store being busy or unreachable', async () => {
    const time = new StoreTime();
    const { outcome } = await runVirtual(campaign, {
      monotonic: time.now,
      wrap: timed(time, async (inner, fills, checkpoint) => {
        if (fills.length === 0) return inner.commit(fills, checkpoint);
        throw new Error('checkpoint too large to encode');
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(/^no commit succeeded for [\d.]+s .*last error: checkpoint too large to encode/);
  });

  it('stops at once, without waiting for the bound, when a commit is refused for good', async () => {
    const time = new StoreTime();
    const started = time.now();
    let refused = 0;
    const { outcome } = await runVirtual(campaign, {
      monotonic: time.now,
      wrap: timed(time, async (inner, fills, checkpoint) => {
        if (fills.length === 0) return inner.commit(fills, checkpoint);
        refused++;
        throw new LedgerConflictError(KEY.shardId, fills[0]!.seq, ['qty: 1 → 2']);
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(/^commit refused: shard shard-000: the ledger already holds a different fill under seq \d+ \(qty: 1 → 2\)/);
    expect(outcome.fillsUncommitted).toBeGreaterThan(0);
    // One refusal ends it: not retried, and the bound never reached on the runner's clock.
    expect(refused).toBe(1);
    expect(time.now() - started).toBeLessThan(BOUND_MS);
  });

  it('ends commit-failed at once, with no fill after the hole, when a commit was acknowledged but never written (the ledger refuses the gap)', async () => {
    const time = new StoreTime();
    let commits = 0;
    const { outcome, ledger } = await runVirtual(campaign, {
      monotonic: time.now,
      wrap: timed(time, async (inner, fills, checkpoint) => {
        // The first commit with fills answers OK and writes nothing: a store that lost it.
        if (fills.length > 0 && commits++ === 0) return;
        return inner.commit(fills, checkpoint);
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(
      /^commit refused: shard shard-000: fill seq \d+ would leave a gap in the ledger: the next seq must be 0 \(the ledger is empty\), so seqs? 0/,
    );
    expect(ledger.fills(KEY)).toEqual([]);
  });

  it("in real time, self-fences as store-unavailable naming the commits' throttling when its heartbeat hangs after they failed (not exit 3, a crash)", async () => {
    // Heartbeats fail for a reason that is not the store's (none counted as store trouble), while a
    // commit still lands; then the store throttles: a commit is refused, and the heartbeat sent next
    // is never answered (held past the self-fence). The heartbeats saw no store error; the commits did.
    let phase: 'healthy' | 'heartbeats-failing' | 'committed' | 'throttled' = 'healthy';
    const inner = new MemoryShardLedger().forTask(KEY, 0);
    const runner = realTimeRunner({
      ...inner,
      restore: () => inner.restore(),
      async heartbeat(progress) {
        if (phase === 'throttled') return new Promise<void>(() => undefined);
        if (phase === 'healthy') {
          phase = 'heartbeats-failing';
          return inner.heartbeat(progress);
        }
        throw new Error('heartbeat refused: progress does not validate');
      },
      async commit(fills, checkpoint) {
        if (phase === 'healthy') return inner.commit(fills, checkpoint);
        if (phase === 'heartbeats-failing') {
          phase = 'committed';
          return inner.commit(fills, checkpoint);
        }
        phase = 'throttled';
        throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
          name: 'ProvisionedThroughputExceededException',
        });
      },
    });

    const outcome = await runner.run();

    expect(outcome.end).toBe('store-unavailable');
    expect(outcome.reason).toMatch(
      /^DynamoDB throttled: ProvisionedThroughputExceededException ×\d+ over [\d.]+ s; no heartbeat written for [\d.]+s \(self-fence 5\.25s\)/,
    );
  });

  it('in real time, ends store-unavailable naming the unanswered commit when the store never answers one (not commit-failed, "last error: none")', async () => {
    // The store answers heartbeats and the first commits, then holds a commit for ever: no error ever
    // comes back. A store that does not answer is unreachable, not a crash of the engine.
    let commits = 0;
    const inner = new MemoryShardLedger().forTask(KEY, 0);
    const runner = realTimeRunner({
      ...inner,
      restore: () => inner.restore(),
      async commit(fills, checkpoint) {
        commits++;
        if (commits <= 2) return inner.commit(fills, checkpoint);
        return new Promise<void>(() => undefined);
      },
    });

    const outcome = await runner.run();

    expect(commits).toBe(3);
    expect(outcome.end).toBe('store-unavailable');
    expect(outcome.reason).toMatch(/^store did not answer: the commit in flight was sent [\d.]+s ago; no (commit succeeded|heartbeat written) for [\d.]+s/);
  });
});

describe('a commit refused by a store in trouble', () => {
  it('is tried again one store retry later (storeRetrySec), not a flush later, so a tolerated stall cannot pass the commit bound', async () => {
    // Real time on a clock that only the runner's own waits move: the gap between the refused
    // attempt and the next is the runner's choice, the store retry (0.25 s here), not the flush (1 s).
    const real = testCampaign({ symbols: ['BTC'], duration: '20s', watchdog: { staleAfter: 5, heartbeatInterval: 1 }, monitor: { flushInterval: 1 } });
    const retry = shardTimeouts(real.config.watchdog).storeRetrySec * 1000;
    const flush = real.config.monitor.flushInterval * 1000;
    expect(retry).toBeLessThan(flush / 2);
    const ledger = new MemoryShardLedger();
    const inner = ledger.forTask(KEY, 0);
    const attempts: number[] = [];
    let clockMs = () => 0;
    const { runner, clock } = sleepingRunner(
      real,
      {
        ...inner,
        restore: () => inner.restore(),
        heartbeat: (progress) => inner.heartbeat(progress),
        async commit(fills, checkpoint) {
          attempts.push(clockMs());
          if (attempts.length === 1) throw busyAnswer();
          await inner.commit(fills, checkpoint);
        },
      },
      'real',
    );
    clockMs = () => clock.ms;
    const outcome = await runner.run();
    expect(outcome.end).toBe('completed');
    expect(attempts.length).toBeGreaterThan(2);
    const gap = (attempts[1] as number) - (attempts[0] as number);
    expect(gap).toBeGreaterThanOrEqual(retry);
    expect(gap).toBeLessThan(flush);
    expect(ledger.fills(KEY).map((f) => f.seq)).toEqual(ledger.fills(KEY).map((_, i) => i));
  });
});

describe('commits that keep failing, each longer than a heartbeat interval', () => {
  it('never hold a due heartbeat back: after each failed commit the next store call is the heartbeat, even with the flush due earlier', async () => {
    // Heartbeat 1 s, flush 0.5 s: a commit started 0.2 s after a heartbeat has its next flush due
    // before the next heartbeat, so "the one due first goes first" alone sent the commit again and
    // kept the heartbeat waiting a whole failing commit more (the throttling storm on the emulator).
    const real = testCampaign({ symbols: ['BTC'], duration: '30s', watchdog: { staleAfter: 10, heartbeatInterval: 1 }, monitor: { flushInterval: 0.5 } });
    const interval = real.config.watchdog.heartbeatInterval * 1000;
    const ledger = new MemoryShardLedger();
    const inner = ledger.forTask(KEY, 0);
    const calls: { kind: 'heartbeat' | 'commit'; at: number; failed?: true }[] = [];
    let clock = { ms: 0 };
    const { runner, clock: runnerClock } = sleepingRunner(
      real,
      {
        ...inner,
        restore: () => inner.restore(),
        async heartbeat(progress) {
          calls.push({ kind: 'heartbeat', at: clock.ms });
          await inner.heartbeat(progress);
        },
        async commit(fills, checkpoint) {
          const call: (typeof calls)[number] = { kind: 'commit', at: clock.ms };
          calls.push(call);
          if (calls.filter((c) => c.kind === 'commit').length <= 4) {
            clock.ms += 1_500; // a throttled call with its SDK retries: longer than a heartbeat interval
            call.failed = true;
            throw busyAnswer();
          }
          await inner.commit(fills, checkpoint);
        },
      },
      'real',
    );
    clock = runnerClock;
    const outcome = await runner.run();
    expect(outcome.end).toBe('completed');
    const failed = calls.filter((c) => c.failed);
    expect(failed).toHaveLength(4);
    for (const commit of failed) {
      const next = calls[calls.indexOf(commit) + 1];
      const lastHeartbeat = calls.slice(0, calls.indexOf(commit)).findLast((c) => c.kind === 'heartbeat');
      expect(lastHeartbeat === undefined || commit.at + 1_500 - lastHeartbeat.at >= interval).toBe(true);
      expect(next?.kind, JSON.stringify(calls.slice(0, 16))).toBe('heartbeat');
    }
  });
});

describe('heartbeats that fail while commits could land (one table throttled)', () => {
  it('do not keep a commit that failed once from its turn: commits go on landing until the self-fence', async () => {
    // Failed heartbeats are tried again a store retry later (0.05 s here), and each takes 0.3 s: one is
    // due whenever the write slot frees. A commit that failed once while they fail must still get its
    // turn between them (after a failed write the other kind goes next), not wait behind heartbeats
    // until the self-fence.
    const real = testCampaign({ symbols: ['BTC'], duration: '30s', watchdog: { staleAfter: 5, heartbeatInterval: 1 }, monitor: { flushInterval: 0.5 } });
    const ledger = new MemoryShardLedger();
    const inner = ledger.forTask(KEY, 0);
    let clock = { ms: 0 };
    let failFrom = Number.POSITIVE_INFINITY;
    let failedCommitAt: number | undefined;
    let landedAfter = 0;
    const { runner, clock: runnerClock } = sleepingRunner(
      real,
      {
        ...inner,
        restore: () => inner.restore(),
        async heartbeat(progress) {
          if (clock.ms >= failFrom) {
            clock.ms += 300; // a throttled call with its retries: longer than the store retry, so the next is due at once
            throw busyAnswer();
          }
          clock.ms += 5;
          await inner.heartbeat(progress);
        },
        async commit(fills, checkpoint) {
          clock.ms += 5;
          if (failedCommitAt === undefined && clock.ms >= failFrom + 1_500) {
            failedCommitAt = clock.ms; // once, with the heartbeats already failing
            throw busyAnswer();
          }
          if (failedCommitAt !== undefined) landedAfter++;
          await inner.commit(fills, checkpoint);
        },
      },
      'real',
    );
    clock = runnerClock;
    failFrom = clock.ms + 1_000;
    const outcome = await runner.run();
    expect(outcome.end).toBe('store-unavailable');
    expect(outcome.reason).toMatch(/no heartbeat written for/);
    expect(failedCommitAt).toBeDefined();
    // About 3.5 s from the failed commit to the self-fence, a flush due every 0.5 s.
    expect(landedAfter).toBeGreaterThanOrEqual(3);
  });
});
