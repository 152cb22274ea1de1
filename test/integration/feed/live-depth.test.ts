/**
 * Upbit's depth, live (issue 19): with the `depth` execution model the live feed subscribes to 15
 * order-book units of each Upbit market, keeps every level of each frame (and Binance's top sizes
 * from `bookTicker`'s `B`/`A`), and hands them to the engine as the replay feed hands recorded
 * depth, so a live entry walks Upbit's book. Over real sockets against the local stand-in, which
 * speaks Upbit's order-book frame (`orderbook_units` of `bid_price`, `bid_size`, `ask_price`,
 * `ask_size`, docs.upbit.com reference "websocket-orderbook"): the sale walks three bid levels to a
 * known volume-weighted price.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeedSchema } from '../../../core/config/campaign-config.js';
import { LiveFeed } from '../../../core/data/live/live-feed.js';
import { VirtualClock } from '../../../core/clock.js';
import type { Fill } from '../../../core/model/fill.js';
import { Engine } from '../../../engine-task/src/engine.js';
import { testCampaign } from '../../support/campaigns.js';
import { waitFor } from '../../support/engine-process.js';
import { VenueWsServer, type TestBook } from '../../support/venue-ws-server.js';

const FX = 1380;
let server: VenueWsServer | undefined;
let feed: LiveFeed | undefined;
afterEach(async () => {
  feed?.close();
  await server?.close();
  server = undefined;
});

/** Fifteen levels a side around `top`, `step` apart, sizes from `sizes` and 1 for the rest. */
function fifteen(top: number, step: number, sizes: number[]): [number, number][] {
  return Array.from({ length: 15 }, (_, k): [number, number] => [top + k * step, sizes[k] ?? 1]);
}

/** A depth engine on BTC and a live feed of the stand-in's two venues feeding it (`clock`: the feed's arrival times). */
async function depthFeed(clock?: VirtualClock): Promise<{ s: VenueWsServer; engine: Engine; feed: LiveFeed }> {
  const s = await VenueWsServer.start();
  server = s;
  const campaign = testCampaign({
    symbols: ['BTC'],
    strategy: { entryBps: 25, exitBps: -1000, maxHolding: '10m', stopLossBps: 1000, takeProfitBps: 1000, orderNotional: 1000 },
    execution: { model: 'depth' },
  });
  const engine = new Engine({ campaign, symbols: ['BTC'], generation: 0 });
  const live = new LiveFeed({
    feed: LiveFeedSchema.parse({ kind: 'live', fx: { source: 'fixed' }, endpoints: { a: s.endpoints.upbit, b: s.endpoints.binance } }),
    venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
    symbols: ['BTC'],
    fxRate: FX,
    levels: engine.book.levels,
    ...(clock ? { clock } : {}),
  });
  feed = live;
  return { s, engine, feed: live };
}

describe('Upbit depth on a live feed', () => {
  it('subscribes to 15 units, keeps them, and walks three of Upbit’s bid levels for a sale: 0.004 + 0.004 + the rest, at their volume-weighted price', async () => {
    const { s, engine } = await depthFeed();
    const [upbit] = await waitFor('Upbit subscribed', () => (s.subscribed('upbit').length > 0 ? s.subscribed('upbit') : undefined));
    await waitFor('Binance subscribed', () => (s.subscribed('binance').length > 0 ? true : undefined));
    expect(upbit?.units.get('KRW-BTC')).toBe(15);

    // Binance offers 5 BTC at 95,000 USDT; Upbit bids 1 % more in KRW, 0.004, 0.004 and 0.01 BTC on its first three levels.
    const askB = 95_000;
    const binance: TestBook = { bids: [[askB - 10, 5]], asks: [[askB, 5]] };
    const b1 = askB * FX * 1.01;
    const step = -1000; // KRW a level, down the bids
    const bids = fifteen(b1, step, [0.004, 0.004, 0.01]);
    const upbitBook: TestBook = { bids, asks: fifteen(b1 + 20_000, 1000, []) };
    const fills: Fill[] = [];
    await waitFor('a trade from the live books', () => {
      s.quote('binance', 'BTCUSDT', askB - 10, askB, Date.now(), binance);
      s.quote('upbit', 'KRW-BTC', b1, b1 + 20_000, Date.now(), upbitBook);
      (feed as LiveFeed).emitUntil(Infinity, 1000, engine);
      engine.settle();
      fills.push(...engine.drainFills());
      return fills.length > 0 ? true : undefined;
    });

    const [a, b] = fills;
    // The order is the notional over B's ask: q = 1000 / 95,000 BTC, more than the first two levels' 0.008.
    const q = 1000 / askB;
    expect(b).toMatchObject({ venue: 'B', side: 'BUY', price: askB, decisionPrice: askB });
    expect(b?.qty).toBeCloseTo(q, 12);
    expect(a).toMatchObject({ venue: 'A', side: 'SELL', decisionPrice: b1 });
    expect(a?.qty).toBeCloseTo(q, 12);
    const walked = (0.004 * b1 + 0.004 * (b1 + step) + (q - 0.008) * (b1 + 2 * step)) / q;
    expect(a?.price).toBeCloseTo(walked, 6);
    expect(a?.price).toBeLessThan(b1); // below the top: the walk went deeper
    expect(a?.unsized).toBeUndefined();
  });

  it('keeps a frame whose sizes changed while its prices did not, arriving in the same millisecond (not dropped as a repeat)', async () => {
    // Every arrival at one instant: two frames of one market are a repeat only if nothing in them changed.
    const clock = new VirtualClock(Date.UTC(2026, 11, 7));
    const { s, engine } = await depthFeed(clock);
    await waitFor('Upbit subscribed', () => (s.subscribed('upbit').length > 0 ? true : undefined));
    await waitFor('Binance subscribed', () => (s.subscribed('binance').length > 0 ? true : undefined));
    const askB = 95_000;
    const binance: TestBook = { bids: [[askB - 10, 5]], asks: [[askB, 5]] };
    const b1 = askB * FX * 1.01;
    const step = -1000;
    const deep = { bids: fifteen(b1, step, [1, 1, 1]), asks: fifteen(b1 + 20_000, 1000, []) };
    const thin = { bids: fifteen(b1, step, [0.004, 0.004, 0.01]), asks: deep.asks };
    const fills: Fill[] = [];
    const t = clock.now();
    await waitFor('a trade from the live books', async () => {
      s.quote('binance', 'BTCUSDT', askB - 10, askB, t, binance);
      s.quote('upbit', 'KRW-BTC', b1, b1 + 20_000, t, deep);
      s.quote('upbit', 'KRW-BTC', b1, b1 + 20_000, t, thin);
      // Both Upbit frames must have arrived before the engine decides on them.
      await new Promise((r) => setTimeout(r, 100));
      (feed as LiveFeed).emitUntil(Infinity, 1000, engine);
      engine.settle();
      fills.push(...engine.drainFills());
      return fills.length > 0 ? true : undefined;
    });
    const a = fills.find((f) => f.venue === 'A');
    expect(a?.decisionPrice).toBe(b1);
    // The thin book's sizes were taken: the sale walked below the top (the deep book would fill it all at b1).
    expect(a?.price).toBeLessThan(b1);
  });
});
