import { z } from 'zod';
import { MICROS_PER_UNIT, type Micros } from './units.js';

/** Which of the campaign's two venues a fill happened on. */
export const VenueIdSchema = z.enum(['A', 'B']);
export type VenueId = z.infer<typeof VenueIdSchema>;

/** Why a trade was closed (or `ENTRY` for the two opening legs). */
export const FillReasonSchema = z.enum(['ENTRY', 'REVERSION', 'TAKE_PROFIT', 'STOP_LOSS', 'MAX_HOLDING', 'CAMPAIGN_END']);
export type FillReason = z.infer<typeof FillReasonSchema>;

/**
 * One paper fill: a leg of a trade on one venue. Every trade has exactly four fills over its
 * life (open on A and B, close on A and B). `seq` is unique and gap-free per shard across
 * generations: the ledger's identity for "exactly once".
 */
export const FillSchema = z
  .object({
    seq: z.number().int().nonnegative(),
    tradeId: z.number().int().nonnegative(),
    symbol: z.string(),
    venue: VenueIdSchema,
    side: z.enum(['BUY', 'SELL']),
    kind: z.enum(['OPEN', 'CLOSE']),
    reason: FillReasonSchema,
    /**
     * Quantity filled. 0 only for a leg that was sent and found nothing to take at its venue
     * (leg risk under `execution.model` `top-size`/`depth` with a latency): the trade keeps its
     * four fills, the missing leg's cash is 0.
     */
    qty: z.number().nonnegative(),
    /** Price in the venue's own quote currency. */
    price: z.number().positive(),
    /** Taker fee in the venue's own quote currency. */
    fee: z.number().nonnegative(),
    /** Units of venue A's quote per unit of venue B's at the fill (1 when both quote alike). */
    fxRate: z.number().positive(),
    /** Time of the fill, ms since the epoch: engine time (the recorded time in virtual time). */
    ts: z.number(),
    /** Recorded (event) time of the market update the decision was made on, ms (absent from older fills). */
    eventTs: z.number().optional(),
    /** Wall-clock time of the decision, ms (absent from older fills). */
    wallTs: z.number().optional(),
    /**
     * Event (recorded) time of venue A's quote of the symbol the decision was priced on, ms; the
     * same on both legs of a decision. Its age at the decision is `eventTs − quoteTsA` (absent
     * from older fills).
     */
    quoteTsA: z.number().optional(),
    /** Event time of venue B's quote the decision was priced on, ms (as `quoteTsA`; absent from older fills). */
    quoteTsB: z.number().optional(),
    /** A close priced on a quote older than `strategy.maxQuoteAge`: its price may not have been there. */
    staleQuote: z.boolean().optional(),
    /**
     * Execution detail (issue 19), written when `execution` is not plain `top` without latency:
     * the venue's top price in the leg's direction at the decision (slippage is measured against
     * it), the quantity the leg was meant to fill (the strategy's order quantity for an entry, the
     * open quantity for a close), and `unsized` when the book had no recorded size, so the fill
     * assumed unlimited size.
     */
    decisionPrice: z.number().positive().optional(),
    orderedQty: z.number().nonnegative().optional(),
    unsized: z.boolean().optional(),
    /**
     * A close leg's quantity taken beyond the displayed book (base asset): under `top-size` and
     * `depth` an exit always fills in full, the part beyond what its venue's book showed (net of
     * size earlier fills took) priced at the last level walked (`engine-task/src/execution/
     * execution-model.ts`). Written on every close leg those models filled on a sized book, 0 when
     * the book held it all, so a ledger that has it was counted; absent from entries, `top`,
     * unsized legs and fills written before it was recorded (the report then says it is not counted).
     */
    beyondBookQty: z.number().nonnegative().optional(),
    generation: z.number().int().nonnegative(),
  })
  .strict();
export type Fill = z.infer<typeof FillSchema>;

/** Fixed-point scale for money: P&L is counted in integer micro-units of the reporting currency (`core/model/units.ts`). */
export const MICROS = MICROS_PER_UNIT;

/**
 * The signed cash flow of a fill in micro-units of the reporting currency (venue B's quote):
 * a sale brings cash in, a purchase pays it out, the fee always pays out. Rounded per fill, so
 * sums of fills are exact integers that anyone can recompute from the ledger.
 */
export function fillCashMicros(fill: Pick<Fill, 'venue' | 'side' | 'qty' | 'price' | 'fee' | 'fxRate'>): Micros {
  // An integer: both terms are Math.round of finite numbers (the schema keeps prices and fees finite).
  return cashMicros(fill.venue === 'A' ? fill.fxRate : 1, fill.side === 'SELL', fill.qty, fill.price, fill.fee) as Micros;
}

/** The same rule for the engine's hot path, on plain numbers (no object). */
export function cashMicros(toReporting: number, isSell: boolean, qty: number, price: number, fee: number): number {
  const notional = Math.round(((qty * price) / toReporting) * MICROS);
  const feeMicros = Math.round((fee / toReporting) * MICROS);
  return (isSell ? notional : -notional) - feeMicros;
}

/**
 * The ledgers' fills grouped into trades: a trade is the fills of one (shard, `tradeId`). `start`
 * makes a trade's accumulator from its first fill, `add` folds each of its fills (the first
 * included) into it, in ledger order. Returns the accumulators in order of each trade's first fill,
 * shard by shard.
 */
export function foldTrades<T>(
  ledgers: Readonly<Record<string, readonly Fill[]>>,
  start: (shardId: string, first: Fill) => T,
  add: (trade: T, fill: Fill) => void,
): T[] {
  const trades: T[] = [];
  for (const [shardId, ledger] of Object.entries(ledgers)) {
    const byId = new Map<number, T>();
    for (const fill of ledger) {
      let trade = byId.get(fill.tradeId);
      if (trade === undefined) {
        trade = start(shardId, fill);
        byId.set(fill.tradeId, trade);
        trades.push(trade);
      }
      add(trade, fill);
    }
  }
  return trades;
}
