import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeedSchema, type LiveFeedConfig } from '../../../core/config/campaign-config.js';
import { ValidationError } from '../../../core/errors.js';
import { LiveFeed } from '../../../core/data/live/live-feed.js';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';
import { waitFor } from '../../support/engine-process.js';
import { VenueWsServer } from '../../support/venue-ws-server.js';

/** Every update a feed hands over, in order: `[instrument, bid, ask, ts]`, FX as `[-1, rate, rate, ts]`. */
/** Every update as `[instrument, bid, ask, ts, exchangeTs]` (exchangeTs NaN when the venue gave none). */
class RecordingSink {
  readonly updates: number[][] = [];
  onQuote(instrument: number, bid: number, ask: number, ts: number, exchangeTs = Number.NaN): void {
    this.updates.push([instrument, bid, ask, ts, exchangeTs]);
  }
  onFx(rate: number, ts: number, exchangeTs = Number.NaN): void {
    this.updates.push([-1, rate, rate, ts, exchangeTs]);
  }
}

const venues = {
  a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 },
  b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 },
};
const SYMBOLS = ['BTC', 'ETH'];

let server: VenueWsServer | undefined;
const feeds: LiveFeed[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const feed of feeds.splice(0)) feed.close();
  await server?.close();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<VenueWsServer> {
  server = await VenueWsServer.start();
  return server;
}

function liveFeed(s: VenueWsServer, overrides: Partial<Record<keyof LiveFeedConfig, unknown>> = {}, random?: () => number, keepAliveMs?: number): LiveFeed {
  const feed = LiveFeedSchema.parse({
    kind: 'live',
    endpoints: { a: s.endpoints.upbit, b: s.endpoints.binance },
    silentAfter: 5, // the silence tests set their own
    reconnect: { initial: 0.02, max: 0.16 },
    ...overrides,
  });
  const live = new LiveFeed({ feed, venues, symbols: SYMBOLS, fxRate: 1380, random, keepAliveMs });
  feeds.push(live);
  return live;
}

/** Pumps the feed until `sink` holds `n` updates. */
async function pumpUntil(feed: LiveFeed, sink: RecordingSink, n: number): Promise<number[][]> {
  return waitFor(`${n} updates (have ${sink.updates.length})`, () => {
    feed.emitUntil(Infinity, 1000, sink);
    return sink.updates.length >= n ? sink.updates : undefined;
  });
}

const subscribedTo = (s: VenueWsServer, venue: 'upbit' | 'binance', count: number) =>
  waitFor(`${count} subscribed ${venue} connection(s)`, () => (s.subscribed(venue).length >= count ? s.subscribed(venue) : undefined));

describe('the live feed against local venue streams', () => {
  it('subscribes in each venue protocol and hands quotes and the KRW-USDT mid as FX to the engine, in arrival order', async () => {
    const s = await startServer();
    const feed = liveFeed(s);
    const upbit = await subscribedTo(s, 'upbit', 2); // venue A's markets, and the FX market
    const [binance] = await subscribedTo(s, 'binance', 1);
    expect(upbit.map((c) => [...c.codes].sort()).sort()).toEqual([['KRW-BTC', 'KRW-ETH'], ['KRW-USDT']]);
    expect([...(binance?.codes ?? [])]).toEqual(['BTCUSDT', 'ETHUSDT']);
    const sink = new RecordingSink();
    s.quote('upbit', 'KRW-USDT', 1380, 1382);
    await pumpUntil(feed, sink, 1);
    s.quote('binance', 'ETHUSDT', 3200.5, 3200.75);
    await pumpUntil(feed, sink, 2);
    s.quote('upbit', 'KRW-BTC', 159_508_000, 159_523_000);
    const got = await pumpUntil(feed, sink, 3);
    expect(got.map(([i, b, a]) => [i, b, a])).toEqual([
      [-1, 1381, 1381],
      [3, 3200.5, 3200.75], // ETH (symbol 1) on venue B: 1 * 2 + 1
      [0, 159_508_000, 159_523_000],
    ]);
    const state = feed.venueStates();
    expect(state.a).toMatchObject({ venue: 'upbit', connected: true, stale: false, connects: 1, reconnects: 0, messages: 1, quotes: 1 });
    expect(state.b).toMatchObject({ venue: 'binance', connected: true, stale: false, quotes: 1 });
    expect(state.fx).toMatchObject({ venue: 'upbit', quotes: 1 });
    expect(state.b.url).toBe(`${s.endpoints.binance}?streams=btcusdt@bookTicker/ethusdt@bookTicker/btcusdt@depth@100ms`);
  });

  it("stamps Binance's book tickers with the venue clock of their connection (the depthUpdate clock stream's E), heard anew after a reconnect", async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' } });
    await subscribedTo(s, 'binance', 1);
    const sink = new RecordingSink();
    await pumpUntil(feed, sink, 1); // the fixed FX rate
    const before = Date.now() - 5_000; // a held stretch: the clock frame and the ticker behind it both 5 s old
    expect(s.clock('BTCUSDT', before)).toBe(1);
    s.quote('binance', 'BTCUSDT', 115_279.25, 115_279.26);
    const [, ticker] = await pumpUntil(feed, sink, 2);
    expect(ticker?.[0]).toBe(1);
    expect(ticker?.[4]).toBe(before);
    expect(ticker?.[3] as number).toBeGreaterThanOrEqual(before + 5_000);
    s.dropAll('binance');
    await waitFor(
      'a second Binance connection',
      () => (s.connections.filter((c) => c.venue === 'binance').length >= 2 && s.subscribed('binance').length === 1) || undefined,
    );
    await waitFor('the feed reconnected', () => feed.venueStates().b.connected || undefined);
    s.quote('binance', 'BTCUSDT', 115_279.5, 115_279.6);
    const [, , afterReconnect] = await pumpUntil(feed, sink, 3);
    expect(afterReconnect?.[4]).toBeNaN(); // no clock frame yet on the new connection: aged by arrival, not by the old clock
  });

  it('reconnects after a disconnect and subscribes again', async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' } });
    const [first] = await subscribedTo(s, 'upbit', 1);
    s.dropAll('upbit');
    const [second] = await waitFor('a new subscribed Upbit connection', () => s.subscribed('upbit').find((c) => c !== first) && s.subscribed('upbit'));
    expect(second).not.toBe(first);
    expect([...(second?.codes ?? [])].sort()).toEqual(['KRW-BTC', 'KRW-ETH']);
    const sink = new RecordingSink();
    s.quote('upbit', 'KRW-ETH', 4_400_000, 4_401_000);
    const got = await pumpUntil(feed, sink, 2);
    expect(got.map(([i, b]) => [i, b])).toEqual([
      [-1, 1380], // the fixed rate, handed over once at the start
      [2, 4_400_000],
    ]);
    expect(feed.venueStates().a).toMatchObject({ connected: true, connects: 2, reconnects: 1, stale: false });
    expect(feed.venueStates().fx).toBeUndefined();
  });

  it('rides out a reconnect storm: each refused connection waits twice as long as the last, up to reconnect.max', async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' } }, () => 0.999_999); // no jitter: the plain schedule
    await subscribedTo(s, 'binance', 1);
    s.refuseNext('binance', 5);
    s.dropAll('binance');
    await waitFor(
      'the storm over and Binance subscribed again',
      () => (s.connections.filter((c) => c.venue === 'binance').length >= 7 && s.subscribed('binance').length === 1) || undefined,
    );
    const opened = s.connections.filter((c) => c.venue === 'binance').map((c) => c.openedAt);
    const waits = opened.slice(2).map((t, i) => t - (opened[i + 1] as number));
    // A timer never fires early (1 ms of rounding allowed); the schedule is 20, 40, 80, 160, 160 ms after each refusal.
    for (const [i, least] of [40, 80, 160, 160, 160].entries()) expect(waits[i]).toBeGreaterThanOrEqual(least - 1);
    const sink = new RecordingSink();
    s.quote('binance', 'BTCUSDT', 115_279.25, 115_279.26);
    await pumpUntil(feed, sink, 2);
    expect(feed.venueStates().b).toMatchObject({ connected: true, reconnects: 6, stale: false });
  });

  it('marks a silent stream stale and reconnects it, while the socket stays open', async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' }, silentAfter: 0.5 });
    const [first] = await subscribedTo(s, 'binance', 1);
    const sink = new RecordingSink();
    s.quote('binance', 'BTCUSDT', 115_279.25, 115_279.26);
    await pumpUntil(feed, sink, 2);
    expect(feed.venueStates().b.stale).toBe(false);
    s.silence('binance');
    const stale = await waitFor('venue B stale', () => (feed.venueStates().b.stale ? feed.venueStates().b : undefined));
    await waitFor(
      'the silent socket dropped and a new one subscribed',
      () => (feed.venueStates().b.silentStalls >= 1 && feed.venueStates().b.reconnects >= 1 && s.subscribed('binance').some((c) => c !== first)) || undefined,
    );
    expect(stale.lastMessageAt).toBeDefined();
    expect(feed.venueStates().b.stale).toBe(true);
    expect(feed.venueStates().b.reconnects).toBeGreaterThanOrEqual(1);
    expect(feed.venueStates().b.lastError).toMatch(/silent for more than 500 ms/);
    s.resume('binance');
    await waitFor('quotes again, and venue B fresh', () => {
      s.quote('binance', 'BTCUSDT', 115_280, 115_280.01); // to whichever connection is subscribed now
      feed.emitUntil(Infinity, 1000, sink);
      return feed.venueStates().b.stale ? undefined : true;
    });
    expect(sink.updates.at(-1)?.slice(0, 3)).toEqual([1, 115_280, 115_280.01]);
  });

  it("keeps Upbit's socket alive with PING, yet counts a stream that answers only {status: UP} as silent", async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' }, silentAfter: 0.3 }, undefined, 40);
    const [first] = await subscribedTo(s, 'upbit', 1);
    const sink = new RecordingSink();
    s.quote('upbit', 'KRW-BTC', 159_508_000, 159_523_000);
    await pumpUntil(feed, sink, 2);
    s.silence('upbit'); // order books stop; keep-alive answers go on
    await waitFor(
      'the keep-alive answered several times, the stream dropped as silent and subscribed again',
      () => (feed.venueStates().a.messages >= 4 && feed.venueStates().a.silentStalls >= 1 && s.subscribed('upbit').some((c) => c !== first)) || undefined,
    );
    expect(feed.venueStates().a).toMatchObject({ stale: true, quotes: 1 });
  });

  it('skips and counts malformed frames, crossed books, unknown symbols and venue errors, and keeps the good quotes', async () => {
    const s = await startServer();
    const feed = liveFeed(s, { fx: { source: 'fixed' } });
    await subscribedTo(s, 'upbit', 1);
    await subscribedTo(s, 'binance', 1);
    s.sendRaw('upbit', Buffer.from('{"type":"orderbook","code":"KRW-BTC","orderbook_'));
    s.sendRaw('upbit', Buffer.from('{"error":{"name":"INVALID_PARAM","message":"bad"}}'));
    s.quote('upbit', 'KRW-BTC', 159_600_000, 159_500_000); // crossed
    s.sendRaw('binance', JSON.stringify({ stream: 'xrpusdt@bookTicker', data: { u: 1, s: 'XRPUSDT', b: '2.1', B: '1', a: '2.2', A: '1' } }));
    s.sendRaw('binance', 'not json at all');
    s.quote('binance', 'BTCUSDT', 115_279.25, 115_279.26);
    s.quote('upbit', 'KRW-BTC', 159_508_000, 159_523_000);
    const sink = new RecordingSink();
    await pumpUntil(feed, sink, 3);
    await waitFor('every frame counted', () => (feed.venueStates().a.messages === 4 && feed.venueStates().b.messages === 3) || undefined);
    expect(sink.updates.map(([i]) => i).sort()).toEqual([-1, 0, 1]); // two sockets: their frames may interleave either way
    const { a, b } = feed.venueStates();
    expect(a.skipped).toEqual({ malformed: 1, crossed: 1, 'unknown-symbol': 0, 'venue-error': 1 });
    expect(b.skipped).toEqual({ malformed: 1, crossed: 0, 'unknown-symbol': 1, 'venue-error': 0 });
    expect([a.connected, b.connected, a.reconnects, b.reconnects]).toEqual([true, true, 0, 0]);
    expect(feed.quality()).toEqual({
      a: { updates: 1, lastUpdateAt: a.lastQuoteAt, skipped: { malformed: 1, crossed: 1, 'venue-error': 1 } },
      b: { updates: 1, lastUpdateAt: b.lastQuoteAt, skipped: { malformed: 1, 'unknown-symbol': 1 } },
      fx: { updates: 1, lastUpdateAt: expect.any(Number), skipped: {} }, // the fixed rate
    });
  });

  it('records the session as the canonical replay file with both times, which replays the same quotes, arrival and exchange times in the same order', async () => {
    const s = await startServer();
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-live-'));
    dirs.push(dir);
    const path = join(dir, 'session.csv');
    const feed = liveFeed(s, { record: path });
    await subscribedTo(s, 'upbit', 2);
    await subscribedTo(s, 'binance', 1);
    const sink = new RecordingSink();
    const t0 = Date.now() - 60_000; // Upbit's own timestamps, a minute behind (frames held, then sent)
    for (let i = 0; i < 40; i++) {
      s.quote('upbit', i % 2 === 0 ? 'KRW-BTC' : 'KRW-ETH', 159_508_000 + i * 1000, 159_523_000 + i * 1000, t0 + i);
      s.quote('binance', i % 3 === 0 ? 'ETHUSDT' : 'BTCUSDT', 115_279.25 + i / 100, 115_279.26 + i / 100);
      if (i % 10 === 0) s.quote('upbit', 'KRW-USDT', 1381 + i / 10, 1382 + i / 10, t0 + i);
      if (i % 7 === 0) await pumpUntil(feed, sink, sink.updates.length + 1); // quotes arrive over several turns
    }
    const live = await pumpUntil(feed, sink, 84);
    expect(feed.recordedRows()).toBe(84);
    feed.close();
    const rows = readFileSync(path, 'utf8').split('\n');
    expect(rows[0]).toBe('ts,symbol,venue,bid,ask,exchange_ts');
    // Upbit's rows (and the FX rate from Upbit's book) keep the venue's time; Binance's bookTicker gives none.
    expect(rows.find((r) => r.includes(',BTC,A,'))).toMatch(new RegExp(`,${t0}$`));
    expect(rows.find((r) => r.includes(',BTC,B,'))).toMatch(/,$/);
    expect(live.filter((u) => u[0] === 0 || u[0] === 2).every((u) => (u[4] as number) >= t0 && (u[4] as number) < t0 + 40)).toBe(true);
    expect(live.filter((u) => u[0] === 1 || u[0] === 3).every((u) => Number.isNaN(u[4]))).toBe(true);
    const replay = new ReplayFeed({ feed: { path }, shardSymbols: SYMBOLS, quotes: { a: 'KRW', b: 'USDT' } });
    const replayed = new RecordingSink();
    expect(replay.emitUntil(Infinity, 1_000_000, replayed)).toBe(84);
    expect(replayed.updates).toEqual(live);
    const quality = replay.quality();
    expect([quality.a.skipped, quality.b.skipped, quality.fx.skipped]).toEqual([{}, {}, {}]);
  });

  it('refuses a venue it does not speak and an FX market of other currencies, naming the field', async () => {
    const s = await startServer();
    const feed = LiveFeedSchema.parse({ kind: 'live', endpoints: { a: s.endpoints.upbit, b: s.endpoints.binance } });
    const build =
      (v: typeof venues, f = feed) =>
      () =>
        new LiveFeed({ feed: f, venues: v, symbols: SYMBOLS, fxRate: 1380 });
    expect(build({ ...venues, b: { ...venues.b, name: 'okx' } })).toThrow(ValidationError);
    expect(build({ ...venues, b: { ...venues.b, name: 'okx' } })).toThrow(/venues\.b\.name: a live feed speaks upbit and binance, not "okx"/);
    expect(build(venues, { ...feed, fx: { source: 'upbit', market: 'KRW-BTC' } })).toThrow(/feed\.fx\.market: must be KRW-USDT/);
  });
});
