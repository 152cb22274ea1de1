import { numberCell, splitCsv } from './csv-cells.js';

const MAX_CELLS = 64;
/** Powers of ten exactly representable as doubles (10^0..10^22). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * One CSV line's cells as positions, for the import and replay hot loop: splitting records where
 * each cell starts and ends instead of allocating a string per cell, and numbers are parsed from
 * the characters. A line with a double quote falls back to `splitCsv` (quoted numbers, `"1,389.03"`).
 * Reused line after line.
 */
export class CsvLine {
  private line = '';
  private readonly starts = new Int32Array(MAX_CELLS);
  private readonly ends = new Int32Array(MAX_CELLS);
  private cells: string[] | undefined;
  /** Cells in the current line. */
  count = 0;

  /** Takes a line; returns its number of cells. */
  split(line: string): number {
    this.line = line;
    if (line.indexOf('"') !== -1) {
      this.cells = splitCsv(line);
      this.count = this.cells.length;
      return this.count;
    }
    this.cells = undefined;
    let n = 0;
    let start = 0;
    for (;;) {
      const comma = line.indexOf(',', start);
      if (n < MAX_CELLS) {
        this.starts[n] = start;
        this.ends[n] = comma === -1 ? line.length : comma;
      }
      n++;
      if (comma === -1) break;
      start = comma + 1;
    }
    this.count = Math.min(n, MAX_CELLS);
    return this.count;
  }

  /** Cell `i` as text (trimmed). */
  text(i: number): string {
    if (i >= this.count) return '';
    if (this.cells) return (this.cells[i] as string).trim();
    return this.line.slice(this.starts[i], this.ends[i]).trim();
  }

  /** Whether cell `i` is exactly `s` (no allocation). */
  is(i: number, s: string): boolean {
    if (i >= this.count) return false;
    if (this.cells) return this.cells[i] === s;
    const start = this.starts[i] as number;
    return (this.ends[i] as number) - start === s.length && this.line.startsWith(s, start);
  }

  /** Cell `i` as a number, NaN when empty or not a number (see `numberCell`). */
  num(i: number): number {
    if (i >= this.count) return NaN;
    if (this.cells) return numberCell(this.cells[i]);
    const n = parseDecimal(this.line, this.starts[i] as number, this.ends[i] as number);
    return n === n ? n : numberCell(this.line.slice(this.starts[i], this.ends[i]));
  }
}

/**
 * A plain decimal (`-?digits(.digits)?`, at most 15 significant digits) read from the characters,
 * exactly as `Number` would (the mantissa and 10^k are exact doubles, so one division rounds
 * correctly: Clinger's fast path). NaN for anything else; the caller falls back to `Number`.
 */
export function parseDecimal(s: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && s.charCodeAt(i) === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return NaN;
  }
  if (digits === 0 || (digits > 15 && (scale > 0 || mantissa > 2 ** 53))) return NaN;
  const value = scale > 0 ? mantissa / (POW10[scale] as number) : mantissa;
  return negative ? -value : value;
}
