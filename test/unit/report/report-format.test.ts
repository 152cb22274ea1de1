import { describe, expect, it } from 'vitest';
import { formatInstant, formatNumber } from '../../../core/report/report-format.js';

/**
 * The report's formats are made once and reused (a report formats tens of thousands of numbers);
 * the text stays what `toLocaleString('en-US', …)` and `toISOString` give, which the rendered
 * reports' tests read.
 */
describe('the report number and time formats', () => {
  const numbers = [0, -0, 1.005, 16.1349, -2.5, 12_345.678_9, 123_456_789.123_456, 1e-7, -1e21, Number.NaN, Number.POSITIVE_INFINITY];

  it('formatNumber reads as toLocaleString with at most `digits` decimals, for each digits in turn', () => {
    for (const digits of [2, 0, 1, 6, 2])
      for (const n of numbers) expect(formatNumber(n, digits), `${n} to ${digits}`).toBe(n.toLocaleString('en-US', { maximumFractionDigits: digits }));
    expect(formatNumber(12_345.678)).toBe('12,345.68');
  });

  it('formatInstant is ISO 8601 UTC to the second', () => {
    expect(formatInstant(Date.UTC(2025, 4, 25, 6, 3, 18, 382))).toBe('2025-05-25T06:03:18Z');
    expect(formatInstant(-1)).toBe('1969-12-31T23:59:59Z');
    expect(formatInstant(8.64e15)).toBe('+275760-09-13T00:00:00Z');
    expect([formatInstant(null), formatInstant(undefined)]).toEqual(['—', '—']);
  });

  it("formatInstant reads as toISOString without its milliseconds, at every day's edges, leap days, the year 10000's and fractions of a ms", () => {
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, -5)}Z`;
    const day = 86_400_000;
    const edges = [0, 0.4, 999.9, 1000, 59_999, 60_000, 3_599_999, 3_600_000, day - 1, day, day + 1];
    const days = [0, 1, 59, 365, 789, 11_016, 11_017, 20_233, 2_932_896, 2_932_896 - 1];
    const instants = [...days.flatMap((d) => edges.map((e) => d * day + e)), 253_402_300_799_999, 253_402_300_800_000, -0.5, -86_400_001];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    // Random instants, in random order (the day written last is remembered) and in runs within one day.
    for (let i = 0; i < 3_000; i++) instants.push(Math.floor(random() * 253_402_300_800_000), 1_748_131_200_000 + Math.floor(random() * day));
    for (const ms of instants) expect(formatInstant(ms), String(ms)).toBe(iso(ms));
    expect(() => formatInstant(Number.NaN)).toThrow(RangeError);
  });
});
