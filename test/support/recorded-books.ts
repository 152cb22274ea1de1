import { fillCashMicros, type Fill } from '../../core/model/fill.js';

/** One recorded book update: a venue's levels, best first, as `[price, size]` (size in the base asset). */
export interface BookRow {
  ts: number;
  symbol: string;
  venue: 'A' | 'B';
  bids: [number, number][];
  asks: [number, number][];
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
    if (want > 1e-12 && f.kind === 'CLOSE') cost += want * (used[used.length - 1] as [number, number])[0];
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
