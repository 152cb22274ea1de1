import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Upbit's and Binance's public WebSocket streams, on loopback, speaking
 * their real protocols (`core/data/live/venue-protocol.ts` cites the docs):
 * - Upbit at `/websocket/v1`: waits for the subscription array `[{ticket}, {type: "orderbook",
 *   codes: ["KRW-BTC.1", …]}, …]`, answers a bad one with `{error: {name, message}}` as Upbit
 *   does, and sends each order book as a BINARY frame shaped like `../shared/cases/upbit_ws.jsonl`;
 * - Binance at `/stream?streams=btcusdt@bookTicker/…`: combined-stream TEXT frames
 *   `{stream, data: {u, s, b, B, a, A}}` with decimal-string prices; a `<symbol>@depth@100ms`
 *   stream in the URL gets the `depthUpdate` frames `clock` sends (their event time `E` is what the
 *   live feed reads of them).
 * It plays the faults the live feed must survive: `dropAll` (disconnects), `silence` (socket
 * open, nothing sent), `sendRaw` (malformed frames), crossed books through `quote`, and
 * `refuseNext` (a reconnect storm: the next N connections are closed as soon as they open).
 */
export type TestVenue = 'upbit' | 'binance';

/** Book levels a stand-in frame carries, best first, as `[price, size]` (size in the base asset). */
export interface TestBook {
  bids: [number, number][];
  asks: [number, number][];
}

/** One connection the server accepted, with what it subscribed to (venue market codes, e.g. `KRW-BTC`, `BTCUSDT`). */
export interface ServerConnection {
  venue: TestVenue;
  socket: WebSocket;
  codes: Set<string>;
  /** Binance symbols whose `@depth@100ms` stream the connection asked for (upper case). */
  depth: Set<string>;
  /** Upbit: the order-book units asked for per code (the `.N` of `KRW-BTC.N`; 30, Upbit's default, when none). */
  units: Map<string, number>;
  openedAt: number;
}

export class VenueWsServer {
  /** Every connection ever accepted, in order (closed ones included). */
  readonly connections: ServerConnection[] = [];
  private readonly refusing: Record<TestVenue, number> = { upbit: 0, binance: 0 };
  private readonly silent: Record<TestVenue, boolean> = { upbit: false, binance: false };
  private updateId = 1;
  private ticker: NodeJS.Timeout | undefined;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (socket, request) => this.accept(socket, request));
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(): Promise<VenueWsServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new VenueWsServer(wss);
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  /** The endpoints to give a live feed (`feed.endpoints`): Upbit's, and Binance's combined-stream base. */
  get endpoints(): { upbit: string; binance: string } {
    return { upbit: `ws://127.0.0.1:${this.port}/websocket/v1`, binance: `ws://127.0.0.1:${this.port}/stream` };
  }

  /** Open, subscribed connections of `venue`. */
  subscribed(venue: TestVenue): ServerConnection[] {
    return this.connections.filter((c) => c.venue === venue && c.codes.size > 0 && c.socket.readyState === c.socket.OPEN);
  }

  /**
   * Sends a top of book for `code` (`KRW-BTC`, `BTCUSDT`, `KRW-USDT`) to every connection
   * subscribed to it, in the venue's real frame; `bid > ask` makes a crossed book. Returns how
   * many connections it went to. `book` gives the levels (best first, `[price, size]`; level 0
   * should be `bid`/`ask`): Upbit sends as many `orderbook_units` as the connection subscribed
   * to (`.N`), Binance the top's sizes as `B`/`A`; without it, one unit (Upbit) and fixed sizes.
   */
  quote(venue: TestVenue, code: string, bid: number, ask: number, ts = Date.now(), book?: TestBook): number {
    if (this.silent[venue]) return 0;
    const targets = this.subscribed(venue).filter((c) => c.codes.has(code));
    for (const c of targets) {
      if (venue === 'upbit') c.socket.send(Buffer.from(JSON.stringify(upbitOrderbook(code, bid, ask, ts, book, c.units.get(code) ?? 30))), { binary: true });
      else c.socket.send(JSON.stringify(binanceBookTicker(code, bid, ask, this.updateId++, book)), { binary: false });
    }
    return targets.length;
  }

  /**
   * Sends Binance's `depthUpdate` frame for `code` (`BTCUSDT`) with event time `eventTime` (ms, `E`)
   * to every connection that asked for its `@depth@100ms` stream; no levels in it. Returns how many.
   */
  clock(code: string, eventTime: number): number {
    if (this.silent.binance) return 0;
    const targets = this.connections.filter((c) => c.venue === 'binance' && c.depth.has(code) && c.socket.readyState === c.socket.OPEN);
    const id = this.updateId++;
    const frame = JSON.stringify({
      stream: `${code.toLowerCase()}@depth@100ms`,
      data: { e: 'depthUpdate', E: eventTime, s: code, U: id, u: id, b: [], a: [] },
    });
    for (const c of targets) c.socket.send(frame, { binary: false });
    return targets.length;
  }

  /** Sends `frame` as it is to every subscribed connection of `venue` (malformed frames, venue errors). */
  sendRaw(venue: TestVenue, frame: string | Buffer, binary = venue === 'upbit'): void {
    for (const c of this.subscribed(venue)) c.socket.send(frame, { binary });
  }

  /** Drops every open connection of `venue` without a closing handshake (a network cut). */
  dropAll(venue: TestVenue): void {
    for (const c of this.connections) if (c.venue === venue) c.socket.terminate();
  }

  /** A silent stall: sockets stay open, nothing is sent for `venue` until `resume`. */
  silence(venue: TestVenue): void {
    this.silent[venue] = true;
  }

  resume(venue: TestVenue): void {
    this.silent[venue] = false;
  }

  /** A reconnect storm: the next `n` connections of `venue` are closed (1013 try again later) as soon as they open. */
  refuseNext(venue: TestVenue, n: number): void {
    this.refusing[venue] += n;
  }

  /**
   * Quotes every subscribed code of every venue each `intervalMs`, around `prices` (venue code →
   * mid) with a small deterministic wiggle: a live market for end-to-end runs.
   */
  play(prices: Record<string, number>, intervalMs = 20, spreadBps = 2): void {
    let n = 0;
    this.ticker = setInterval(() => {
      n++;
      for (const [code, mid] of Object.entries(prices)) {
        const wiggle = mid * 1e-4 * Math.sin(n / 7);
        const half = (mid * spreadBps) / 20_000;
        const venue: TestVenue = code.includes('-') ? 'upbit' : 'binance';
        this.quote(venue, code, mid + wiggle - half, mid + wiggle + half);
      }
    }, intervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    const venue: TestVenue | undefined = url.pathname === '/websocket/v1' ? 'upbit' : url.pathname === '/stream' ? 'binance' : undefined;
    if (!venue) {
      socket.close(1008, `no stream at ${url.pathname}`);
      return;
    }
    const connection: ServerConnection = { venue, socket, codes: new Set(), depth: new Set(), units: new Map(), openedAt: Date.now() };
    this.connections.push(connection);
    if (this.refusing[venue] > 0) {
      this.refusing[venue]--;
      socket.close(1013, 'try again later');
      return;
    }
    if (venue === 'binance') {
      for (const stream of (url.searchParams.get('streams') ?? '').split('/').filter(Boolean)) {
        const [symbol, channel] = stream.split('@');
        if (channel === 'bookTicker' && symbol) connection.codes.add(symbol.toUpperCase());
        if (channel === 'depth' && symbol) connection.depth.add(symbol.toUpperCase());
      }
      return;
    }
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text === 'PING') {
        socket.send(Buffer.from(JSON.stringify({ status: 'UP' })), { binary: true });
        return;
      }
      const codes = upbitSubscription(text);
      if (typeof codes === 'string') socket.send(Buffer.from(JSON.stringify({ error: { name: codes, message: codes } })), { binary: true });
      else
        for (const [code, units] of codes) {
          connection.codes.add(code);
          connection.units.set(code, units);
        }
    });
  }
}

/**
 * The codes an Upbit subscription asks for with the units of each (`KRW-BTC.15` → 15; Upbit serves
 * 1, 5, 15 or 30 and its default 30 for any other count), or Upbit's error name for a bad one.
 */
function upbitSubscription(text: string): [string, number][] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'WRONG_FORMAT';
  }
  if (!Array.isArray(value)) return 'WRONG_FORMAT';
  if (!value.some((o) => typeof o === 'object' && o !== null && 'ticket' in o)) return 'NO_TICKET';
  const request = value.find((o) => typeof o === 'object' && o !== null && 'type' in o) as { type: unknown; codes?: unknown } | undefined;
  if (!request) return 'NO_TYPE';
  if (request.type !== 'orderbook') return 'INVALID_PARAM';
  if (!Array.isArray(request.codes) || request.codes.length === 0) return 'NO_CODES';
  return request.codes.map((c) => {
    const [code, count] = String(c).split('.');
    const units = Number(count);
    return [code as string, [1, 5, 15, 30].includes(units) ? units : 30];
  });
}

/** Upbit's order-book frame (docs.upbit.com reference "websocket-orderbook"; `../shared/cases/upbit_ws.jsonl`): at most `units` units, one per level of `book`. */
function upbitOrderbook(code: string, bid: number, ask: number, ts: number, book: TestBook | undefined, units: number) {
  const levels = book ?? { bids: [[bid, 0.0206]], asks: [[ask, 0.0046]] };
  const n = Math.min(units, Math.max(levels.bids.length, levels.asks.length));
  const orderbook_units = Array.from({ length: n }, (_, k) => ({
    ask_price: levels.asks[k]?.[0],
    bid_price: levels.bids[k]?.[0],
    ask_size: levels.asks[k]?.[1],
    bid_size: levels.bids[k]?.[1],
  }));
  const total = (side: [number, number][]) => side.slice(0, n).reduce((sum, [, size]) => sum + size, 0);
  return {
    type: 'orderbook',
    code,
    timestamp: ts,
    total_ask_size: book ? total(book.asks) : 1.9,
    total_bid_size: book ? total(book.bids) : 1.1,
    orderbook_units,
    stream_type: 'REALTIME',
    level: 0,
  };
}

function binanceBookTicker(symbol: string, bid: number, ask: number, updateId: number, book?: TestBook) {
  const bidSize = book?.bids[0]?.[1] ?? 3.06;
  const askSize = book?.asks[0]?.[1] ?? 8.61;
  return {
    stream: `${symbol.toLowerCase()}@bookTicker`,
    data: { u: updateId, s: symbol, b: bid.toFixed(8), B: bidSize.toFixed(8), a: ask.toFixed(8), A: askSize.toFixed(8) },
  };
}
