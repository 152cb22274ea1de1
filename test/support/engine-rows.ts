import { readFileSync } from 'node:fs';
import type { Engine } from '../../engine-task/src/engine.js';
import type { MarketFeed, QuoteSink } from '../../core/data/market-feed.js';

/** One recorded update: a quote of `symbol` on venue `A`/`B`, or an FX rate (`venue` `FX`, rate in `bid`). */
export interface Row {
  ts: number;
  symbol: string;
  venue: 'A' | 'B' | 'FX';
  bid: number;
  ask: number;
}

/**
 * The rows of a canonical replay CSV (`ts,symbol,venue,bid,ask`; an FX row has symbol `FX`, no
 * venue and the rate in `bid`), read here independently of the replay feed so the engine's
 * rules are tested on the same rows whatever the feed does.
 */
export function canonicalRows(path: string): Row[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const [ts, symbol, venue, bid, ask] = line.split(',') as [string, string, string, string, string | undefined];
    return symbol === 'FX'
      ? { ts: Number(ts), symbol, venue: 'FX' as const, bid: Number(bid), ask: Number(bid) }
      : { ts: Number(ts), symbol, venue: venue as 'A' | 'B', bid: Number(bid), ask: Number(ask) };
  });
}

/**
 * Real 15-minute candles (ccxt OHLCV CSV, `timestamp` the naive UTC open time) as quotes: one per
 * candle at its close time (open + 15 min), mid = close, `halfSpreadBps` either side.
 */
export function candleRows(path: string, symbol: string, venue: 'A' | 'B', halfSpreadBps: number): Row[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const cells = line.split(',');
    const close = Number(cells[4]);
    const half = (close * halfSpreadBps) / 1e4;
    return { ts: Date.parse(`${(cells[0] as string).replace(' ', 'T')}Z`) + 15 * 60_000, symbol, venue, bid: close - half, ask: close + half };
  });
}

/** A market feed over rows in time order (stable: rows with the same time keep their order). */
export class RowFeed implements MarketFeed {
  private next = 0;
  private readonly rows: Row[];

  constructor(
    rows: readonly Row[],
    private readonly symbols: readonly string[],
  ) {
    this.rows = rows.filter((r) => r.venue === 'FX' || symbols.includes(r.symbol)).sort((x, y) => x.ts - y.ts);
  }

  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number {
    let emitted = 0;
    while (emitted < maxTicks && this.next < this.rows.length) {
      const row = this.rows[this.next] as Row;
      if (row.ts > untilMs) break;
      if (row.venue === 'FX') sink.onFx(row.bid, row.ts);
      else sink.onQuote(this.symbols.indexOf(row.symbol) * 2 + (row.venue === 'A' ? 0 : 1), row.bid, row.ask, row.ts);
      this.next++;
      emitted++;
    }
    return emitted;
  }

  nextTickAt(): number {
    return this.next < this.rows.length ? (this.rows[this.next] as Row).ts : Infinity;
  }

  rebase(): void {}

  state(): Record<string, unknown> {
    return { kind: 'rows', next: this.next };
  }

  restore(state: Record<string, unknown>): void {
    this.next = state.next as number;
  }
}

/**
 * Runs rows through an engine the way the runner's virtual-time loop does: the loop turns every
 * `turnMs` of engine time (the heartbeat interval), calling `engine.onTimer(now)` at each turn,
 * and the campaign's end closes what is open. `onTurn` sees each turn after the engine's timer.
 */
export function runOnTurns(engine: Engine, feed: MarketFeed, start: number, endsAt: number, turnMs: number, onTurn?: (now: number) => void): void {
  for (let now = Math.min(start + turnMs, endsAt); ; now = Math.min(now + turnMs, endsAt)) {
    feed.emitUntil(now, Infinity, engine);
    engine.onTimer(now);
    onTurn?.(now);
    if (now >= endsAt) break;
  }
  engine.closeAll(endsAt);
}
