import { describe, expect, it } from 'vitest';
import { CsvLine, parseDecimal } from '../../../core/data/csv-line.js';
import { numberCell, splitCsv } from '../../../core/data/csv-cells.js';

describe('CSV cells without allocation', () => {
  it('parses decimals exactly as Number does, and refuses what it cannot', () => {
    const samples = [
      '115279.25',
      '0.1',
      '0.30000000000000004',
      '159508000',
      '1756015521192',
      '1756015521192000',
      '-3.5',
      '1389.03',
      '117299.04873200001',
      '0.00000001',
      '999999999999999',
    ];
    for (const s of samples) {
      const n = parseDecimal(s, 0, s.length);
      if (n === n) expect(n, s).toBe(Number(s));
    }
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
      const s = `${x % 1_000_000}.${String(x % 100_000).padStart(5, '0')}`;
      expect(parseDecimal(s, 0, s.length), s).toBe(Number(s));
    }
    expect(parseDecimal('1e5', 0, 3)).toBeNaN();
    expect(parseDecimal('', 0, 0)).toBeNaN();
    expect(parseDecimal('1.2.3', 0, 5)).toBeNaN();
  });

  it('splits plain and quoted lines alike', () => {
    const line = new CsvLine();
    expect(line.split('1756015398381,FX,,1389.03,')).toBe(5);
    expect([line.num(0), line.text(1), line.text(2), line.num(3), line.num(4)]).toEqual([1756015398381, 'FX', '', 1389.03, NaN]);
    expect(line.is(1, 'FX')).toBe(true);
    expect(line.split('1756015398381,FX,,"1,389.03",')).toBe(5);
    expect(line.num(3)).toBe(1389.03);
    expect(splitCsv('"a ""b""",c')).toEqual(['a "b"', 'c']);
    expect(numberCell('')).toBeNaN();
    expect(numberCell(' 12 ')).toBe(12);
  });
});
