import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { ReplayFeed } from '../../engine-task/src/feed/replay-feed.js';
import { newCampaign } from '../contract/record-builders.js';
import { startEngine, waitFor } from '../support/engine-process.js';
import { VenueWsServer } from '../support/venue-ws-server.js';

let server: VenueWsServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the engine process on a live feed', () => {
  it('trades Upbit against Binance from their streams (local stand-ins), heartbeats, and records a file that replays', async () => {
    server = await VenueWsServer.start();
    const s = server;
    // BTC 60 bps dearer on Upbit than on Binance at the KRW-USDT mid: above entryBps 25 + 15 bps of fees.
    s.play({ 'KRW-USDT': 1380.5, 'KRW-BTC': 95_000 * 1380.5 * 1.006, BTCUSDT: 95_000, 'KRW-ETH': 3200 * 1380.5, ETHUSDT: 3200 }, 20);
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-live-e2e-'));
    dirs.push(dir);
    const db = join(dir, 'fleet.db');
    const record = join(dir, 'session.csv');
    const config = join(dir, 'live.yaml');
    writeFileSync(
      config,
      [
        'name: live-paper',
        'symbols: [BTC, ETH]',
        'venues:',
        '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }',
        '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
        'fx: { pair: USDT/KRW, rate: 1380 }',
        'feed:',
        '  kind: live',
        '  fx: { source: upbit }',
        `  record: ${record}`,
        '  silentAfter: 2s',
        `  endpoints: { a: "${s.endpoints.upbit}", b: "${s.endpoints.binance}" }`,
        'duration: 4s',
        'clock: real',
        'watchdog: { heartbeatInterval: 1, staleAfter: 5 }',
      ].join('\n'),
    );
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-live', 1);
    await store.createCampaign(
      campaign,
      shards.map((sh) => ({ ...sh, shardId: 'shard-000', symbols: ['BTC', 'ETH'] })),
    );
    const key = { campaignId: 'c-live', shardId: 'shard-000' };
    const engine = startEngine([config, '--store', `sqlite:${db}`, '--campaign', key.campaignId, '--shard', key.shardId, '--json'], {
      ARBFLEET_HEARTBEAT_INTERVAL: '0.2',
    });
    const beats = await waitFor('heartbeats with progress', async () => {
      const got = await store.readHeartbeats(key);
      return got.length >= 3 && (got.at(-1)?.progress.ticks ?? 0) > 0 ? got : undefined;
    });
    expect(beats.at(-1)?.progress.ticks).toBeGreaterThan(0);
    const exit = await engine.exited;
    expect(exit, engine.stderr()).toEqual({ code: 0, signal: null });
    const summary = engine
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"event":"summary"'))
      .map((line) => JSON.parse(line) as { end: string; ticks: number; trades: number })[0];
    expect(summary).toMatchObject({ end: 'completed' });
    expect(summary?.trades).toBeGreaterThan(0);
    const ledger = await store.readLedger(key);
    expect(ledger.length).toBeGreaterThan(0);
    store.close();
    const rows = readFileSync(record, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('ts,symbol,venue,bid,ask,exchange_ts');
    expect(rows.some((r) => r.includes(',FX,,'))).toBe(true);
    expect(rows.some((r) => r.includes(',BTC,A,'))).toBe(true);
    expect(rows.some((r) => r.includes(',ETH,B,'))).toBe(true);
    const replay = new ReplayFeed({ feed: { path: record }, shardSymbols: ['BTC', 'ETH'], quotes: { a: 'KRW', b: 'USDT' } });
    const sink = { n: 0, onQuote: () => sink.n++, onFx: () => sink.n++ };
    expect(replay.emitUntil(Infinity, 10_000_000, sink)).toBe(rows.length - 1);
  });
});
