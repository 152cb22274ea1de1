/**
 * Orders in flight across a real kill (issue 19, `engine-task/src/execution/in-flight-orders.ts`):
 * the engine process replays recorded depth in real time with a latency on venue B and commits to
 * the SQLite store; the test freezes it (SIGSTOP), and when the last checkpoint it committed holds
 * orders decided but not yet filled, kills it (SIGKILL; otherwise it lets it run on and looks
 * again). The next generation, a new process, restores from that checkpoint and plays the replay
 * out. Each order in flight is then in the ledger exactly once, no decision twice, and the
 * realised P&L of the final checkpoint is the ledger's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { Checkpoint } from '../../core/model/checkpoint.js';
import { fillCashMicros } from '../../core/model/fill.js';
import { Prng } from '../../engine-task/src/feed/prng.js';
import { newCampaign } from '../contract/record-builders.js';
import { startEngine, waitFor, type EngineProcess } from '../support/engine-process.js';
import { booksCsv, seededBooks } from '../support/recorded-books.js';

const dirs: string[] = [];
const engines: EngineProcess[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('orders in flight across a killed engine process', () => {
  it('fills each order in flight at the last checkpoint once in the next generation; the P&L is the ledger’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-in-flight-kill-'));
    dirs.push(dir);
    const prng = new Prng(19);
    const books = join(dir, 'books.csv');
    writeFileSync(books, booksCsv(seededBooks(3000, () => prng.nextUniform())));
    const config = join(dir, 'replay.yaml');
    writeFileSync(
      config,
      [
        'name: in-flight-kill',
        'symbols: [BTC, ETH]',
        'venues:',
        '  a: { name: upbit, quoteCurrency: USDT, takerFeeBps: 5 }',
        '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
        'strategy: { entryBps: 5, exitBps: -20, maxHolding: 2s, stopLossBps: 1000, takeProfitBps: 1000 }',
        'risk: { maxOpenTrades: 2, maxOpenTradesPerSymbol: 1 }',
        // Venue B's orders take 2 recorded seconds to arrive: most checkpoints find one on its way.
        'execution: { model: depth, latency: { a: 100ms, b: 2s } }',
        // About 80 recorded seconds played at 10 per wall second, committed every 0.2 s.
        `feed: { kind: replay, path: ${books}, speed: 10 }`,
        'monitor: { flushInterval: 0.2s }',
        'clock: real',
        'duration: 10m',
      ].join('\n'),
    );
    const db = join(dir, 'fleet.db');
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-in-flight', 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: ['BTC', 'ETH'] })),
    );
    const key = { campaignId: 'c-in-flight', shardId: 'shard-000' };
    const run = (generation: number) => {
      const engine = startEngine(
        [
          config,
          '--store',
          `sqlite:${db}`,
          '--campaign',
          key.campaignId,
          '--shard',
          key.shardId,
          '--symbols',
          'BTC,ETH',
          '--generation',
          String(generation),
          '--json',
        ],
        { ARBFLEET_HEARTBEAT_INTERVAL: '0.2' },
      );
      engines.push(engine);
      return engine;
    };

    const first = run(0);
    // Frozen, the engine commits nothing more: the checkpoint read then is the last it will ever have.
    const killedAt = await waitFor(
      'a frozen engine whose last checkpoint holds orders in flight',
      async () => {
        if (first.child.exitCode !== null) throw new Error(`the engine ended before a checkpoint held an order in flight\n${first.stderr()}`);
        first.child.kill('SIGSTOP');
        const checkpoint = await store.readCheckpoint(key);
        if ((checkpoint?.inFlight?.length ?? 0) > 0) {
          first.child.kill('SIGKILL');
          return checkpoint as Checkpoint;
        }
        first.child.kill('SIGCONT');
        return undefined;
      },
      60_000,
    );
    await first.exited;
    const inFlight = killedAt.inFlight ?? [];
    const committedBefore = killedAt.lastFillSeq + 1;
    expect((await store.readLedger(key)).length).toBe(committedBefore);

    const shard = await store.getShard(key);
    await store.updateShard(key, shard?.version ?? 0, { generation: 1 }); // the fleet's restart: generation 1 fences the killed task
    const second = run(1);
    const exit = await second.exited;
    expect(exit, second.stderr()).toEqual({ code: 0, signal: null });

    const fills = await store.readLedger(key);
    expect(fills.map((f) => f.seq)).toEqual(fills.map((_, i) => i));
    // No decision twice: each trade opens once and closes at most once, two legs each.
    const legs = new Map<string, string[]>();
    for (const f of fills) legs.set(`${f.tradeId}/${f.kind}`, [...(legs.get(`${f.tradeId}/${f.kind}`) ?? []), f.venue]);
    for (const [decision, venues] of legs) expect(venues.sort(), decision).toEqual(['A', 'B']);
    // Each order in flight at the kill is in the ledger once, written by the next generation.
    for (const order of inFlight) {
      const made = fills.filter((f) => f.symbol === order.symbol && f.kind === order.kind && f.eventTs === order.decidedAt);
      expect(
        made.map((f) => f.venue),
        `${order.kind} of ${order.symbol} decided at ${order.decidedAt}`,
      ).toEqual(['A', 'B']);
      expect(made.every((f) => f.seq >= committedBefore && f.generation === 1)).toBe(true);
    }
    // The realised P&L the final checkpoint carries is the sum of the closed trades' fills.
    const final = await store.readCheckpoint(key);
    const closed = new Set(fills.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId));
    const pnlMicros = fills.filter((f) => closed.has(f.tradeId)).reduce((sum, f) => sum + fillCashMicros(f), 0);
    expect(final?.symbols.reduce((sum, s) => sum + s.realizedPnlMicros, 0)).toBe(pnlMicros);
    store.close();
  }, 120_000);
});
