import { emptyRecord, MAX_BOOK_LEVELS } from '../../core/data/quote-record.js';
import { fillCashMicros, type Fill } from '../../core/model/fill.js';
import type { Engine } from '../../engine-task/src/engine.js';

/** One level of a book: `[price, size]` (size in the base asset). */
export type Level = [number, number];

/** One recorded book update: a venue's levels, best first, as `[price, size]` (size in the base asset). */
export interface BookRow {
  ts: number;
  symbol: string;
  venue: 'A' | 'B';
  bids: Level[];
  asks: Level[];
}

const delivered = emptyRecord();

/**
 * Hands `engine` one venue's book update with its levels, best first, as the replay feed delivers a
 * sized record: `onLevels` (at most `MAX_BOOK_LEVELS` a side) then `onQuote` with the tops at `ts`.
 * It does not settle: the caller says when time moves on (`engine.settle()`), as the runner does.
 */
export function deliverBook(engine: Engine, instrument: number, ts: number, bids: readonly Level[], asks: readonly Level[]): void {
  delivered.bidLevels = Math.min(bids.length, MAX_BOOK_LEVELS);
  delivered.askLevels = Math.min(asks.length, MAX_BOOK_LEVELS);
  bids.forEach(([p, s], k) => {
    delivered.bidPx[k] = p;
    delivered.bidSz[k] = s;
  });
  asks.forEach(([p, s], k) => {
    delivered.askPx[k] = p;
    delivered.askSz[k] = s;
  });
  engine.onLevels(instrument, delivered);
  engine.onQuote(instrument, (bids[0] as Level)[0], (asks[0] as Level)[0], ts);
}

/** What an independent recomputation found for one fill. */
export interface RecomputedFill {
  seq: number;
  price: number;
  /** What the side displayed, net of earlier fills since its update (entries may not exceed it). */
  available: number;
}

/**
 * Recomputes every fill's price from the recorded books alone, without the engine's code: a fill
 * of venue V at time ts takes from the book V last recorded at or before ts (a buy from the asks,
 * a sale from the bids), after the size that earlier fills on that side took since that update,
 * walking `levels` levels (1 for `top-size`, all for `depth`); a close's part beyond the levels
 * is priced at the last level. Fills are taken in the order they happened (fill time, then seq),
 * which is the order they consumed the book when a symbol has one trade at a time.
 */
export function recomputeFills(rows: readonly BookRow[], fills: readonly Fill[], levels: number): RecomputedFill[] {
  const ordered = [...fills].sort((x, y) => x.ts - y.ts || x.seq - y.seq);
  const taken = new Map<string, { at: number; qty: number }>();
  return ordered.map((f) => {
    let book: BookRow | undefined;
    for (const r of rows) if (r.symbol === f.symbol && r.venue === f.venue && r.ts <= f.ts) book = r;
    if (book === undefined) throw new Error(`no recorded book of ${f.symbol} on ${f.venue} before fill ${f.seq}`);
    const side = f.side === 'BUY' ? book.asks : book.bids;
    const key = `${f.symbol}/${f.venue}/${f.side}`;
    const before = taken.get(key);
    const prior = before !== undefined && before.at === book.ts ? before.qty : 0;
    let skip = prior;
    let want = f.qty;
    let cost = 0;
    let available = 0;
    const used = side.slice(0, levels);
    for (const [price, size] of used) {
      const free = Math.max(0, size - Math.min(skip, size));
      skip = Math.max(0, skip - size);
      available += free;
      const part = Math.min(free, want);
      cost += part * price;
      want -= part;
    }
    if (want > 1e-12 && f.kind === 'CLOSE') cost += want * (used[used.length - 1] as Level)[0];
    taken.set(key, { at: book.ts, qty: prior + f.qty });
    return { seq: f.seq, price: f.qty > 0 ? cost / f.qty : (side[0]?.[0] ?? Number.NaN), available };
  });
}

/**
 * Realised P&L recomputed from the ledger's quantities and sides and the recomputed prices, with
 * each venue's taker fee (bps of the fill's notional), by the ledger's fixed-point rule: integer
 * micros per fill (`fillCashMicros`), summed.
 */
export function recomputedPnlMicros(fills: readonly Fill[], prices: readonly RecomputedFill[], feeBps: { A: number; B: number }): number {
  const priceOf = new Map(prices.map((p) => [p.seq, p.price]));
  return fills.reduce((sum, f) => {
    const price = priceOf.get(f.seq) as number;
    return sum + fillCashMicros({ ...f, price, fee: f.qty * price * feeBps[f.venue] * 1e-4 });
  }, 0);
}

/**
 * Seeded books for replays (`next` a seeded uniform draw in [0, 1)): `symbols` on two venues both quoting USDT, four levels a side, random
 * walks with a dislocation between the venues (an Ornstein-Uhlenbeck-like gap) that opens and
 * closes trades. Sizes 1 to 12 a level, so sizes bind on orders of about 10 units.
 */
export function seededBooks(count: number, next: () => number, symbols: Record<string, number> = { BTC: 100, ETH: 50 }): BookRow[] {
  const rows: BookRow[] = [];
  const mids = { ...symbols };
  const names = Object.keys(mids);
  let gap = 0;
  let ts = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    ts += 7 + Math.floor(next() * 40);
    const symbol = names[Math.floor(next() * names.length)] as string;
    const venue = next() < 0.5 ? 'A' : 'B';
    mids[symbol] = (mids[symbol] as number) * (1 + (next() - 0.5) * 4e-4);
    gap = gap * 0.97 + (next() - 0.5) * 2.4e-3;
    const mid = (mids[symbol] as number) * (venue === 'B' ? 1 + gap : 1);
    const level = (k: number, sign: number): Level => [mid * (1 + sign * (2e-4 + k * 1e-4)), 1 + Math.floor(next() * 12)];
    rows.push({ ts, symbol, venue, bids: [0, 1, 2, 3].map((k) => level(k, -1)), asks: [0, 1, 2, 3].map((k) => level(k, 1)) });
  }
  return rows;
}

/** The rows as a canonical replay CSV with size columns (`core/data/formats/canonical.ts`): the top's sizes, the levels below as `price:size|…`. */
export function booksCsv(rows: readonly BookRow[]): string {
  const below = (levels: Level[]) =>
    levels
      .slice(1)
      .map(([p, s]) => `${p}:${s}`)
      .join('|');
  const lines = rows.map((r) => {
    const [bid, bidSize] = r.bids[0] as Level;
    const [ask, askSize] = r.asks[0] as Level;
    return [r.ts, r.symbol, r.venue, bid, ask, bidSize, askSize, below(r.bids), below(r.asks)].join(',');
  });
  return `ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks\n${lines.join('\n')}\n`;
}
