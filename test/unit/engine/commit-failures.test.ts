/**
 * The runner against commits that fail: an answer lost after the commit was applied is retried
 * into a ledger holding every fill exactly once; commits that keep failing stop the shard within
 * the commit bound (`commitBoundSec`, core/fleet/timeouts.ts) and end `commit-failed`, never `completed`.
 */
import { describe, expect, it } from 'vitest';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import { LedgerConflictError } from '../../../core/errors.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { testCampaign } from '../../support/campaigns.js';
import { KEY, runVirtual } from '../../support/run-shard.js';

/** A short campaign whose commit bound is short: staleAfter 1 s → bound 1.05 s. */
const STALE_AFTER_SEC = 1;
const campaign = testCampaign({ duration: '20m', watchdog: { staleAfter: STALE_AFTER_SEC, heartbeatInterval: 0.2 }, monitor: { flushInterval: 0.5 } });
const BOUND_MS = shardTimeouts(campaign.config.watchdog).commitBoundSec * 1000;

/** A port whose commits are applied, but every `every`-th one answers with a connection reset. */
function answerLostEvery(every: number): (p: ShardPersistence) => ShardPersistence {
  let commits = 0;
  return (inner) => ({
    ...inner,
    restore: () => inner.restore(),
    heartbeat: (progress) => inner.heartbeat(progress),
    async commit(fills, checkpoint) {
      await inner.commit(fills, checkpoint);
      if (++commits % every === 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    },
  });
}

describe('the runner when commits fail', () => {
  it('retries a commit whose answer was lost into a ledger holding every fill exactly once, and completes', async () => {
    const { outcome, ledger } = await runVirtual(campaign, { wrap: answerLostEvery(3) });

    const fills = ledger.fills(KEY);
    expect(outcome.end).toBe('completed');
    expect(fills.length).toBeGreaterThan(20);
    expect(fills.map((f) => f.seq)).toEqual(fills.map((_, i) => i));
    expect(outcome).toMatchObject({ fills: fills.length, fillsCommitted: fills.length, fillsUncommitted: 0 });
    expect(ledger.checkpoint(KEY)?.lastFillSeq).toBe(fills.length - 1);
  });

  it('stops trading and ends store-unavailable, naming what it waited on, within the bound when every commit times out, never completed', async () => {
    let heartbeatsAfterFailure = 0;
    let failing = false;
    const startedAt = Date.now();
    const { outcome, ledger } = await runVirtual(campaign, {
      wrap: (inner) => ({
        ...inner,
        restore: () => inner.restore(),
        async heartbeat(progress) {
          if (failing) heartbeatsAfterFailure++;
          await inner.heartbeat(progress);
        },
        async commit(fills, checkpoint) {
          failing = true;
          if (fills.length === 0) return inner.commit(fills, checkpoint);
          throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
        },
      }),
    });
    const tookMs = Date.now() - startedAt;

    expect(outcome.end).toBe('store-unavailable');
    expect(outcome.reason).toMatch(
      /^store unreachable: ETIMEDOUT ×\d+ over [\d.]+ s; no commit succeeded for [\d.]+s \(commit bound 1\.05s, core\/fleet\/timeouts\.ts\); \d+ fill\(s\) uncommitted; last error: connect ETIMEDOUT/,
    );
    expect(outcome.fills).toBeGreaterThan(0);
    expect(outcome.fillsUncommitted).toBe(outcome.fills - outcome.fillsCommitted);
    expect(outcome.fillsUncommitted).toBeGreaterThan(0);
    expect(ledger.fills(KEY)).toHaveLength(outcome.fillsCommitted);
    expect(tookMs).toBeLessThan(BOUND_MS + 5_000);
    // The last heartbeat carries the fills made, for the report to compare with the ledger.
    expect(heartbeatsAfterFailure).toBeGreaterThan(0);
    const last = ledger.heartbeats(KEY).at(-1)!.progress;
    expect(last.fillsA + last.fillsB).toBe(outcome.fills);
    expect(last.lastFillSeq).toBe(outcome.fillsCommitted - 1);
  });

  it('ends commit-failed, not store-unavailable, when the commits fail for a reason that is not the store being busy or unreachable', async () => {
    const { outcome } = await runVirtual(campaign, {
      wrap: (inner) => ({
        ...inner,
        restore: () => inner.restore(),
        heartbeat: (progress) => inner.heartbeat(progress),
        async commit(fills, checkpoint) {
          if (fills.length === 0) return inner.commit(fills, checkpoint);
          throw new Error('checkpoint too large to encode');
        },
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(/^no commit succeeded for [\d.]+s .*last error: checkpoint too large to encode/);
  });

  it('stops at once, without waiting for the bound, when a commit is refused for good', async () => {
    const startedAt = Date.now();
    const { outcome } = await runVirtual(campaign, {
      wrap: (inner) => ({
        ...inner,
        restore: () => inner.restore(),
        heartbeat: (progress) => inner.heartbeat(progress),
        async commit(fills, checkpoint) {
          if (fills.length === 0) return inner.commit(fills, checkpoint);
          throw new LedgerConflictError(KEY.shardId, fills[0]!.seq, ['qty: 1 → 2']);
        },
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(/^commit refused: shard shard-000: the ledger already holds a different fill under seq \d+ \(qty: 1 → 2\)/);
    expect(outcome.fillsUncommitted).toBeGreaterThan(0);
    expect(Date.now() - startedAt).toBeLessThan(BOUND_MS + 2_000);
  });

  it('ends commit-failed at once, with no fill after the hole, when a commit was acknowledged but never written (the ledger refuses the gap)', async () => {
    let commits = 0;
    const { outcome, ledger } = await runVirtual(campaign, {
      wrap: (inner) => ({
        ...inner,
        restore: () => inner.restore(),
        heartbeat: (progress) => inner.heartbeat(progress),
        async commit(fills, checkpoint) {
          // The first commit with fills answers OK and writes nothing: a store that lost it.
          if (fills.length > 0 && commits++ === 0) return;
          return inner.commit(fills, checkpoint);
        },
      }),
    });

    expect(outcome.end).toBe('commit-failed');
    expect(outcome.reason).toMatch(/^commit refused: shard shard-000: fill seq \d+ would leave a gap in the ledger: the next seq must be 0 \(the ledger is empty\), so seqs? 0/);
    expect(ledger.fills(KEY)).toEqual([]);
  });
});
