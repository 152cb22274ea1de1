/**
 * A hand-written yes or no for `FillSchema` (fill.ts), for both paths of the stores' fills: the
 * SQLite store reads every fill back to build the report (17,236 for 3 months of 5-minute
 * candles), where zod's parse of each was about a third of reading them (JSON.parse the rest), and
 * checks every fill of a commit before writing it, where zod cost 140-180 ms CPU for those 17,236
 * in the engine's fresh process (isFill 30-45 ms). On a plain object (JSON.parse's, an object
 * literal, a null-prototype object) `isFill` says yes exactly when `FillSchema` would accept it,
 * and zod would give back the same fields; on anything else (an instance of a class, an object
 * inheriting fields) it says no and leaves the answer to zod. The stores call zod only when it
 * says no (`parseStoredFill`, `validateFill` in record-codec.ts), so zod stays the contract and
 * words every refusal (the field, what was expected and found).
 * test/unit/model/fill-check.test.ts holds the two to the same answer on a corpus of fills and
 * mutations of every field.
 */
import type { Fill } from './fill.js';

const VENUES: ReadonlySet<unknown> = new Set(['A', 'B']);
const SIDES: ReadonlySet<unknown> = new Set(['BUY', 'SELL']);
const KINDS: ReadonlySet<unknown> = new Set(['OPEN', 'CLOSE']);
const REASONS: ReadonlySet<unknown> = new Set(['ENTRY', 'REVERSION', 'TAKE_PROFIT', 'STOP_LOSS', 'MAX_HOLDING', 'CAMPAIGN_END']);

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** zod's `.int()`: a safe integer. */
const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const atLeastZero = (v: unknown): boolean => finite(v) && v >= 0;
const aboveZero = (v: unknown): boolean => finite(v) && v > 0;
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
const boolean = (v: unknown): boolean => typeof v === 'boolean';

/** The keys `FillSchema` knows (it is strict: any other key is refused). */
const KEYS: ReadonlySet<string> = new Set([
  'seq',
  'tradeId',
  'symbol',
  'venue',
  'side',
  'kind',
  'reason',
  'qty',
  'price',
  'fee',
  'fxRate',
  'ts',
  'eventTs',
  'wallTs',
  'quoteTsA',
  'quoteTsB',
  'staleQuote',
  'decisionPrice',
  'orderedQty',
  'unsized',
  'beyondBookQty',
  'generation',
]);

/** True when `value` is a plain object and `FillSchema.safeParse(value)` would succeed (and give back the same fields). */
export function isFill(value: unknown): value is Fill {
  if (typeof value !== 'object' || value === null) return false;
  // A plain object only: zod also reads inherited fields and gives back an own copy, but a caller
  // writes the value as given (JSON.stringify keeps own fields only). Arrays are refused here too.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const f = value as Record<string, unknown>;
  for (const key in f) if (!KEYS.has(key)) return false;
  return (
    count(f.seq) &&
    count(f.tradeId) &&
    typeof f.symbol === 'string' &&
    VENUES.has(f.venue) &&
    SIDES.has(f.side) &&
    KINDS.has(f.kind) &&
    REASONS.has(f.reason) &&
    atLeastZero(f.qty) &&
    aboveZero(f.price) &&
    atLeastZero(f.fee) &&
    aboveZero(f.fxRate) &&
    finite(f.ts) &&
    optional(f.eventTs, finite) &&
    optional(f.wallTs, finite) &&
    optional(f.quoteTsA, finite) &&
    optional(f.quoteTsB, finite) &&
    optional(f.staleQuote, boolean) &&
    optional(f.decisionPrice, aboveZero) &&
    optional(f.orderedQty, atLeastZero) &&
    optional(f.unsized, boolean) &&
    optional(f.beyondBookQty, atLeastZero) &&
    count(f.generation)
  );
}
