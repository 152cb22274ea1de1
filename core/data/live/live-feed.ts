import { extname, resolve } from 'node:path';
import { systemClock, type Clock } from '../../clock.js';
import type { LiveFeedConfig, VenueConfig } from '../../config/campaign-config.js';
import { ValidationError } from '../../errors.js';
import type { VenueQuality } from '../../model/progress.js';
import type { MarketFeed, QuoteSink } from '../market-feed.js';
import { type BookLevels, copyLevels, emptyLevels, sameLevels } from '../quote-record.js';
import { FX_INSTRUMENT, QuoteRing, type RingLevels } from './quote-ring.js';
import { ReplayRecorder } from './replay-recorder.js';
import { VenueConnection, type LiveVenueState } from './venue-connection.js';
import { LIVE_VENUES, protocolOf, upbitProtocol, type VenueProtocol } from './venue-protocol.js';

export type { LiveVenueState } from './venue-connection.js';

/** How far ahead `nextTickAt` puts the next look when no update is waiting (ms). */
const IDLE_CHECK_MS = 250;

/** Per-venue stream state of a live feed: venue A, venue B, and the FX stream when there is one. */
export interface LiveFeedVenues {
  a: LiveVenueState;
  b: LiveVenueState;
  /** Absent with `fx.source: fixed` or when both venues quote in the same currency. */
  fx?: LiveVenueState;
  /** Updates dropped because the engine fell more than the ring's capacity behind. */
  overflowed: number;
  /** Updates dropped as identical to the one before (same ms, instrument and prices). */
  repeated: number;
}

export interface LiveFeedOptions {
  feed: LiveFeedConfig;
  venues: { a: VenueConfig; b: VenueConfig };
  /** The shard's base assets, in the order that numbers its instruments (`symbol * 2 + venue`). */
  symbols: readonly string[];
  /** The config's fixed rate (venue A's quote per venue B's): used with `fx.source: fixed`. */
  fxRate: number;
  clock?: Clock;
  /** Called when updates arrive in an empty ring: the runner's wake-up, so it need not poll. */
  onUpdate?: () => void;
  /**
   * This shard's place in a campaign of `count` shards: with more than one, each records into its
   * own file (`live.csv` → `live.shard-002.csv`), since shards appending to one file would
   * interleave their rows out of time order.
   */
  shard?: { index: number; count: number };
  /** The feed closes its sockets and its recording once `emitUntil` reaches this time (ms). */
  closeAt?: number;
  /** Updates the ring holds; default 65,536, or 8,192 when more than one level a side is kept (`levels`). */
  ringCapacity?: number;
  /**
   * Book levels a side to keep per quote and hand to the engine (`QuoteSink.onLevels`), as the
   * engine's book keeps them for its execution model (`BookTable.levels`): 0 (default, `top`)
   * prices only; 1 (`top-size`) the top's size; more (`depth`) Upbit's order book subscribed at
   * 15 units. Binance's `bookTicker` has the top's sizes only: its depth is one level.
   */
  levels?: number;
  random?: () => number;
  /** How often Upbit's keep-alive `PING` is sent (ms; default 60 s). */
  keepAliveMs?: number;
}

/**
 * Paper trading on the real markets: venue A's and venue B's public top-of-book streams (Upbit
 * `orderbook`, Binance `bookTicker`; `venue-protocol.ts`; with `levels`, their sizes and Upbit's
 * 15 levels too) and the FX rate from Upbit's KRW-USDT
 * book (its mid) or the config's fixed rate. Sockets push updates, stamped with the clock's time
 * of arrival and the venue's own event time (Upbit's `timestamp`; for Binance's `bookTicker`,
 * which has none, the `E` of a clock stream on the same connection: `venue-protocol.ts`), into a
 * `QuoteRing`; the runner takes them in `emitUntil` in arrival order (real clock only: a live
 * feed has no recorded time to run ahead on), handing the engine both times: the engine ages a
 * quote by its exchange time and measures the arrival lag (`book/quote-quality.ts`). With
 * `record`, every update handed on is also written as the canonical replay CSV with both times
 * (`ts` the arrival, `exchange_ts` the venue's), so the session replays exactly through `ReplayFeed`.
 *
 * Symbols map to venue codes by the venue's convention: Upbit `<QUOTE>-<BASE>` (`KRW-BTC`),
 * Binance `<BASE><QUOTE>` (`BTCUSDT`, streamed as `btcusdt@bookTicker`).
 *
 * @throws ValidationError when a venue is not one the live feed speaks, or `fx.market` is not a
 *   market of the two venues' quote currencies, or the record file cannot be opened.
 */
export class LiveFeed implements MarketFeed {
  private readonly ring: QuoteRing;
  private readonly connections: { a: VenueConnection; b: VenueConnection; fx?: VenueConnection };
  private readonly recorder: ReplayRecorder | undefined;
  private readonly clock: Clock;
  private closed = false;
  private readonly last = { at: -Infinity, instrument: 0, bid: 0, ask: 0 };
  /** The levels of the last update pushed with levels (what a repeat is compared with). */
  private readonly lastBook: BookLevels = emptyLevels();
  private repeated = 0;
  private readonly startedAt: number;

  constructor(private readonly o: LiveFeedOptions) {
    this.clock = o.clock ?? systemClock;
    this.startedAt = this.clock.now();
    const levels = o.levels ?? 0;
    this.ring = new QuoteRing(o.ringCapacity ?? (levels > 1 ? 8192 : 65_536), levels);
    const { feed, venues, symbols } = o;
    const a = venueProtocol(venues.a, 'a');
    const b = venueProtocol(venues.b, 'b');
    const fxPlan = planFx(o);
    this.recorder = feed.record === undefined ? undefined : new ReplayRecorder(recordPathOf(feed.record, o.shard), 1000, (o.levels ?? 0) > 0);
    const common = {
      clock: this.clock,
      silentAfterMs: feed.silentAfter * 1000,
      reconnectInitialMs: feed.reconnect.initial * 1000,
      reconnectMaxMs: feed.reconnect.max * 1000,
      random: o.random,
      keepAliveMs: o.keepAliveMs,
    };
    const quote = (instrument: number, bid: number, ask: number, at: number, exchangeTs: number, book: RingLevels) =>
      this.push(at, instrument, bid, ask, exchangeTs, book);
    this.connections = {
      a: new VenueConnection({
        ...common,
        protocol: a,
        endpoint: feed.endpoints?.a ?? a.defaultEndpoint,
        codes: codesOf(a, symbols, venues.a.quoteCurrency, 0),
        levels,
        onQuote: quote,
      }),
      b: new VenueConnection({
        ...common,
        protocol: b,
        endpoint: feed.endpoints?.b ?? b.defaultEndpoint,
        codes: codesOf(b, symbols, venues.b.quoteCurrency, 1),
        levels,
        onQuote: quote,
      }),
    };
    if (fxPlan.kind === 'fixed') this.push(this.clock.now(), FX_INSTRUMENT, fxPlan.rate, fxPlan.rate);
    else {
      const upbitEndpoint = venues.a.name === 'upbit' ? feed.endpoints?.a : venues.b.name === 'upbit' ? feed.endpoints?.b : undefined;
      const { invert } = fxPlan;
      this.connections.fx = new VenueConnection({
        ...common,
        protocol: upbitProtocol,
        endpoint: upbitEndpoint ?? upbitProtocol.defaultEndpoint,
        codes: new Map([[fxPlan.market, FX_INSTRUMENT]]),
        onQuote: (_i, bid, ask, at, exchangeTs) => {
          const mid = (bid + ask) / 2;
          const rate = invert ? 1 / mid : mid;
          this.push(at, FX_INSTRUMENT, rate, rate, exchangeTs);
        },
      });
    }
  }

  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number {
    const n = this.ring.drain(untilMs, maxTicks, sink);
    if (this.o.closeAt !== undefined && untilMs >= this.o.closeAt && !this.closed) this.close();
    return n;
  }

  /**
   * The oldest update waiting, or, when none is, a check `IDLE_CHECK_MS` from now: a live feed
   * never runs out (`Infinity` would end the run as a replay that ended), and arrivals wake the
   * runner sooner through `onUpdate`. `Infinity` once closed.
   */
  nextTickAt(): number {
    if (this.closed) return Infinity;
    const next = this.ring.peekTs();
    return next === Infinity ? this.clock.now() + IDLE_CHECK_MS : next;
  }

  /** Nothing to move: a live feed's updates are stamped with the time they arrive. */
  rebase(): void {}

  state(): Record<string, unknown> {
    return { kind: 'live' };
  }

  /** A live feed resumes from the markets as they are now; only the kind is checked. */
  restore(state: Record<string, unknown>): void {
    if (state.kind !== 'live') throw new Error(`checkpoint feed state is ${String(state.kind)}, this shard trades a live feed`);
  }

  /**
   * Each stream's state now, for monitor lines and heartbeats (`Progress.venues`): connected,
   * stale (not connected, nothing since the last reconnect, or silent longer than
   * `feed.silentAfter`), lastMessageAt (ms, the feed's clock), connects, reconnects,
   * silentStalls, messages, quotes, and frames skipped by reason (`malformed`, `crossed`,
   * `unknown-symbol`, `venue-error`). Cheap (a few small objects): call it on the heartbeat, not per tick.
   */
  venueStates(): LiveFeedVenues {
    const c = this.connections;
    return { a: c.a.state(), b: c.b.state(), ...(c.fx ? { fx: c.fx.state() } : {}), overflowed: this.ring.overflowed, repeated: this.repeated };
  }

  /**
   * The streams in the shape of a heartbeat's `Progress.venues` (as `ReplayFeed.quality()`):
   * per venue, quotes handed on (`updates`), when the last arrived (`lastUpdateAt`, the feed's
   * clock) and frames skipped by reason (only reasons seen). A fixed FX rate counts as one update.
   */
  quality(): Record<'a' | 'b' | 'fx', VenueQuality> {
    const c = this.connections;
    const of = (s: LiveVenueState): VenueQuality => ({
      updates: s.quotes,
      ...(s.lastQuoteAt !== undefined ? { lastUpdateAt: s.lastQuoteAt } : {}),
      skipped: Object.fromEntries(Object.entries(s.skipped).filter(([, n]) => n > 0)),
    });
    const fx: VenueQuality = c.fx ? of(c.fx.state()) : { updates: 1, lastUpdateAt: this.startedAt, skipped: {} };
    return { a: of(c.a.state()), b: of(c.b.state()), fx };
  }

  /** Rows recorded so far (0 without `record`). */
  recordedRows(): number {
    return this.recorder?.rows ?? 0;
  }

  /** Closes every socket (no reconnect) and flushes and closes the recording. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connections.a.close();
    this.connections.b.close();
    this.connections.fx?.close();
    this.recorder?.close();
  }

  /**
   * Queues (and records) one update. Times never go backwards (a clock stepped back is held at
   * the last time), and a top-of-book update identical to the one before it (same arrival time,
   * instrument and prices: a venue repeating itself within a millisecond) is dropped and counted: it
   * changes nothing for the engine, and a replay would skip it as a duplicate line (its exchange
   * time, at most a few ms newer, is dropped with it). An update with book levels is a repeat only
   * when its levels are the same too: its sizes may have changed while its prices did not.
   */
  private push(received: number, instrument: number, bid: number, ask: number, exchangeTs = Number.NaN, book?: RingLevels): void {
    if (this.closed) return;
    const at = Math.max(received, this.last.at);
    const last = this.last;
    const same = at === last.at && instrument === last.instrument && bid === last.bid && ask === last.ask;
    if (same && (book === undefined || sameLevels(book, this.lastBook))) {
      this.repeated++;
      return;
    }
    if (book !== undefined) copyLevels(book, this.lastBook);
    last.at = at;
    last.instrument = instrument;
    last.bid = bid;
    last.ask = ask;
    const wasEmpty = this.ring.length === 0;
    this.ring.push(at, instrument, bid, ask, exchangeTs, book);
    if (this.recorder) {
      if (instrument === FX_INSTRUMENT) this.recorder.fx(at, bid, exchangeTs);
      else this.recorder.quote(at, this.o.symbols[instrument >> 1] as string, (instrument & 1) === 0 ? 'A' : 'B', bid, ask, exchangeTs, book);
    }
    if (wasEmpty) this.o.onUpdate?.();
  }
}

/** The file a shard records into: `record` itself for a single shard, else `<name>.shard-NNN<ext>` (relative paths against the working directory). */
export function recordPathOf(record: string, shard?: { index: number; count: number }): string {
  const path = resolve(record);
  if (!shard || shard.count <= 1) return path;
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}.shard-${String(shard.index).padStart(3, '0')}${ext}`;
}

function venueProtocol(venue: VenueConfig, key: 'a' | 'b'): VenueProtocol {
  const protocol = protocolOf(venue.name);
  if (!protocol) {
    throw new ValidationError([{ path: `venues.${key}.name`, message: `a live feed speaks ${LIVE_VENUES.join(' and ')}, not "${venue.name}"` }]);
  }
  return protocol;
}

function codesOf(protocol: VenueProtocol, symbols: readonly string[], quoteCurrency: string, venue: 0 | 1): Map<string, number> {
  return new Map(symbols.map((base, i) => [protocol.marketCode(base, quoteCurrency), i * 2 + venue]));
}

type FxPlan = { kind: 'fixed'; rate: number } | { kind: 'upbit'; market: string; invert: boolean };

/** Where the rate comes from, and whether Upbit's market is quoted the other way round. */
function planFx(o: LiveFeedOptions): FxPlan {
  const { a, b } = o.venues;
  if (a.quoteCurrency === b.quoteCurrency || o.feed.fx.source === 'fixed') return { kind: 'fixed', rate: o.fxRate };
  const { market } = o.feed.fx;
  if (market === `${a.quoteCurrency}-${b.quoteCurrency}`) return { kind: 'upbit', market, invert: false };
  if (market === `${b.quoteCurrency}-${a.quoteCurrency}`) return { kind: 'upbit', market, invert: true };
  throw new ValidationError([
    { path: 'feed.fx.market', message: `must be ${a.quoteCurrency}-${b.quoteCurrency} (Upbit's market of venue A's quote against venue B's), got ${market}` },
  ]);
}
