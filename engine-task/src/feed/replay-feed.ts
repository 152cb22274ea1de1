import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import type { MarketFeed, QuoteSink } from './market-feed.js';

/** Marks an FX update in the replay's instrument column. */
const FX = -1;

/**
 * Replays recorded market updates from a file, in time order. Two formats:
 * - CSV with a header `ts,symbol,venue,bid,ask` (`venue` is `A` or `B`; an FX row has symbol
 *   `FX`, an empty venue and the rate in `bid`);
 * - JSON lines: `{"ts":…,"symbol":"BTC","venue":"A","bid":…,"ask":…}` or `{"ts":…,"fx":1380}`.
 * `ts` is milliseconds since the epoch or an ISO-8601 time. Symbols outside the shard are
 * skipped; a malformed line fails the load with the file and line number.
 */
export class ReplayFeed implements MarketFeed {
  private readonly ts: Float64Array;
  private readonly instrument: Int32Array;
  private readonly bid: Float64Array;
  private readonly ask: Float64Array;
  private readonly length: number;
  private next = 0;
  /** Added to recorded times: 0 in virtual time, the shift to "now" when paced in real time. */
  private offsetMs = 0;

  constructor(path: string, shardSymbols: readonly string[], format?: 'csv' | 'jsonl') {
    const records = parseReplay(path, new Map(shardSymbols.map((s, i) => [s, i])), format ?? formatOf(path));
    records.sort((x, y) => x.ts - y.ts);
    this.length = records.length;
    this.ts = Float64Array.from(records, (r) => r.ts);
    this.instrument = Int32Array.from(records, (r) => r.instrument);
    this.bid = Float64Array.from(records, (r) => r.bid);
    this.ask = Float64Array.from(records, (r) => r.ask);
  }

  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number {
    let emitted = 0;
    while (emitted < maxTicks && this.next < this.length) {
      const ts = (this.ts[this.next] as number) + this.offsetMs;
      if (ts > untilMs) break;
      const instrument = this.instrument[this.next] as number;
      if (instrument === FX) sink.onFx(this.bid[this.next] as number, ts);
      else sink.onQuote(instrument, this.bid[this.next] as number, this.ask[this.next] as number, ts);
      this.next++;
      emitted++;
    }
    return emitted;
  }

  nextTickAt(): number {
    return this.next < this.length ? (this.ts[this.next] as number) + this.offsetMs : Infinity;
  }

  rebase(ms: number): void {
    if (this.next < this.length) this.offsetMs = ms - (this.ts[this.next] as number);
  }

  /** Recorded time of the first update (where a virtual-time run starts). */
  firstTickAt(): number {
    return this.length > 0 ? (this.ts[0] as number) : 0;
  }

  state(): Record<string, unknown> {
    return { kind: 'replay', next: this.next, offsetMs: this.offsetMs };
  }

  restore(state: Record<string, unknown>): void {
    if (state.kind !== 'replay') throw new Error(`checkpoint feed state is ${String(state.kind)}, this shard replays a file`);
    this.next = state.next as number;
    this.offsetMs = state.offsetMs as number;
  }
}

interface ReplayRecord {
  ts: number;
  instrument: number;
  bid: number;
  ask: number;
}

function formatOf(path: string): 'csv' | 'jsonl' {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new ValidationError([{ path: 'feed.format', message: `cannot tell the format of ${path}: use .csv or .jsonl, or set feed.format` }]);
}

function parseReplay(path: string, symbols: Map<string, number>, format: 'csv' | 'jsonl'): ReplayRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError([{ path: 'feed.path', message: `cannot read replay file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}` }]);
  }
  const lines = text.split(/\r?\n/);
  const records: ReplayRecord[] = [];
  const start = format === 'csv' ? checkCsvHeader(lines[0] ?? '', path) : 0;
  for (let i = start; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${path}:${i + 1}`;
    const row = format === 'csv' ? csvRow(line, where) : jsonRow(line, where);
    if (row.symbol === 'FX') {
      records.push({ ts: row.ts, instrument: FX, bid: row.bid, ask: row.bid });
      continue;
    }
    const symbol = symbols.get(row.symbol);
    if (symbol === undefined) continue;
    if (row.ask < row.bid) throw bad(where, `ask ${row.ask} is below bid ${row.bid}`);
    records.push({ ts: row.ts, instrument: symbol * 2 + (row.venue === 'A' ? 0 : 1), bid: row.bid, ask: row.ask });
  }
  return records;
}

interface Row {
  ts: number;
  symbol: string;
  venue: string;
  bid: number;
  ask: number;
}

function checkCsvHeader(header: string, path: string): number {
  const expected = 'ts,symbol,venue,bid,ask';
  if (header.trim().replace(/\s/g, '') !== expected) throw bad(`${path}:1`, `expected the header "${expected}", found "${header.trim()}"`);
  return 1;
}

function csvRow(line: string, where: string): Row {
  const cells = line.split(',').map((c) => c.trim());
  if (cells.length < 4) throw bad(where, `expected 5 columns (ts,symbol,venue,bid,ask), found ${cells.length}`);
  const [ts, symbol, venue, bid, ask] = cells as [string, string, string, string, string | undefined];
  return checkRow({ ts: timeOf(ts, where), symbol, venue, bid: numberOf(bid, 'bid', where), ask: ask ? numberOf(ask, 'ask', where) : NaN }, where);
}

function jsonRow(line: string, where: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw bad(where, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw bad(where, 'expected a JSON object');
  const o = value as Record<string, unknown>;
  if (o.fx !== undefined) return checkRow({ ts: timeOf(o.ts, where), symbol: 'FX', venue: '', bid: numberOf(o.fx, 'fx', where), ask: NaN }, where);
  return checkRow(
    { ts: timeOf(o.ts, where), symbol: String(o.symbol ?? ''), venue: String(o.venue ?? ''), bid: numberOf(o.bid, 'bid', where), ask: numberOf(o.ask, 'ask', where) },
    where,
  );
}

function checkRow(row: Row, where: string): Row {
  if (row.symbol === 'FX') return row;
  if (!/^[A-Z0-9]{1,12}$/.test(row.symbol)) throw bad(where, `symbol must be an upper-case base asset, found "${row.symbol}"`);
  if (row.venue !== 'A' && row.venue !== 'B') throw bad(where, `venue must be A or B, found "${row.venue}"`);
  if (!Number.isFinite(row.ask) || row.ask <= 0) throw bad(where, `ask must be a positive number, found ${row.ask}`);
  return row;
}

function timeOf(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') {
    const asNumber = Number(value);
    if (Number.isFinite(asNumber)) return asNumber;
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw bad(where, `ts must be milliseconds since the epoch or an ISO-8601 time, found ${JSON.stringify(value)}`);
}

function numberOf(value: unknown, field: string, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw bad(where, `${field} must be a positive number, found ${JSON.stringify(value)}`);
  return n;
}

function bad(where: string, message: string): ValidationError {
  return new ValidationError([{ path: '', message }], where);
}
