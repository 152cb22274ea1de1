import WebSocket from 'ws';
import type { Clock } from '../../clock.js';
import { reconnectDelayMs } from './reconnect-backoff.js';
import { decodedQuote, KEEP_ALIVE_MS, type DecodedQuote, type SkipReason, type VenueProtocol } from './venue-protocol.js';

/**
 * What one venue stream looks like from outside, for monitor lines and heartbeats
 * (`Progress.venues`). Times are ms since the epoch on the feed's clock.
 */
export interface LiveVenueState {
  venue: string;
  /** The URL the stream connects to (subscription included for Binance). */
  url: string;
  /** The socket is open and subscribed. */
  connected: boolean;
  /**
   * No fresh quote can be trusted from this venue: not connected, nothing received since the
   * last (re)connect, or the stream has been silent longer than `silentAfter`.
   */
  stale: boolean;
  /** When the last frame of any kind arrived; absent before the first. */
  lastMessageAt?: number;
  /** Successful opens (the first included). */
  connects: number;
  /** Opens after the first, each after a drop, a refusal or a silent stall. */
  reconnects: number;
  /** Times the socket stayed open but sent no data (keep-alive answers aside) for `silentAfter`, and was dropped for it. */
  silentStalls: number;
  /** Frames received. */
  messages: number;
  /** Frames that became quotes (handed to the feed). */
  quotes: number;
  /** When the last quote arrived; absent before the first. */
  lastQuoteAt?: number;
  /** Frames that gave no quote, by reason. */
  skipped: Record<SkipReason, number>;
  /** The last connection error or close reason, for a person reading the monitor. */
  lastError?: string;
}

export interface VenueConnectionOptions {
  protocol: VenueProtocol;
  endpoint: string;
  /** Venue market codes (e.g. `KRW-BTC`), each mapped to the index handed to `onQuote`. */
  codes: ReadonlyMap<string, number>;
  /**
   * Receives each good quote, in arrival order, stamped with the clock's time of arrival and the
   * venue's own event time (`exchangeTs`, NaN when the venue's frames carry none).
   */
  onQuote: (index: number, bid: number, ask: number, receivedAt: number, exchangeTs: number, levels: DecodedQuote) => void;
  /**
   * Levels a side to read from each frame and hand on in `onQuote`'s `levels` (the connection's
   * scratch, overwritten by the next frame): 0 (default) prices only, 1 the top's size, more the
   * venue's depth (Upbit subscribed at 15 units).
   */
  levels?: number;
  clock: Clock;
  silentAfterMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  random?: () => number;
  /** How often the protocol's keep-alive is sent (ms; default `KEEP_ALIVE_MS`). */
  keepAliveMs?: number;
}

/**
 * One WebSocket to one venue: subscribes on every open, decodes each frame as it arrives (one
 * `JSON.parse` per frame, so the event loop is never held), reconnects with exponential backoff
 * and jitter (`reconnect-backoff.ts`) after a drop, and treats a socket that stays open but sends
 * nothing for `silentAfter` as dropped. The backoff restarts from `initial` once a quote arrives.
 */
export class VenueConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private closed = false;
  private freshSinceOpen = false;
  private openedAt = 0;
  /** When the last frame that was not a keep-alive answer arrived: what silence is measured from. */
  private lastDataAt = 0;
  private lastKeepAliveAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly silenceTimer: NodeJS.Timeout;
  private readonly scratch: DecodedQuote;
  private readonly s: LiveVenueState;

  constructor(private readonly o: VenueConnectionOptions) {
    this.scratch = decodedQuote(o.levels ?? 0);
    this.s = {
      venue: o.protocol.venue,
      url: o.protocol.url(o.endpoint, [...o.codes.keys()]),
      connected: false,
      stale: true,
      connects: 0,
      reconnects: 0,
      silentStalls: 0,
      messages: 0,
      quotes: 0,
      skipped: { malformed: 0, crossed: 0, 'unknown-symbol': 0, 'venue-error': 0 },
    };
    this.silenceTimer = setInterval(() => this.checkSilence(), Math.max(10, Math.min(1000, o.silentAfterMs / 4)));
    this.silenceTimer.unref();
    this.open();
  }

  /** A copy of the stream's state now (see `LiveVenueState`). */
  state(): LiveVenueState {
    const now = this.o.clock.now();
    const s = this.s;
    const silent = now - this.lastDataAt > this.o.silentAfterMs;
    return { ...s, skipped: { ...s.skipped }, stale: !s.connected || !this.freshSinceOpen || silent };
  }

  /** Closes the socket for good: no reconnect. */
  close(): void {
    this.closed = true;
    clearInterval(this.silenceTimer);
    clearTimeout(this.retryTimer);
    this.socket?.terminate();
    this.socket = undefined;
  }

  private open(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.s.url, { handshakeTimeout: Math.max(1000, this.o.silentAfterMs) });
    this.socket = socket;
    socket.on('open', () => {
      if (this.socket !== socket) return;
      for (const message of this.o.protocol.subscribe([...this.o.codes.keys()], this.o.levels ?? 0)) socket.send(message);
      this.s.connected = true;
      this.freshSinceOpen = false;
      this.scratch.venueClock = Number.NaN; // a new connection's clock is heard anew (venue-protocol.ts)
      this.openedAt = this.o.clock.now();
      this.lastKeepAliveAt = this.openedAt;
      if (this.s.connects > 0) this.s.reconnects++;
      this.s.connects++;
    });
    socket.on('message', (data: Buffer) => {
      if (this.socket === socket) this.onFrame(data);
    });
    socket.on('error', (error) => {
      if (this.socket === socket) this.s.lastError = error.message;
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      if (code !== 1000 || reason.length > 0) this.s.lastError ??= `closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`;
      this.socket = undefined;
      this.s.connected = false;
      this.scheduleReconnect();
    });
  }

  private onFrame(data: Buffer): void {
    const now = this.o.clock.now();
    const s = this.s;
    s.messages++;
    s.lastMessageAt = now;
    const result = this.o.protocol.decode(data, this.scratch);
    if (result === 'ignore') return;
    this.lastDataAt = now;
    if (result !== 'quote') {
      s.skipped[result]++;
      return;
    }
    const index = this.o.codes.get(this.scratch.code);
    if (index === undefined) {
      s.skipped['unknown-symbol']++;
      return;
    }
    s.quotes++;
    s.lastQuoteAt = now;
    if (!this.freshSinceOpen) {
      this.freshSinceOpen = true;
      this.attempt = 0;
      s.lastError = undefined;
    }
    this.o.onQuote(index, this.scratch.bid, this.scratch.ask, now, this.scratch.exchangeTs, this.scratch);
  }

  private checkSilence(): void {
    const socket = this.socket;
    if (!socket || !this.s.connected) return;
    const now = this.o.clock.now();
    const keepAlive = this.o.protocol.keepAlive;
    if (keepAlive !== undefined && now - this.lastKeepAliveAt >= (this.o.keepAliveMs ?? KEEP_ALIVE_MS)) {
      this.lastKeepAliveAt = now;
      socket.send(keepAlive);
    }
    if (now - Math.max(this.lastDataAt, this.openedAt) <= this.o.silentAfterMs) return;
    this.s.silentStalls++;
    this.s.lastError = `silent for more than ${this.o.silentAfterMs} ms on an open socket`;
    socket.terminate(); // its 'close' schedules the reconnect
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = reconnectDelayMs(this.attempt++, this.o.reconnectInitialMs, this.o.reconnectMaxMs, this.o.random);
    this.retryTimer = setTimeout(() => this.open(), delay);
    this.retryTimer.unref();
  }
}
