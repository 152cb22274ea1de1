/**
 * How the report writes numbers for people: the same in the acceptance table, Markdown and HTML.
 * Fixed locale (`en-US`) and UTC, so a report reads the same wherever it is built.
 */
import { formatDuration } from '../config/duration.js';
import { formatMoney, type Micros } from '../model/units.js';

/** Money in the reporting currency (`-1,234.57 USDT`): the one renderer, `core/model/units.ts`. */
export { formatMoney };

/**
 * One `Intl.NumberFormat` per number of decimals, made once: what `toLocaleString('en-US',
 * options)` makes on every call (a report formats tens of thousands of numbers; the text is the same).
 */
const NUMBER_FORMATS = new Map<number, Intl.NumberFormat>();

/** `12,345` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `16.13` style: at most `digits` decimals, thousands separated. */
export function formatNumber(n: number, digits = 2): string {
  let format = NUMBER_FORMATS.get(digits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { maximumFractionDigits: digits });
    NUMBER_FORMATS.set(digits, format);
  }
  return format.format(n);
}

/**
 * Makes the number formats ahead of a report, for a caller idle meanwhile (`arbfleet run` while its
 * engines run): a process's first `Intl.NumberFormat` loads ICU's locale data (18-50 ms measured on
 * a 2-core machine, the next ones 0.1-0.2 ms), which the report at the end of a run would wait for.
 * The text of every number is the same either way.
 */
export function prepareNumberFormats(): void {
  for (const digits of [0, 1, 2, 3]) formatNumber(0, digits);
  formatCount(0);
}

/** Seconds as a readable duration (`1224.8` → `20m25s`). */
export function formatSeconds(seconds: number): string {
  return seconds > 0 ? formatDuration(seconds) : '0s';
}

/** An offset from the campaign's start (`+20m25s`). */
export function formatOffset(seconds: number): string {
  return `${seconds < 0 ? '-' : '+'}${formatSeconds(Math.abs(seconds))}`;
}

/** Latency in microseconds, in µs below a millisecond and in ms above (`62.0 ms`). */
export function formatLatencyUs(us: number): string {
  return us < 1000 ? `${formatNumber(us, 1)} µs` : `${formatNumber(us / 1000, 1)} ms`;
}

/** Bytes in MiB (`812.4 MiB`). */
export function formatBytes(bytes: number): string {
  return `${formatNumber(bytes / (1024 * 1024), 1)} MiB`;
}

/** An exact amount in integer micro-units as a decimal with six places (`-12.345678`), or `—` when unknown. */
export function formatMicros(micros: Micros | null): string {
  return micros === null ? '—' : formatMoney(micros, '', { decimals: 6 });
}

/** The day `formatInstant` wrote last (days since 1970-01-01 UTC) and its `YYYY-MM-DDT`. */
let lastDay = Number.NaN;
let lastDayText = '';

/** Where `formatInstant`'s own arithmetic stops: 10000-01-01T00:00:00Z (from there `toISOString` writes a six-digit year). */
const YEAR_10000_MS = 253_402_300_800_000;

const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * An instant as ISO 8601 UTC to the second (`toISOString` without its milliseconds), or `—` when
 * unknown. The date is `toISOString`'s, made once per day in a row (a report writes thousands of
 * instants: 8,618 trade marks for 3 months of 5-minute candles), the time of day by arithmetic;
 * before 1970 and from the year 10000 on, `toISOString` alone.
 * @throws RangeError for an instant `Date` cannot hold (NaN, ±Infinity, beyond ±8.64e15 ms), as `toISOString`.
 */
export function formatInstant(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return `${new Date(ms).toISOString().slice(0, -5)}Z`; // always ends in `.sssZ`
  const day = Math.floor(ms / 86_400_000);
  if (day !== lastDay) {
    lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
    lastDay = day;
  }
  const second = Math.floor(ms / 1000) - day * 86_400;
  return `${lastDayText}${twoDigits(Math.floor(second / 3600))}:${twoDigits(Math.floor(second / 60) % 60)}:${twoDigits(second % 60)}Z`;
}

/** The columns of the report's shard table, the same in Markdown and HTML: where each figure comes from, the ledger or the engine's word. */
export const SHARD_TABLE_HEADERS: readonly string[] = [
  'Shard',
  'Symbols',
  'Status',
  'Gen',
  'Ticks (engine-reported)',
  'Ticks/s (engine-reported)',
  'Trades opened / closed (ledger)',
  'Fills A / B (ledger)',
  'Realised P&L (ledger)',
  'Latency p50/p99/max (engine-reported)',
  'Peak RSS',
  'Restarts',
];

/** The columns of the report's ledger check, the same in Markdown and HTML. */
export const LEDGER_TABLE_HEADERS: readonly string[] = [
  'Shard',
  'Fills in ledger',
  'Fills counted',
  'Lost',
  'Duplicated',
  'Repeated decisions',
  'Uncounted',
  'Fills reported',
  'Realised P&L (ledger)',
  'Realised P&L (engine)',
  'Trades opened / closed (ledger)',
  'Trades opened / closed (engine)',
];
