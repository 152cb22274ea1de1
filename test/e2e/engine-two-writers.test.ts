/**
 * Two engine processes of one shard generation on one SQLite store (what a repeated launch makes:
 * a lost RunTask answer and a redelivered launch message, a launcher that lost track of its
 * tasks): the store fences by writer identity, not only by generation (issue 16,
 * `ShardPersistence` in core/ports.ts). The later one's claim takes the shard over; the earlier
 * one's next write is refused and it exits 3 naming the writer that holds the shard; the ledger
 * stays one run of seqs, each once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { newCampaign } from '../contract/record-builders.js';
import { startEngine, waitFor, type EngineProcess } from '../support/engine-process.js';

/** A market that trades at once: no fees, a 2 bps entry, dislocations of 40 bps reverting in 2 s (hundreds of fills a second). */
const BUSY_CONFIG = `name: two-writers
symbols: [BTC, ETH, XRP, SOL]
venues:
  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 0 }
  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 0 }
fx: { pair: USDT/KRW, rate: 1380 }
strategy: { entryBps: 2, exitBps: 0, takeProfitBps: 2, stopLossBps: 4, maxHolding: 1s, orderNotional: 100 }
risk: { maxOpenTrades: 20, maxOpenTradesPerSymbol: 2 }
feed: { kind: synthetic, seed: 11, ticksPerSecond: 50, volatilityBps: 10, dislocationBps: 40, dislocationHalfLife: 2s }
duration: 5m
`;

const KEY = { campaignId: 'c-two-writers', shardId: 'shard-000' };
const dirs: string[] = [];
const engines: EngineProcess[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) if (engine.child.exitCode === null) engine.child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('two engine processes of one generation on one SQLite store', () => {
  it('the later one takes the shard over: the earlier exits 3 naming the fence and the holder, and the ledger is seqs 0..n-1 once each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-two-writers-'));
    dirs.push(dir);
    const db = join(dir, 'fleet.db');
    const config = join(dir, 'busy.yaml');
    writeFileSync(config, BUSY_CONFIG);
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign(KEY.campaignId, 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: KEY.shardId, symbols: ['BTC', 'ETH', 'XRP', 'SOL'] })),
    );
    const start = (): EngineProcess => {
      const engine = startEngine([config, '--store', `sqlite:${db}`, '--campaign', KEY.campaignId, '--shard', KEY.shardId, '--generation', '0', '--json'], {
        ARBFLEET_HEARTBEAT_INTERVAL: '0.2',
      });
      engines.push(engine);
      return engine;
    };
    const writerOf = (engine: EngineProcess): RegExp => new RegExp(`^pid-${engine.child.pid}@`);

    const first = start();
    const firstFills = await waitFor(
      'the first engine to claim the shard and commit fills',
      async () => {
        const shard = await store.getShard(KEY);
        const ledger = await store.readLedger(KEY);
        return shard?.writer && writerOf(first).test(shard.writer.id) && ledger.length > 0 ? ledger.length : undefined;
      },
      60_000,
    );

    const second = start();
    let firstExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void first.exited.then((exit) => (firstExit = exit));
    const exit = await waitFor('the first engine to exit once the second claimed the shard', () => firstExit, 60_000);
    expect(exit, first.stderr()).toEqual({ code: ENGINE_EXIT.FENCED_OUT, signal: null });
    const ended = first
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"shard ended"'))
      .map((line) => JSON.parse(line) as { end: string; reason: string });
    expect(ended).toHaveLength(1);
    expect(ended[0]?.end).toBe('fenced');
    expect(ended[0]?.reason).toMatch(
      new RegExp(
        `writer pid-${first.child.pid}@\\S+ of generation 0 is fenced out: writer pid-${second.child.pid}@\\S+ of the same generation took the shard over`,
      ),
    );

    const holder = (await store.getShard(KEY))?.writer;
    expect(holder?.id).toMatch(writerOf(second));
    // The survivor trades on past what the first committed, then stops cleanly on SIGTERM.
    await waitFor('the second engine to commit past the first', async () => ((await store.readLedger(KEY)).length > firstFills ? true : undefined), 60_000);
    expect(second.child.exitCode).toBeNull();
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toEqual({ code: 0, signal: null });

    const ledger = await store.readLedger(KEY);
    expect(ledger.map((fill) => fill.seq)).toEqual(ledger.map((_, i) => i));
    expect((await store.readCheckpoint(KEY))?.lastFillSeq).toBe(ledger.length - 1);
    // Once the second writer's heartbeats begin, the first writes none.
    const writers = (await store.readHeartbeats(KEY)).map((beat) => beat.writer ?? '');
    const handover = writers.findIndex((writer) => writerOf(second).test(writer));
    expect(handover).toBeGreaterThan(0);
    expect(writers.slice(0, handover).every((writer) => writerOf(first).test(writer))).toBe(true);
    expect(writers.slice(handover).every((writer) => writerOf(second).test(writer))).toBe(true);
    store.close();
  }, 180_000);
});
