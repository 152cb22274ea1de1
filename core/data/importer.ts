import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { setImmediate as turn } from 'node:timers/promises';
import { zoneOffsets } from '../clock.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { emptyRecord, type QuoteRecord, type RecordVenue, type SkipReason } from './quote-record.js';
import { ReorderWindow } from './reorder-window.js';
import { PROBLEMS_KEPT, SourceReader, type LineProblem, type SourceSpec } from './source-reader.js';

/** Lines a record may arrive late and still be put in its place by `arbfleet data import`. */
export const REORDER_WINDOW = 4096;
const WRITE_BYTES = 1 << 20;

export interface ImportOptions {
  /** How to read every file (its `path` is ignored; `order` is `keep`: the importer reorders). */
  spec: Omit<SourceSpec, 'path' | 'order'>;
  files: readonly string[];
  /** The canonical CSV to write (replaced atomically when the import succeeds). */
  out: string;
  /** Gaps between two updates of a venue longer than this are listed, ms (default 60 s). */
  gapMs?: number;
  reorderWindow?: number;
  /** Called every 2^20 rows with the rows read so far. */
  onProgress?: (rows: number) => void;
  /**
   * Stops the import when aborted (the CLI's Ctrl-C): checked every `SIGNAL_CHECK_ROWS` rows
   * written, after a turn of the event loop so a signal's handler can run; the abort's reason is
   * thrown and nothing is left behind (the partial file removed, `out` as it was).
   */
  signal?: AbortSignal;
}

export interface VenueCoverage {
  rows: number;
  /** First and last event time written, ms (absent without rows). */
  first?: number;
  last?: number;
  /**
   * What a gap is (`FX_DAILY_GAP_RULE`): `elapsed`, more than the summary's `gapBoundMs` between two
   * updates; `weekdays`, the rows of a daily fixing series (`fx-daily`) with a weekday between
   * them that has no fixing.
   */
  gapRule: 'elapsed' | 'weekdays';
  /** Gaps by `gapRule`: how many, and the first few (ms; under `weekdays`, with the weekdays missing). */
  gaps: number;
  /** The longest time between two updates, gap or not (ms). */
  longestGapMs: number;
  firstGaps: { from: number; to: number; missingWeekdays?: number }[];
}

/**
 * How an `fx-daily` import judges gaps: a daily rates series has a fixing on business days only,
 * so two fixings with only a Saturday and a Sunday between them (Friday → Monday) are no gap; a
 * gap is a weekday (Monday to Friday, a fixing's date in the source's `tz`) with no fixing. No
 * holiday calendar is known: a market holiday (Seollal, Christmas) is listed as a gap of one
 * weekday, which is what it is for a replay (the rate of the day before is held). Every other
 * format's gaps are `elapsed` time between two updates over the `--gap` bound.
 */
export const FX_DAILY_GAP_RULE =
  'gaps are weekdays (Mon–Fri) with no fixing: a daily rate has none on weekends; market holidays count as gaps (no holiday calendar is known)';

export interface ImportSummary {
  format: string;
  files: string[];
  out: string;
  /** Data lines read (records and skipped lines; headers, blank and comment lines excluded). */
  rowsRead: number;
  rowsWritten: number;
  /** Lines skipped by reason; `unsorted-levels` counts lines written with their book levels cut (`cutUnsortedLevels`), not in `rowsRead` twice. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Lines that arrived late but within the reorder window: written in their place. */
  reordered: number;
  /** The first few skipped lines of each reason, with file:line. */
  problems: LineProblem[];
  /** Symbols the map could not name, with their line counts. */
  unmapped: Record<string, number>;
  venues: Partial<Record<RecordVenue, VenueCoverage>>;
  gapBoundMs: number;
  span?: { first: number; last: number };
  notes: string[];
}

/** Rows written between two looks at `ImportOptions.signal` (a turn of the event loop each: about 20 ms of work). */
const SIGNAL_CHECK_ROWS = 65_536;

/** Formats whose lines carry book sizes (issue 19): their import keeps them in the size columns. */
export const SIZED_FORMATS: ReadonlySet<string> = new Set(['canonical', 'binance-bookticker', 'tardis-quotes', 'upbit-orderbook', 'ccxt-orderbook']);

/**
 * `arbfleet data import`: reads recorded files of one format, each through a bounded reorder
 * window, merges them by time (k-way) and writes the canonical CSV `ts,symbol,venue,bid,ask` (ts
 * in ms; an FX row is `ts,FX,,rate,`). A format that carries sizes (`SIZED_FORMATS`) adds the
 * size columns `bid_size,ask_size,bids,asks` (`core/data/formats/canonical.ts`): the top level's
 * sizes and the levels below it (Upbit's 15 units, ccxt snapshots), empty for an unsized row; a
 * canonical input keeps them when its first row written has sizes. A canonical input with the
 * `exchange_ts` column (a live recording: `core/data/live/replay-recorder.ts`) keeps it, last,
 * so the imported file replays with the same exchange times. Streams: memory stays flat whatever the files' size.
 * Gaps are listed per venue by elapsed time over `gapMs`, except an `fx-daily` import's, judged
 * against business days (`FX_DAILY_GAP_RULE`).
 * Throws `ValidationError` (file:line) on a refused timestamp, a file that cannot be read, and
 * under `strict` on the first skipped or late line; and (naming each file and why: no data lines,
 * or every line skipped, with the reasons, counts, the first problem line and the unmapped
 * symbols) when not one row was imported. Nothing is written then: `out` is left as it was; nor
 * when `signal` aborts it (its reason thrown).
 */
export async function importRecorded(options: ImportOptions): Promise<ImportSummary> {
  const gapMs = options.gapMs ?? 60_000;
  const window = options.reorderWindow ?? REORDER_WINDOW;
  const sources = options.files.map((path) => ({
    reader: new SourceReader({ ...options.spec, path, order: options.spec.strict ? 'skip' : 'keep' }),
    window: new ReorderWindow(window),
    done: false,
    late: 0,
  }));
  const lateProblems: LineProblem[] = [];
  const coverage: Partial<Record<RecordVenue, VenueCoverage>> = {};
  const fixingDay = options.spec.format === 'fx-daily' ? fixingDayOf(options.spec.tz) : undefined;
  const tmp = `${options.out}.part-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const buffer = Buffer.allocUnsafe(WRITE_BYTES);
  // The header waits for the first row: a canonical input has size columns only if its rows have sizes.
  let sized = SIZED_FORMATS.has(options.spec.format);
  // A live recording's exchange_ts column (canonical input only, `CanonicalDecoder.hasExchangeTs`) is kept as the last column.
  const timed = sources.some((s) => (s.reader.decoder as { hasExchangeTs?: boolean }).hasExchangeTs === true);
  let used = 0;
  let rows = '';
  let written = 0;
  let read = 0;
  /** Quote rows written with sizes, and the most levels a side seen. */
  const sizes = { rows: 0, levels: 0 };
  const out = emptyRecord();
  try {
    const fill = (s: (typeof sources)[number]): void => {
      while (!s.done && !s.window.full) {
        if (!s.reader.next()) {
          s.done = true;
          break;
        }
        read++;
        if ((read & 0xfffff) === 0) options.onProgress?.(read);
        const r = s.reader.record;
        const before = s.window.reordered;
        if (!s.window.push(r, s.reader.currentLine)) {
          s.late++;
          if (options.spec.strict) throw late(s.reader, 'strict: out-of-order lines are refused');
          if (s.late <= PROBLEMS_KEPT)
            lateProblems.push({
              where: s.reader.where(),
              reason: 'out-of-order',
              detail: `${iso(r.ts)} is more than ${window} lines late (earlier than ${iso(s.window.releasedTs)}, already written)`,
            });
        } else if (s.window.reordered > before && s.window.reordered <= PROBLEMS_KEPT) {
          lateProblems.push({ where: s.reader.where(), reason: 'out-of-order', detail: `${iso(r.ts)} arrived late; put back in its place` });
        }
      }
    };
    for (;;) {
      let best: (typeof sources)[number] | undefined;
      for (const s of sources) {
        fill(s);
        if (s.window.length > 0 && (best === undefined || s.window.peekTs() < best.window.peekTs())) best = s;
      }
      if (best === undefined) break;
      best.window.shift(out);
      if (written === 0) {
        if (options.spec.format === 'canonical') sized = out.bidLevels > 0;
        const header = sized ? 'ts,symbol,venue,bid,ask,bid_size,ask_size,bids,asks' : 'ts,symbol,venue,bid,ask';
        used = buffer.write(`${header}${timed ? ',exchange_ts' : ''}\n`, 0, 'latin1');
      }
      const ts = Number.isInteger(out.ts) ? out.ts : Math.round(out.ts * 1000) / 1000;
      const exchangeCell = timed ? (Number.isFinite(out.exchangeTs) ? `,${out.exchangeTs}` : ',') : '';
      // Rows gather in a short string copied into one reused buffer every 256 rows: nothing outlives a few hundred rows.
      if (out.venue === 'FX') rows += sized ? `${ts},FX,,${out.bid},,,,,${exchangeCell}\n` : `${ts},FX,,${out.bid},${exchangeCell}\n`;
      else {
        rows += `${ts},${out.symbol},${out.venue},${out.bid},${out.ask}${sized ? sizeCells(out) : ''}${exchangeCell}\n`;
        if (sized && out.bidLevels > 0 && out.askLevels > 0) {
          sizes.rows++;
          sizes.levels = Math.max(sizes.levels, out.bidLevels, out.askLevels);
        }
      }
      written++;
      cover(coverage, out, gapMs, out.venue === 'FX' ? fixingDay : undefined);
      if (options.signal !== undefined && written % SIGNAL_CHECK_ROWS === 0) {
        await turn(); // the import is synchronous between these turns: a signal's handler runs here
        options.signal.throwIfAborted();
      }
      if ((written & 255) === 0) {
        used += buffer.write(rows, used, 'latin1');
        rows = '';
        if (used > WRITE_BYTES - 65_536) {
          writeSync(fd, buffer, 0, used);
          used = 0;
        }
      }
    }
    if (written === 0) throw nothingImported(options, sources);
    used += buffer.write(rows, used, 'latin1');
    writeSync(fd, buffer, 0, used);
    closeSync(fd);
    renameSync(tmp, options.out);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  } finally {
    for (const s of sources) s.reader.close();
  }
  return summarize(options, sources, lateProblems, coverage, read, written, gapMs, sizes);
}

/** `,bid_size,ask_size,bids,asks` of a record (empty cells when it is unsized). */
function sizeCells(r: QuoteRecord): string {
  if (r.bidLevels === 0 || r.askLevels === 0) return ',,,,';
  return `,${r.bidSz[0]},${r.askSz[0]},${deeper(r.bidLevels, r.bidPx, r.bidSz)},${deeper(r.askLevels, r.askPx, r.askSz)}`;
}

/** The levels below the top as `price:size|…`. */
function deeper(levels: number, px: Float64Array, sz: Float64Array): string {
  let cell = '';
  for (let k = 1; k < levels; k++) cell += `${k > 1 ? '|' : ''}${px[k]}:${sz[k]}`;
  return cell;
}

function late(reader: SourceReader, message: string): ValidationError {
  return new ValidationError([{ path: '', message: `${iso(reader.record.ts)} is earlier than a line before it (${message})` }], reader.where());
}

/**
 * Why nothing was imported, per file: it had no data lines, or every one was skipped (the
 * reasons with their counts, the first problem line, the symbols not mapped).
 */
function nothingImported(options: ImportOptions, sources: { reader: SourceReader; late: number }[]): ValidationError {
  const why = sources.map(({ reader, late }) => {
    const counts = new Map<string, number>();
    for (const venue of ['A', 'B', 'FX'] as const) {
      for (const [reason, n] of Object.entries(reader.skipped[venue])) counts.set(reason, (counts.get(reason) ?? 0) + (n as number));
    }
    if (late > 0) counts.set('out-of-order', (counts.get('out-of-order') ?? 0) + late);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) return `no data lines (only a header, blank or comment lines) in the ${options.spec.format} format`;
    const reasons = [...counts].map(([reason, n]) => `${reason} ${n}`).join(', ');
    const unmapped = [...reader.unmapped().keys()];
    const symbols =
      unmapped.length === 0
        ? ''
        : `; symbols not mapped to venue ${options.spec.venue?.toUpperCase() ?? '?'}: ${unmapped.slice(0, 5).join(', ')} (map them with --symbol-map VENUE_SYMBOL=BASE)`;
    const first = reader.problems[0];
    const example = first === undefined ? '' : `; first: ${first.where}: ${first.reason}: ${first.detail}`;
    return `every one of its ${total} data line(s) was skipped (${reasons})${symbols}${example}`;
  });
  const head = `nothing imported, so ${options.out} was not written`;
  if (options.files.length === 1) return new ValidationError([{ path: '', message: `${head}: ${why[0]}` }], options.files[0]);
  const issues: FieldIssue[] = options.files.map((file, i) => ({ path: file, message: why[i] as string }));
  return new ValidationError(issues, head);
}

/**
 * The day number (days since 1970-01-01) of the fixing a `fx-daily` row carries: the row's time is
 * the day after the fixing, 00:00 in `tz` (`core/data/formats/fx-daily.ts`).
 */
function fixingDayOf(tz: string | undefined): (ts: number) => number {
  const offsetAt = tz === undefined || tz === 'UTC' ? () => 0 : zoneOffsets(tz);
  return (ts) => Math.floor((ts + offsetAt(ts)) / DAY_MS) - 1;
}

const DAY_MS = 86_400_000;

/** Weekdays (Monday to Friday) among the days numbered `from` to `to`, both excluded (day 0, 1970-01-01, was a Thursday). */
export function weekdaysBetween(from: number, to: number): number {
  let weekdays = 0;
  const span = to - from - 1;
  if (span <= 0) return 0;
  weekdays += Math.floor(span / 7) * 5;
  for (let d = from + 1 + Math.floor(span / 7) * 7; d < to; d++) {
    const weekday = (((d + 4) % 7) + 7) % 7; // 0 Sunday … 6 Saturday
    if (weekday !== 0 && weekday !== 6) weekdays++;
  }
  return weekdays;
}

/** Counts a written row into its venue's coverage; `fixingDay` set: gaps by weekdays without a fixing (`FX_DAILY_GAP_RULE`). */
function cover(coverage: Partial<Record<RecordVenue, VenueCoverage>>, r: QuoteRecord, gapMs: number, fixingDay?: (ts: number) => number): void {
  let c = coverage[r.venue];
  if (c === undefined) {
    c = { rows: 0, gapRule: fixingDay === undefined ? 'elapsed' : 'weekdays', gaps: 0, longestGapMs: 0, firstGaps: [] };
    coverage[r.venue] = c;
  }
  c.rows++;
  if (c.last !== undefined) {
    const gap = r.ts - c.last;
    const missing = fixingDay === undefined ? 0 : weekdaysBetween(fixingDay(c.last), fixingDay(r.ts));
    if (fixingDay === undefined ? gap > gapMs : missing > 0) {
      c.gaps++;
      if (c.firstGaps.length < PROBLEMS_KEPT)
        c.firstGaps.push(fixingDay === undefined ? { from: c.last, to: r.ts } : { from: c.last, to: r.ts, missingWeekdays: missing });
    }
    if (gap > c.longestGapMs) c.longestGapMs = gap;
  } else c.first = r.ts;
  c.last = r.ts;
}

function summarize(
  options: ImportOptions,
  sources: { reader: SourceReader; late: number; window: ReorderWindow }[],
  lateProblems: LineProblem[],
  venues: Partial<Record<RecordVenue, VenueCoverage>>,
  read: number,
  written: number,
  gapMs: number,
  sizes: { rows: number; levels: number },
): ImportSummary {
  const skipped: Partial<Record<SkipReason, number>> = {};
  const add = (reason: SkipReason, n: number): void => {
    if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
  };
  const problems: LineProblem[] = [];
  const unmapped: Record<string, number> = {};
  let skippedLines = 0;
  let reordered = 0;
  for (const s of sources) {
    for (const venue of ['A', 'B', 'FX'] as const) {
      for (const [reason, n] of Object.entries(s.reader.skipped[venue])) {
        add(reason as SkipReason, n as number);
        skippedLines += n as number;
      }
      for (const [reason, n] of Object.entries(s.reader.levelsCut[venue])) add(reason as SkipReason, n as number);
    }
    add('out-of-order', s.late);
    reordered += s.window.reordered;
    problems.push(...s.reader.problems);
    for (const [symbol, n] of s.reader.unmapped()) unmapped[symbol] = (unmapped[symbol] ?? 0) + n;
  }
  problems.push(...lateProblems);
  const firsts = Object.values(venues).map((v) => v.first as number);
  const lasts = Object.values(venues).map((v) => v.last as number);
  const notes: string[] = [];
  if (options.spec.format === 'ccxt-ohlcv') {
    notes.push(
      `a candle is not a quote: each candle became one quote at its close time, mid = close, half-spread ${options.spec.halfSpreadBps} bps (given, not recorded)`,
    );
  }
  const quoteRows = written - (venues.FX?.rows ?? 0);
  if (quoteRows > 0) {
    notes.push(
      sizes.rows > 0
        ? `book sizes kept on ${sizes.rows} of ${quoteRows} quote rows, up to ${sizes.levels} level(s) a side (bid_size,ask_size,bids,asks), for execution.model top-size and depth`
        : 'no book sizes in these rows: under execution.model top-size or depth their fills will assume unlimited size',
    );
  }
  if (options.spec.format === 'fx-daily') {
    notes.push(`each day's close applies from the next day 00:00 ${options.spec.tz ?? 'UTC'} (no look-ahead)`);
    notes.push(FX_DAILY_GAP_RULE);
  }
  if (Object.keys(unmapped).length > 0)
    notes.push(`symbols not mapped (skipped): ${Object.keys(unmapped).join(', ')}; map them with --symbol-map VENUE_SYMBOL=BASE`);
  return {
    format: options.spec.format,
    files: [...options.files],
    out: options.out,
    rowsRead: read + skippedLines,
    rowsWritten: written,
    skipped,
    reordered,
    problems,
    unmapped,
    venues,
    gapBoundMs: gapMs,
    ...(firsts.length > 0 ? { span: { first: Math.min(...firsts), last: Math.max(...lasts) } } : {}),
    notes,
  };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
