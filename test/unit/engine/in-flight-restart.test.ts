/**
 * Orders in flight across a restart (issue 19, `engine-task/src/execution/in-flight-orders.ts`): a
 * replay of recorded depth with a latency per venue, whose engine dies right after a commit whose
 * checkpoint holds orders decided but not yet filled (its store stops answering: nothing it does
 * after that is kept, as with a killed process), and a next generation restores from that
 * checkpoint and runs the replay out. Each order in flight is in the ledger exactly once, no
 * decision is there twice, each such trade's fills are those of a run that was never stopped, every
 * fill's price is the recorded book's at its time, and the realised P&L is the ledger's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import type { Checkpoint } from '../../../core/model/checkpoint.js';
import { fillCashMicros, type Fill } from '../../../core/model/fill.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { Prng } from '../../../engine-task/src/feed/prng.js';
import { testCampaign } from '../../support/campaigns.js';
import { booksCsv, recomputeFills, seededBooks } from '../../support/recorded-books.js';
import { KEY, runVirtual } from '../../support/run-shard.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-in-flight-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prng = new Prng(19);
const rows = seededBooks(3000, () => prng.nextUniform());
const path = join(dir, 'books.csv');
writeFileSync(path, booksCsv(rows));

const campaign = testCampaign({
  symbols: ['BTC', 'ETH'],
  venues: { a: { name: 'upbit', quoteCurrency: 'USDT', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
  fx: undefined,
  feed: { kind: 'replay', path },
  clock: 'virtual',
  strategy: { entryBps: 5, exitBps: -20, maxHolding: '2s', stopLossBps: 1000, takeProfitBps: 1000 },
  risk: { maxOpenTrades: 2, maxOpenTradesPerSymbol: 1 },
  // Venue B's orders take a second to arrive: most commits find one on its way.
  execution: { model: 'depth', latency: { a: '100ms', b: '1s' } },
  duration: '10m',
});

/** The store as a killed engine leaves it: the first commit whose checkpoint holds orders in flight lands, and nothing after it. */
function diesAfterInFlightCommit(base: ShardPersistence): { persistence: ShardPersistence; died: Promise<Checkpoint> } {
  let dead = false;
  let died: (checkpoint: Checkpoint) => void = () => undefined;
  const never = new Promise<never>(() => undefined);
  const persistence: ShardPersistence = {
    ...base,
    restore: () => base.restore(),
    heartbeat: (progress) => (dead ? never : base.heartbeat(progress)),
    commit: async (fills, checkpoint) => {
      if (dead) return never;
      await base.commit(fills, checkpoint);
      if (checkpoint?.inFlight !== undefined && checkpoint.inFlight.length > 0) {
        dead = true;
        died(checkpoint);
      }
    },
  };
  return { persistence, died: new Promise<Checkpoint>((resolve) => (died = resolve)) };
}

/** A trade's decision as the ledger records it: one per (trade, kind). */
const decisionOf = (f: Fill) => `${f.tradeId}/${f.kind}`;

describe('orders in flight across a restart', () => {
  it('fills each order in flight at the checkpoint once after the engine died and was restored; the P&L is the ledger’s', async () => {
    const uninterrupted = await runVirtual(campaign);
    const reference = uninterrupted.ledger.fills(KEY);

    const ledger = new MemoryShardLedger();
    let death: Promise<Checkpoint> | undefined;
    // Generation 0 is never awaited: it hangs on its store, as a killed process does nothing more.
    void runVirtual(campaign, {
      ledger,
      wrap: (base) => {
        const dying = diesAfterInFlightCommit(base);
        death = dying.died;
        return dying.persistence;
      },
    });
    const checkpoint = await (death as Promise<Checkpoint>);
    const inFlight = checkpoint.inFlight ?? [];
    expect(inFlight.length).toBeGreaterThan(0);
    const committedBefore = ledger.fills(KEY).length;
    expect(committedBefore).toBe(checkpoint.lastFillSeq + 1);

    ledger.supersede(KEY, 1); // the fleet's restart: generation 1 fences the dead task
    const restarted = await runVirtual(campaign, { ledger, generation: 1 });
    expect(restarted.outcome.end).toBe('completed');
    const fills = ledger.fills(KEY);
    expect(fills.map((f) => f.seq)).toEqual(fills.map((_, i) => i)); // gap-free, nothing above the head

    // No decision twice: each trade opens once and closes once, two legs each.
    const legs = new Map<string, Fill[]>();
    for (const f of fills) legs.set(decisionOf(f), [...(legs.get(decisionOf(f)) ?? []), f]);
    for (const [decision, pair] of legs) expect(pair.map((f) => f.venue).sort(), decision).toEqual(['A', 'B']);
    const opens = fills.filter((f) => f.kind === 'OPEN' && f.venue === 'A');
    expect(new Set(opens.map((f) => `${f.symbol}@${f.eventTs}`)).size).toBe(opens.length);

    // Each order in flight is in the ledger once, after the checkpoint, as the uninterrupted run filled it.
    for (const order of inFlight) {
      const made = fills.filter((f) => f.symbol === order.symbol && f.kind === order.kind && f.eventTs === order.decidedAt);
      expect(
        made.map((f) => f.venue),
        `${order.kind} of ${order.symbol} decided at ${order.decidedAt}`,
      ).toEqual(['A', 'B']);
      expect(made.every((f) => f.seq >= committedBefore && f.generation === 1)).toBe(true);
      if (order.kind === 'CLOSE') expect(made[0]?.tradeId).toBe(order.tradeId);
      const same = reference.filter((f) => f.symbol === order.symbol && f.kind === order.kind && f.eventTs === order.decidedAt);
      const leg = (f: Fill) => [f.tradeId, f.venue, f.side, f.qty, f.price, f.ts];
      expect(made.map(leg)).toEqual(same.map(leg));
    }

    // Every price is the recorded book's at the fill's time; the realised P&L is the sum of the closed trades' fills.
    const recomputed = new Map(recomputeFills(rows, fills, 4).map((r) => [r.seq, r.price]));
    for (const f of fills) expect(f.price, `fill ${f.seq}`).toBeCloseTo(recomputed.get(f.seq) as number, 9);
    const closed = new Set(fills.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId));
    const pnlMicros = fills.filter((f) => closed.has(f.tradeId)).reduce((sum, f) => sum + fillCashMicros(f), 0);
    expect(restarted.runner.engine.portfolio.realizedTotalMicros).toBe(pnlMicros);
    expect(closed.size).toBe(opens.length); // the replay's end closed every trade
  });
});
