import type { ImportFormat } from '../config/campaign-config.js';
import { ValidationError } from '../errors.js';
import { decoderFor } from './formats/index.js';
import type { DecodeContext, FormatDecoder } from './formats/decoder.js';
import { LineReader, type LinePosition } from './line-reader.js';
import { cutUnsortedLevels, emptyRecord, priceProblem, type QuoteRecord, type RecordVenue, type SkipReason } from './quote-record.js';
import { SymbolMapper } from './symbol-map.js';
import { TimestampParser, type TimeUnit } from './timestamps.js';

/** How many problem lines of each reason are kept with their file:line. */
export const PROBLEMS_KEPT = 5;
/** Lines a format may look at before decoding (e.g. to infer the candle period). */
const PROBE_LINES = 64;

/** One recorded file and how to read it (the shape of a replay source, plus reading options). */
export interface SourceSpec {
  path: string;
  format: ImportFormat;
  /** The venue the lines are quotes of; not needed for `canonical` (its lines say). */
  venue?: 'a' | 'b' | 'fx';
  symbolMap?: Readonly<Record<string, string>>;
  tz?: string;
  timeUnit?: TimeUnit;
  halfSpreadBps?: number;
  /**
   * `canonical` only: the shape the file must have, `csv` (a header line first) or `jsonl`; a
   * first line of the other shape is refused naming file:1. Undefined: the first line decides.
   */
  shape?: 'csv' | 'jsonl';
  /** Refuse the file (ValidationError with file:line) on its first skipped line. */
  strict?: boolean;
  /** Quote currencies of venues A and B, for automatic symbol mapping (default KRW and USDT). */
  quotes?: { a: string; b: string };
  /**
   * `skip` (replay): a line earlier than one already read is skipped and counted `out-of-order`;
   * `keep` (import, which reorders in a window): it is passed on, the caller counts it.
   */
  order?: 'skip' | 'keep';
  /**
   * Only these base assets (and FX) are wanted: other symbols' lines are passed over before any
   * check, neither counted nor skipped (a shard's replay reads the file every shard reads).
   */
  symbols?: ReadonlySet<string>;
}

/** A skipped line: where, why, and what was wrong. */
export interface LineProblem {
  where: string;
  reason: SkipReason;
  detail: string;
}

export type SkipCounts = Record<RecordVenue, Partial<Record<SkipReason, number>>>;

/**
 * Reads one recorded file through its format's decoder, a record at a time, synchronously and
 * in constant memory (`fx-daily` files, a few thousand rows, are read whole and sorted). Bad
 * lines are skipped and counted by venue and reason, with file:line of the first few kept
 * (`strict`: the first one throws); a refused timestamp always throws `ValidationError` naming
 * file:line. Book levels out of order are cut at the first one and the line kept, counted apart in
 * `levelsCut` (`unsorted-levels`, `cutUnsortedLevels`). Resumable: `position()` of the current record reopens there.
 */
export class SourceReader {
  /** The current record (valid after `next()` returned true). */
  readonly record: QuoteRecord = emptyRecord();
  readonly skipped: SkipCounts = { A: {}, B: {}, FX: {} };
  /** Lines kept with their book levels cut (`unsorted-levels`, `cutUnsortedLevels`): not skipped lines, so apart from `skipped`. */
  readonly levelsCut: SkipCounts = { A: {}, B: {}, FX: {} };
  readonly problems: LineProblem[] = [];
  /** Records read so far (good ones). */
  records = 0;
  readonly decoder: FormatDecoder;
  private readonly ctx: DecodeContext;
  private readonly lines: LineReader | undefined;
  private readonly sorted: { ts: number; rate: number; line: number }[] | undefined;
  private sortedNext = 0;
  private readonly problemsByReason = new Map<SkipReason, number>();
  private lastTs = -Infinity;
  private lastSymbol = '';
  private lastVenue: RecordVenue = 'A';
  private lastBid = NaN;
  private lastAsk = NaN;
  private line = 0;
  /** Lines taken in the file's order (`order: keep`, and daily rates read by a head reader, which are sorted only when read whole). */
  private readonly keepOrder: boolean;

  /**
   * @param options.head only the file's first updates are wanted (the control plane's source check):
   *   a large gzip file's head is inflated, not the whole file; `truncated` says when it went on.
   */
  constructor(
    readonly spec: SourceSpec,
    start?: LinePosition,
    options: { head?: boolean } = {},
  ) {
    const quotes = spec.quotes ?? { a: 'KRW', b: 'USDT' };
    const map = spec.symbolMap ?? {};
    if (spec.format !== 'canonical' && spec.venue === undefined)
      throw new ValidationError([{ path: 'venue', message: `the ${spec.format} format needs the venue its lines are quotes of (a, b or fx)` }], spec.path);
    if (spec.format === 'fx-daily' && spec.venue !== 'fx')
      throw new ValidationError([{ path: 'venue', message: 'fx-daily rates are the FX venue: use venue fx' }], spec.path);
    this.ctx = {
      format: spec.format,
      path: spec.path,
      venue: spec.venue === undefined ? undefined : spec.venue === 'fx' ? 'FX' : spec.venue === 'a' ? 'A' : 'B',
      times: new TimestampParser(spec.timeUnit ?? 'auto', spec.tz ?? (spec.format === 'fx-daily' ? 'UTC' : undefined)),
      symbols: { A: new SymbolMapper(map, quotes.a), B: new SymbolMapper(map, quotes.b) },
      symbolMap: map,
      halfSpreadBps: spec.halfSpreadBps,
      shape: spec.shape,
    };
    this.decoder = decoderFor(this.ctx);
    const dataStart = this.readPreamble();
    // A head reader of daily rates reads them as written: the check wants readable rates, not the days in order.
    this.keepOrder = spec.order === 'keep' || (spec.format === 'fx-daily' && options.head === true);
    if (spec.format === 'fx-daily' && options.head !== true) {
      this.sorted = this.readAllSorted(dataStart);
      this.sortedNext = start ? start.line : 0;
    } else {
      this.lines = new LineReader(spec.path, start ?? dataStart, options);
    }
  }

  /** True when a `head` reader ran out at the end of the head it read, not at the file's end. */
  get truncated(): boolean {
    return this.lines?.truncated ?? false;
  }

  /** Symbols no map could name, with how many lines carried each. */
  unmapped(): Map<string, number> {
    const all = new Map(this.ctx.symbols.A.unmapped);
    for (const [s, n] of this.ctx.symbols.B.unmapped) all.set(s, (all.get(s) ?? 0) + n);
    return all;
  }

  /** 1-based line number of the current record. */
  get currentLine(): number {
    return this.line;
  }

  /** file:line of the current record. */
  where(): string {
    return `${this.spec.path}:${this.line}`;
  }

  /** Advances to the next good record; false at the end of the file. */
  next(): boolean {
    const out = this.record;
    if (this.sorted) return this.nextSorted(out);
    const lines = this.lines as LineReader;
    const wanted = this.spec.symbols;
    for (;;) {
      const text = lines.next();
      if (text === undefined) return false;
      this.line = lines.lineNo;
      const decoded = this.decoder.decode(text, out);
      if (decoded === 'ignore') continue;
      if (decoded === 'time') throw this.timeRefusal();
      if (decoded === 'ok' && wanted !== undefined && out.venue !== 'FX' && !wanted.has(out.symbol)) continue;
      const reason = decoded === 'ok' ? this.check(out) : decoded;
      if (reason !== undefined) {
        this.skip(out.venue, reason, decoded === 'ok' ? this.detailOf(reason, out) : this.decoder.detail);
        continue;
      }
      if (out.bidLevels > 1 || out.askLevels > 1) {
        const cut = cutUnsortedLevels(out);
        if (cut !== undefined) this.skip(out.venue, 'unsorted-levels', cut, this.levelsCut);
      }
      this.records++;
      return true;
    }
  }

  /** Where the current record's line starts (for `fx-daily`: `line` is the record's index in time order). */
  position(): LinePosition {
    if (this.sorted) return { byte: 0, line: this.sortedNext - 1 };
    return (this.lines as LineReader).lastLinePosition();
  }

  close(): void {
    this.lines?.close();
  }

  private check(r: QuoteRecord): SkipReason | undefined {
    const price = priceProblem(r);
    if (price !== undefined) return price;
    const ts = r.ts;
    if (ts === this.lastTs && r.bid === this.lastBid && r.ask === this.lastAsk && r.symbol === this.lastSymbol && r.venue === this.lastVenue)
      return 'duplicate';
    if (ts < this.lastTs && !this.keepOrder) return 'out-of-order';
    if (ts > this.lastTs) this.lastTs = ts;
    this.lastSymbol = r.symbol;
    this.lastVenue = r.venue;
    this.lastBid = r.bid;
    this.lastAsk = r.ask;
    return undefined;
  }

  private detailOf(reason: SkipReason, r: QuoteRecord): string {
    if (reason === 'crossed') return `ask ${r.ask} is below bid ${r.bid}`;
    if (reason === 'non-positive' || reason === 'non-finite') return `bid ${r.bid}, ask ${r.ask}: prices must be positive numbers`;
    if (reason === 'duplicate') return `the same ${r.symbol} ${r.venue} quote as the line before, at ${new Date(r.ts).toISOString()}`;
    return `${new Date(r.ts).toISOString()} is earlier than ${new Date(this.lastTs).toISOString()}, already read`;
  }

  /** Counts a skipped line (or, into `levelsCut`, a line kept with part of it skipped) and keeps the first few with file:line; `strict` refuses the file. */
  private skip(venue: RecordVenue, reason: SkipReason, detail: string, into: SkipCounts = this.skipped): void {
    if (this.spec.strict) throw new ValidationError([{ path: '', message: `${detail} (${reason}; strict: the file is refused)` }], this.where());
    const counts = into[venue];
    counts[reason] = (counts[reason] ?? 0) + 1;
    const kept = this.problemsByReason.get(reason) ?? 0;
    if (kept < PROBLEMS_KEPT) {
      this.problemsByReason.set(reason, kept + 1);
      this.problems.push({ where: this.where(), reason, detail });
    }
  }

  private timeRefusal(): ValidationError {
    return new ValidationError([{ path: '', message: `ts: ${this.ctx.times.refusal}` }], this.where());
  }

  /** Reads the header (and the lines a format probes); returns where the data lines start. */
  private readPreamble(): LinePosition {
    // The head of a large gzip file holds any header and probe; read whole if it does not.
    return (
      this.readPreambleOf(new LineReader(this.spec.path, undefined, { head: true })) ?? (this.readPreambleOf(new LineReader(this.spec.path)) as LinePosition)
    );
  }

  /** The preamble read through `pre` (closed after), or undefined when `pre` read only a head and it ran out first. */
  private readPreambleOf(pre: LineReader): LinePosition | undefined {
    const cut = () => pre.truncated;
    try {
      let first = pre.next();
      while (first !== undefined && first.trim() === '') first = pre.next();
      if (first === undefined) return cut() ? undefined : { byte: 0, line: 0 };
      const firstAt = pre.lastLinePosition();
      const isHeader = this.decoder.header(first);
      let dataStart = firstAt;
      const probe: string[] = isHeader ? [] : [first];
      if (isHeader) {
        const second = pre.next();
        if (second === undefined && cut()) return undefined;
        dataStart = second === undefined ? { byte: Number.MAX_SAFE_INTEGER, line: pre.lineNo + 1 } : pre.lastLinePosition();
        if (second !== undefined) probe.push(second);
      }
      if (this.decoder.probe) {
        while (probe.length < PROBE_LINES) {
          const line = pre.next();
          if (line === undefined && cut()) return undefined;
          if (line === undefined) break;
          probe.push(line);
        }
        this.decoder.probe(probe.filter((l) => l.trim() !== ''));
      }
      return dataStart;
    } finally {
      pre.close();
    }
  }

  private readAllSorted(dataStart: LinePosition): { ts: number; rate: number; line: number }[] {
    const rows: { ts: number; rate: number; line: number }[] = [];
    const lines = new LineReader(this.spec.path, dataStart);
    try {
      const out = this.record;
      for (let text = lines.next(); text !== undefined; text = lines.next()) {
        this.line = lines.lineNo;
        const decoded = this.decoder.decode(text, out);
        if (decoded === 'ignore') continue;
        if (decoded === 'time') throw this.timeRefusal();
        const reason = decoded === 'ok' ? priceProblem(out) : decoded;
        if (reason !== undefined) {
          this.skip('FX', reason, decoded === 'ok' ? this.detailOf(reason, out) : this.decoder.detail);
          continue;
        }
        rows.push({ ts: out.ts, rate: out.bid, line: lines.lineNo });
      }
    } finally {
      lines.close();
    }
    rows.sort((x, y) => x.ts - y.ts);
    const unique = rows.filter((r, i) => {
      const previous = rows[i - 1];
      if (previous === undefined || previous.ts !== r.ts) return true;
      this.line = r.line;
      this.skip('FX', 'duplicate', `a second rate for the day before ${new Date(r.ts).toISOString().slice(0, 10)}`);
      return false;
    });
    return unique;
  }

  private nextSorted(out: QuoteRecord): boolean {
    const row = (this.sorted as { ts: number; rate: number; line: number }[])[this.sortedNext];
    if (row === undefined) return false;
    this.sortedNext++;
    this.line = row.line;
    out.ts = row.ts;
    out.symbol = 'FX';
    out.venue = 'FX';
    out.bid = row.rate;
    out.ask = row.rate;
    this.records++;
    return true;
  }
}
