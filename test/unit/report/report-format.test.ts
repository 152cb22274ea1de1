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
});
