import { ValidationError } from '../errors.js';
import { zoneOffsets } from '../clock.js';
import type { CsvLine } from './csv-line.js';

/** The unit of numeric timestamps; `auto` judges each value by its magnitude. */
export type TimeUnit = 'auto' | 's' | 'ms' | 'us' | 'ns';

/** 1990-01-01T00:00:00Z and 2100-01-01T00:00:00Z, ms: a recorded market update outside them is a misread unit. */
export const PLAUSIBLE_FROM_MS = 631_152_000_000;
export const PLAUSIBLE_TO_MS = 4_102_444_800_000;

const MS_PER: Record<Exclude<TimeUnit, 'auto'>, number> = { s: 1000, ms: 1, us: 0.001, ns: 0.000001 };
const UNIT_NAMES: Record<Exclude<TimeUnit, 'auto'>, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };
const NAIVE = /^(\d{4})-\s*(\d{1,2})-\s*(\d{1,2})(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?$/;
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Turns recorded timestamps into ms since the epoch (UTC), refusing what cannot be right.
 *
 * Numbers (and numeric text): with `unit` given, converted from it; with `auto`, judged by
 * magnitude: the plausible ranges (1990..2100) of seconds (6.3e8..4.1e9), ms (6.3e11..4.1e12),
 * µs (6.3e14..4.1e15) and ns (6.3e17..4.1e18) do not overlap, so each value is read in the one
 * unit that makes it plausible (a file that switches from ms to µs, as Binance's did in 2025,
 * reads right) and refused when none does. Text: ISO-8601 with `Z` or an offset as given; a
 * naive date-time (`2025-08-24T06:05:21.192`, `2025-08-16 23:15:00`, `2025- 08- 01`) in `tz`
 * (an IANA zone), refused when no `tz` was given: naive times never follow the machine's zone.
 *
 * Methods return NaN on a refusal and leave the reason in `refusal`; the caller adds file:line.
 */
export class TimestampParser {
  /** Why the last call returned NaN. */
  refusal = '';
  /** The zone's offset from UTC at an instant (ms), where a zone other than UTC was given. */
  private readonly offsetAt: ((utc: number) => number) | undefined;

  constructor(
    readonly unit: TimeUnit = 'auto',
    readonly tz?: string,
  ) {
    if (tz !== undefined && !isUtc(tz)) {
      try {
        this.offsetAt = zoneOffsets(tz);
      } catch {
        throw new ValidationError([{ path: 'tz', message: `"${tz}" is not an IANA time zone (e.g. UTC, Asia/Seoul)` }]);
      }
    }
  }

  /** A numeric epoch in `unit` (or judged by magnitude) as ms. */
  epoch(n: number): number {
    if (!Number.isFinite(n)) return this.refuse(`timestamp ${n} is not a number`);
    if (this.unit !== 'auto') {
      const ms = n * MS_PER[this.unit];
      if (ms >= PLAUSIBLE_FROM_MS && ms < PLAUSIBLE_TO_MS) return ms;
      return this.refuse(`timestamp ${n} read as ${UNIT_NAMES[this.unit]} is ${yearOf(ms)}, outside 1990..2100: is the time unit right?`);
    }
    const a = Math.abs(n);
    if (a >= PLAUSIBLE_FROM_MS && a < PLAUSIBLE_TO_MS) return n;
    if (a >= PLAUSIBLE_FROM_MS / 1000 && a < PLAUSIBLE_TO_MS / 1000) return n * 1000;
    if (a >= PLAUSIBLE_FROM_MS * 1000 && a < PLAUSIBLE_TO_MS * 1000) return n / 1000;
    if (a >= PLAUSIBLE_FROM_MS * 1e6 && a < PLAUSIBLE_TO_MS * 1e6) return n / 1e6;
    return this.refuse(`timestamp ${n} is not a plausible epoch in seconds, ms, µs or ns (1990..2100 in none of them); give the time unit`);
  }

  /** Cell `i` of a CSV line as a timestamp: a plain number without allocating, else as `text`. */
  cell(line: CsvLine, i: number): number {
    const n = line.num(i);
    return n === n ? this.epoch(n) : this.text(line.text(i));
  }

  /** A timestamp cell: numeric text as `epoch`, else ISO-8601 (naive text in `tz`). */
  text(cell: string): number {
    const c = cell.trim();
    if (c === '') return this.refuse('timestamp is empty');
    const code = c.charCodeAt(0);
    if ((code >= 48 && code <= 57) || code === 45) {
      const n = Number(c);
      if (n === n) return this.epoch(n);
    }
    // `YYYY-MM-DD HH:MM:SS` (or with a T), the candle files' shape: read digit by digit (0.1 µs
    // where the patterns below take 2 µs: 60 ms of every boot on 3 months of 5-minute candles).
    const fixed = naiveFixedWall(c);
    if (fixed !== undefined) {
      if (this.tz === undefined) return this.refuse(`"${c}" has no time zone: give the zone it is in (--tz / tz, e.g. UTC or Asia/Seoul)`);
      return this.plausible(this.offsetAt ? this.fromWall(fixed, this.offsetAt) : fixed, c);
    }
    if (ZONED.test(c)) {
      const ms = Date.parse(c.replace(' ', 'T'));
      if (Number.isFinite(ms)) return this.plausible(ms, c);
    }
    const m = NAIVE.exec(c);
    if (!m) return this.refuse(`"${c}" is not a timestamp (epoch number or ISO-8601)`);
    if (this.tz === undefined) return this.refuse(`"${c}" has no time zone: give the zone it is in (--tz / tz, e.g. UTC or Asia/Seoul)`);
    const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
    const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) + fraction;
    if (!Number.isFinite(wall)) return this.refuse(`"${c}" is not a valid date`);
    return this.plausible(this.offsetAt ? this.fromWall(wall, this.offsetAt) : wall, c);
  }

  private plausible(ms: number, c: string): number {
    if (ms >= PLAUSIBLE_FROM_MS && ms < PLAUSIBLE_TO_MS) return ms;
    return this.refuse(`"${c}" is outside 1990..2100`);
  }

  /** UTC ms of a wall-clock time in the zone (DST-correct: the offset is looked up twice). */
  private fromWall(wall: number, offsetAt: (utc: number) => number): number {
    const guess = wall - offsetAt(wall);
    return wall - offsetAt(guess);
  }

  private refuse(reason: string): number {
    this.refusal = reason;
    return NaN;
  }
}

/**
 * The wall-clock ms (as if UTC) of exactly `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, each
 * field as `NAIVE` and `Date.UTC` read it (a month 13 rolls over as there); undefined for any other
 * text, which the patterns read.
 */
export function naiveFixedWall(c: string): number | undefined {
  if (c.length !== 19) return undefined;
  const sep = c.charCodeAt(10);
  if (c.charCodeAt(4) !== 45 || c.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84) || c.charCodeAt(13) !== 58 || c.charCodeAt(16) !== 58) return undefined;
  const d = (i: number): number => {
    const v = c.charCodeAt(i) - 48;
    return v >= 0 && v <= 9 ? v : Number.NaN;
  };
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const wall = Date.UTC(year, d(5) * 10 + d(6) - 1, d(8) * 10 + d(9), d(11) * 10 + d(12), d(14) * 10 + d(15), d(17) * 10 + d(18));
  return Number.isFinite(wall) ? wall : undefined;
}

function isUtc(tz: string): boolean {
  return tz === 'UTC' || tz === 'Etc/UTC' || tz === 'Z' || tz === 'GMT';
}

function yearOf(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? `year ${d.getUTCFullYear()}` : 'no date';
}
