/**
 * Money and time in the types. A number that is money or an instant carries its unit in its type
 * (a zod brand), so a float P&L, a duration passed as an instant, or an instant in seconds does
 * not typecheck where the unit is declared:
 *
 * - `Micros`: a signed integer count of micro-units (10⁻⁶) of a currency, the engine's fixed-point
 *   money (`fillCashMicros`, `core/model/fill.ts`). Sums of `Micros` are exact integers while they
 *   stay within ±2⁵³ − 1 (about ±9.0 × 10⁹ units of a currency): `sumMicros` refuses to go past.
 * - `Money`: `Micros` with their currency (nautilus_trader's `Money{raw, currency}`): what the
 *   report carries; the currency is a code such as `USDT` or `KRW` (venue B's quote currency, the
 *   reporting currency of a campaign).
 * - `EpochMs`: an instant, milliseconds since 1970-01-01T00:00:00Z.
 * - `DurationMs`: a non-negative length of time in milliseconds.
 *
 * Floats appear only where text is made: `formatMoney` here is the one place micros become text,
 * with a fixed number of decimals per currency (`CURRENCY_DECIMALS`), rounded half away from zero
 * in integer arithmetic (no float on the way).
 *
 * The checking constructors (`micros`, `epochMs`, `durationMs`) throw a `UnitError` naming the
 * field, what was expected and what was found; `unsafeMicros` and friends brand without checking,
 * for a value the caller has just computed from checked parts (say so where it is used).
 */
import { z } from 'zod';
import type { EpochMs } from '../clock.js';
import { ArbfleetError } from '../errors.js';

export { asEpochMs, type EpochMs } from '../clock.js';

/** Micro-units per unit of a currency: the fixed-point scale of money. */
export const MICROS_PER_UNIT = 1_000_000;

/** A signed integer number of micro-units of a currency (JSON: a safe integer). */
export const MicrosSchema = z.number().int().brand<'Micros'>();
export type Micros = z.infer<typeof MicrosSchema>;

/** No money: 0 micro-units. */
export const ZERO_MICROS = 0 as Micros;

/** An amount with its currency: `{ micros, currency }` (JSON: `{"micros": -1520000, "currency": "USDT"}`). */
export const MoneySchema = z.object({ micros: MicrosSchema, currency: z.string() }).strict();
export type Money = z.infer<typeof MoneySchema>;

/** An instant, ms since the epoch (JSON: a finite number); parses to `EpochMs` (defined in `core/clock.ts`). */
export const EpochMsSchema = z.number().brand<'EpochMs'>();

/** A length of time in ms, ≥ 0 (JSON: a finite number). */
export const DurationMsSchema = z.number().nonnegative().brand<'DurationMs'>();
export type DurationMs = z.infer<typeof DurationMsSchema>;

/**
 * A value that is not what its unit allows (kind `invalid-input`, `ERROR_TABLE` in `core/errors.ts`):
 * names the field, what was expected and what was found.
 */
export class UnitError extends ArbfleetError {
  override readonly name = 'UnitError';
  readonly kind = 'invalid-input';
  constructor(
    readonly field: string,
    expected: string,
    readonly found: unknown,
  ) {
    super(`${field}: expected ${expected}, found ${describe(found)}`);
  }
}

/** `value` as `Micros`; throws `UnitError` naming `field` unless it is a safe integer. */
export function micros(value: number, field: string): Micros {
  if (!Number.isSafeInteger(value)) throw new UnitError(field, 'an integer number of micro-units (a safe integer)', value);
  return value as Micros;
}

/** `value` as `EpochMs`; throws `UnitError` naming `field` unless it is finite. */
export function epochMs(value: number, field: string): EpochMs {
  if (!Number.isFinite(value)) throw new UnitError(field, 'an instant in ms since the epoch (a finite number)', value);
  return value as EpochMs;
}

/** `value` as `DurationMs`; throws `UnitError` naming `field` unless it is finite and ≥ 0. */
export function durationMs(value: number, field: string): DurationMs {
  if (!Number.isFinite(value) || value < 0) throw new UnitError(field, 'a duration in ms (a finite number ≥ 0)', value);
  return value as DurationMs;
}

/** Brands an instant without a check, for literals and values computed from instants (`ms(1_767_225_600_000)` in tests). */
export function ms(value: number): EpochMs {
  return value as EpochMs;
}

/**
 * The exact sum of `amounts`; throws `UnitError` naming `field` if a term is not a safe integer or
 * the sum leaves the safe range (beyond it an integer sum is no longer exact).
 */
export function sumMicros(amounts: Iterable<number>, field: string): Micros {
  let total = 0;
  for (const amount of amounts) {
    micros(amount, field);
    total += amount;
    if (!Number.isSafeInteger(total)) throw new UnitError(field, `a sum within ±${Number.MAX_SAFE_INTEGER} micro-units`, total);
  }
  return total as Micros;
}

/** `total / count` rounded to the micro-unit, half away from zero (a mean P&L per trade); `count` ≥ 1. */
export function meanMicros(total: Micros, count: number, field: string): Micros {
  if (!Number.isSafeInteger(count) || count < 1) throw new UnitError(field, 'a count ≥ 1 to average over', count);
  return micros(Math.sign(total) * Math.round(Math.abs(total) / count) + 0, field);
}

/** A decimal amount (a price × quantity, a legacy float P&L) as micros, rounded to the nearest micro-unit (half away from zero). */
export function microsOf(amount: number, field: string): Micros {
  if (!Number.isFinite(amount)) throw new UnitError(field, 'a finite amount', amount);
  const scaled = Math.abs(amount) * MICROS_PER_UNIT;
  return micros(Math.sign(amount) * Math.round(scaled) + 0, field);
}

/**
 * Decimals each currency is written with: ISO 4217's minor units where the currency has them
 * (KRW and JPY have none), 2 for the dollar stablecoins; any other code gets `DEFAULT_DECIMALS`.
 */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = { KRW: 0, JPY: 0, USD: 2, EUR: 2, USDT: 2, USDC: 2 };

/** Decimals for a currency not in `CURRENCY_DECIMALS` (and for an amount without a currency). */
export const DEFAULT_DECIMALS = 2;

/** The decimals `currency` is written with (`CURRENCY_DECIMALS`, else `DEFAULT_DECIMALS`). */
export function currencyDecimals(currency: string): number {
  return CURRENCY_DECIMALS[currency] ?? DEFAULT_DECIMALS;
}

/** How `formatMoney` writes an amount. */
export interface MoneyFormat {
  /** Decimals; the currency's (`CURRENCY_DECIMALS`) by default, at most 6 (one micro-unit). */
  decimals?: number;
  /** `+` before a gain (for a P&L cell); off by default. */
  signed?: boolean;
  /** Thousands separated by `,` (on by default). */
  grouped?: boolean;
}

/**
 * The one place money becomes text: `micros` in `currency`, rounded half away from zero to the
 * currency's decimals in integer arithmetic, thousands separated, the code after (`-1,234.57 USDT`,
 * `1,250 KRW`; an empty currency writes the number alone). A rounded zero is written unsigned.
 */
export function formatMoney(amount: Micros, currency: string, format: MoneyFormat = {}): string {
  const decimals = Math.min(6, format.decimals ?? currencyDecimals(currency));
  const unit = 10 ** (6 - decimals);
  const abs = Math.abs(micros(amount, 'money'));
  let whole = Math.floor(abs / unit);
  if (2 * (abs - whole * unit) >= unit) whole++;
  const units = Math.floor(whole / 10 ** decimals);
  const fraction = decimals === 0 ? '' : `.${String(whole - units * 10 ** decimals).padStart(decimals, '0')}`;
  const text = `${format.grouped === false ? String(units) : units.toLocaleString('en-US')}${fraction}`;
  const sign = whole === 0 ? '' : amount < 0 ? '-' : format.signed ? '+' : '';
  return currency ? `${sign}${text} ${currency}` : `${sign}${text}`;
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
}
