/**
 * Money and time in the types (`core/model/units.ts`): the checking constructors name the field,
 * sums of micro-units are exact integers, and money becomes text in one place, rounded half away
 * from zero to the currency's decimals without a float on the way.
 */
import { describe, expect, it } from 'vitest';
import { ArbfleetError, ERROR_TABLE } from '../../../core/errors.js';
import { durationMs, epochMs, formatMoney, meanMicros, micros, microsOf, MicrosSchema, MoneySchema, sumMicros, UnitError } from '../../../core/model/units.js';

describe('the checking constructors', () => {
  it('take an integer number of micro-units and refuse anything else, naming the field, what was expected and what was found', () => {
    expect(micros(-1_520_000, 'progress.realizedPnlMicros')).toBe(-1_520_000);
    const thrown = (() => {
      try {
        micros(1.5, 'progress.realizedPnlMicros');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(UnitError);
    expect(thrown).toBeInstanceOf(ArbfleetError);
    expect(thrown).toMatchObject({ kind: 'invalid-input', field: 'progress.realizedPnlMicros', found: 1.5 });
    expect(ERROR_TABLE[(thrown as UnitError).kind].status).toBe(400);
    expect((thrown as Error).message).toBe('progress.realizedPnlMicros: expected an integer number of micro-units (a safe integer), found 1.5');
    expect(() => micros(2 ** 53, 'x')).toThrow(/x: expected an integer number of micro-units \(a safe integer\), found 9007199254740992/);
    expect(() => micros(Number.NaN, 'x')).toThrow(UnitError);
  });

  it('take a finite instant and a finite non-negative duration', () => {
    expect(epochMs(1_767_225_600_000, 'at')).toBe(1_767_225_600_000);
    expect(() => epochMs(Number.POSITIVE_INFINITY, 'shard.launchedAt')).toThrow(/shard\.launchedAt: expected an instant in ms since the epoch/);
    expect(durationMs(0, 'backoff')).toBe(0);
    expect(() => durationMs(-1, 'watchdog.staleAfterMs')).toThrow(/watchdog\.staleAfterMs: expected a duration in ms \(a finite number ≥ 0\), found -1/);
  });

  it('read a float as micros rounded half away from zero, and averages the same way', () => {
    expect(microsOf(12.345678, 'p')).toBe(12_345_678);
    expect(microsOf(-0.0000005, 'p')).toBe(-1);
    expect(microsOf(0.0000005, 'p')).toBe(1);
    expect(Object.is(microsOf(-0.0000001, 'p'), 0)).toBe(true);
    expect(meanMicros(micros(-2_000_000, 'p'), 3, 'p')).toBe(-666_667);
    expect(meanMicros(micros(5, 'p'), 2, 'p')).toBe(3);
    expect(() => meanMicros(micros(5, 'p'), 0, 'stats.pnlPerTradeMicros')).toThrow(/stats\.pnlPerTradeMicros: expected a count ≥ 1/);
  });

  it('are what the schemas check on read: a float amount is refused with its path', () => {
    expect(MoneySchema.parse({ micros: -1_520_000, currency: 'USDT' })).toEqual({ micros: -1_520_000, currency: 'USDT' });
    const result = MoneySchema.safeParse({ micros: -1.52, currency: 'USDT' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['micros']);
    expect(MicrosSchema.safeParse(2 ** 53).success).toBe(false);
  });
});

describe('sums of micro-units', () => {
  // Amounts whose sum taken in units (floats, then rounded back to micros) is one micro-unit off:
  // near 7 × 10⁹ units a double's step is about 1 µ, and the additions' rounding errors add up.
  const amounts = [7_000_000_000_840_570, -1_663_415, -2_461_387, 1_016_134, -3_920_900, 4_629_444];

  it('are exact integers where the same sum in units drifts', () => {
    const exact = 6_999_999_998_440_446;
    expect(sumMicros(amounts, 'totals.realizedPnl.micros')).toBe(exact);
    const viaUnits = Math.round(amounts.reduce((sum, m) => sum + m / 1_000_000, 0) * 1_000_000);
    expect(viaUnits).not.toBe(exact);
  });

  it('refuse a term that is not an integer, and a total beyond the safe range, naming the field', () => {
    expect(() => sumMicros([1, 0.5], 'bySymbol[].pnlMicros')).toThrow(/bySymbol\[\]\.pnlMicros: expected an integer number of micro-units/);
    expect(() => sumMicros([Number.MAX_SAFE_INTEGER, 1], 'totals.realizedPnl.micros')).toThrow(
      /totals\.realizedPnl\.micros: expected a sum within ±9007199254740991 micro-units, found 9007199254740992/,
    );
  });
});

describe('money as text (the one renderer)', () => {
  it("writes the currency's decimals, rounded half away from zero, thousands separated, the code after", () => {
    expect(formatMoney(micros(-1_234_565_000, 'm'), 'USDT')).toBe('-1,234.57 USDT');
    expect(formatMoney(micros(-1_234_564_999, 'm'), 'USDT')).toBe('-1,234.56 USDT');
    expect(formatMoney(micros(1_250_500_000, 'm'), 'KRW')).toBe('1,251 KRW');
    expect(formatMoney(micros(1_250_499_999, 'm'), 'KRW')).toBe('1,250 KRW');
    expect(formatMoney(micros(7_000_000, 'm'), 'XYZ')).toBe('7.00 XYZ');
    expect(formatMoney(micros(-4_999, 'm'), 'USDT')).toBe('0.00 USDT');
    expect(formatMoney(micros(2_500_000, 'm'), 'USDT', { signed: true })).toBe('+2.50 USDT');
    expect(formatMoney(micros(-2_500_000, 'm'), '', { grouped: false })).toBe('-2.50');
  });

  it('writes every micro-unit of an amount a double cannot hold in units', () => {
    const amount = micros(8_999_999_999_999_000, 'm');
    expect(formatMoney(amount, '', { decimals: 6 })).toBe('8,999,999,999.999000');
    expect(formatMoney(amount, 'USDT')).toBe('9,000,000,000.00 USDT');
    expect((amount / 1_000_000).toFixed(6)).toBe('8999999999.999001'); // the float way: one micro-unit off
  });
});
