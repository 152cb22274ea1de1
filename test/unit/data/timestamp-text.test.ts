import { describe, expect, it } from 'vitest';
import { naiveFixedWall, TimestampParser } from '../../../core/data/timestamps.js';

describe('naive timestamp text (the candle files’ YYYY-MM-DD HH:MM:SS)', () => {
  it('reads the fixed shape digit by digit as the general pattern reads it, in UTC and in a zone', () => {
    const utc = new TimestampParser('auto', 'UTC');
    const seoul = new TimestampParser('auto', 'Asia/Seoul');
    const cases = ['2025-05-28 18:00:00', '2025-05-28T18:05:59', '1999-12-31 23:59:59', '2024-02-29 00:00:00', '2025-03-09 02:30:00', '2099-01-01 12:00:00'];
    for (const c of cases) {
      expect(utc.text(c), c).toBe(Date.parse(`${c.replace(' ', 'T')}Z`));
      expect(seoul.text(c), c).toBe(Date.parse(`${c.replace(' ', 'T')}+09:00`));
      // The same instant written in the general pattern's other shapes (a fraction, one-digit fields) reads the same.
      expect(utc.text(`${c}.000`), c).toBe(utc.text(c));
    }
    expect(utc.text('2025-5-8 8:05:00')).toBe(utc.text('2025-05-08 08:05:00'));
    // Fields out of range roll over as Date.UTC rolls them, on both paths (a month 13 is January).
    expect(utc.text('2025-13-01 00:00:00')).toBe(utc.text('2026-01-01 00:00:00'));
    expect(utc.text('2025-13-01 00:00:00.0')).toBe(utc.text('2026-01-01 00:00:00'));
  });

  it('leaves every other text to the patterns: zones, stray characters, no zone given', () => {
    expect(naiveFixedWall('2025-05-28 18:00:00')).toBe(Date.UTC(2025, 4, 28, 18));
    for (const c of ['2025-05-28 18:00:0a', '2025/05/28 18:00:00', '2025-05-28 18:00:00Z', '2025-05-28 18-00-00', ' 025-05-28 18:00:00', '2025-05-28']) {
      expect(naiveFixedWall(c), c).toBeUndefined();
    }
    const utc = new TimestampParser('auto', 'UTC');
    expect(utc.text('2025-05-28T18:00:00+09:00')).toBe(Date.UTC(2025, 4, 28, 9));
    expect(Number.isNaN(utc.text('2025-05-28 18:00:0a'))).toBe(true);
    expect(utc.refusal).toMatch(/is not a timestamp/);
    const noZone = new TimestampParser('auto');
    expect(Number.isNaN(noZone.text('2025-05-28 18:00:00'))).toBe(true);
    expect(noZone.refusal).toMatch(/has no time zone/);
    expect(Number.isNaN(utc.text('1985-05-28 18:00:00'))).toBe(true);
    expect(utc.refusal).toMatch(/outside 1990\.\.2100/);
  });
});
