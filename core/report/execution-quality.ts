/**
 * The report's execution quality (issue 19), judged from the ledgers alone (pure): per symbol and
 * in total, how the legs filled against what was decided — slippage against the decision price,
 * fill ratio, partial and missed legs — under the campaign's `execution` settings, and whether the
 * data had sizes at all. Rules are in `EXECUTION_NOTES`.
 */
import { z } from 'zod';
import type { Fill } from '../model/fill.js';
import { cell, htmlTable } from './html-page.js';
import { escapeHtml } from './html-text.js';
import { formatCount, formatNumber } from './report-format.js';

export const EXECUTION_NOTES = [
  'Execution: slippage of a leg = how much worse than the decision price it filled, bps of the decision price (a buy: (price − decision) / ' +
    'decision; a sale: (decision − price) / decision; negative = better), averaged over legs weighted by quantity. Fill ratio = quantity ' +
    "filled / quantity ordered over entry legs (an entry's order quantity is the strategy's, before sizes; exits always fill in full). " +
    'Sizes: under top-size and depth an entry takes at most what the book shows (the rest is not filled); an exit always fills in full, the part ' +
    "beyond the displayed size (net of what earlier fills took from it) at the last level shown. That part is each close leg's beyondBookQty " +
    '(base asset, 0 when the book held it all); Beyond book A / B add it up per venue (the total row only when the ledger has one symbol: base ' +
    'assets differ), exits beyond book count the exit legs that took some. Fills written before it was recorded (older runs, command engines that ' +
    'do not write it) cannot say how much went beyond the book: those exit legs are not counted, and the section says so. ' +
    'Partial: an entry leg filled above 0 and below its order; missed: an entry leg that filled 0 of an order above 0 (its other leg filled). ' +
    'A close of nothing (quantity 0: its entry leg missed, so there was no position on that venue to close) is not a leg: it is not counted ' +
    'in legs, missed legs or unsized legs. Legs without execution detail ' +
    '(model top, no latency) filled at the decision price and in full. Unsized: the book had no recorded size, so the leg assumed unlimited size.',
];

export const ExecutionRowSchema = z
  .object({
    /** A symbol, or `total`. */
    symbol: z.string(),
    /** Legs in the ledger (entries and exits, both venues); a close of quantity 0 (nothing open on its venue) is not a leg. */
    legs: z.number().int().nonnegative(),
    /** Entry legs' quantity filled / ordered (1 without execution detail); null without entries. */
    fillRatio: z.number().nullable(),
    partialLegs: z.number().int().nonnegative(),
    missedLegs: z.number().int().nonnegative(),
    /** Quantity-weighted mean slippage of venue A's and venue B's legs, bps (positive = worse than decided); null without legs. */
    slippageBpsA: z.number().nullable(),
    slippageBpsB: z.number().nullable(),
    /** The worst single leg's slippage, bps; null without legs. */
    worstSlippageBps: z.number().nullable(),
    /** Legs filled on a book without recorded sizes (assumed unlimited size). */
    unsizedLegs: z.number().int().nonnegative(),
    /**
     * Exit legs that took more than the displayed book (`Fill.beyondBookQty` > 0), and the quantity they took beyond it per venue
     * (base asset). Null when none of the row's exit legs on sized books recorded it (not counted); the total row's quantities are
     * null when the ledger holds more than one symbol (base assets differ).
     */
    beyondBookExits: z.number().int().nonnegative().nullable(),
    beyondBookQtyA: z.number().nonnegative().nullable(),
    beyondBookQtyB: z.number().nonnegative().nullable(),
  })
  .strict();
export type ExecutionRow = z.infer<typeof ExecutionRowSchema>;

export const ExecutionQualitySchema = z
  .object({
    /** `execution.model` of the campaign (`top` when the config predates it). */
    model: z.string(),
    /** `execution.latency` per venue, ms. */
    latencyMs: z.object({ a: z.number(), b: z.number() }).strict(),
    /**
     * `recorded`: every leg that read sizes found some; `unlimited`: none did (model `top`, or no sizes in the data), so fills assumed
     * unlimited size; `partly`: some legs found none.
     */
    sizes: z.enum(['recorded', 'unlimited', 'partly']),
    bySymbol: z.array(ExecutionRowSchema),
    total: ExecutionRowSchema,
    /** Entries refused for want of size at the decision (`no-size`) and entries whose two legs both found nothing (`legs-missed`). */
    refusedNoSize: z.number().int().nonnegative(),
    legsMissed: z.number().int().nonnegative(),
    /**
     * Exit legs filled on a sized book under a sized model (quantity above 0, with execution detail, not unsized): `counted` recorded
     * how much they took beyond the displayed book (`Fill.beyondBookQty`), `uncounted` did not (written before it was recorded).
     */
    sizedExits: z.object({ counted: z.number().int().nonnegative(), uncounted: z.number().int().nonnegative() }).strict(),
  })
  .strict();
export type ExecutionQuality = z.infer<typeof ExecutionQualitySchema>;

/** The `execution` settings of a stored config, leniently (older configs have none). */
export function executionSettingsOf(config: Record<string, unknown>): { model: string; latencyMs: { a: number; b: number } } {
  const e = (typeof config.execution === 'object' && config.execution !== null ? config.execution : {}) as Record<string, unknown>;
  const latency = (typeof e.latency === 'object' && e.latency !== null ? e.latency : {}) as Record<string, unknown>;
  const ms = (v: unknown) => (typeof v === 'number' ? v * 1000 : 0);
  return { model: typeof e.model === 'string' ? e.model : 'top', latencyMs: { a: ms(latency.a), b: ms(latency.b) } };
}

interface Tally {
  legs: number;
  ordered: number;
  filled: number;
  partial: number;
  missed: number;
  /** Σ slippage × qty and Σ qty, per venue. */
  slipA: number;
  qtyA: number;
  slipB: number;
  qtyB: number;
  worst: number | null;
  unsized: number;
  /** Exit legs on sized books that recorded `beyondBookQty` and that did not; those of them above 0; the quantity beyond per venue. */
  counted: number;
  uncounted: number;
  beyondExits: number;
  beyondA: number;
  beyondB: number;
}

const emptyTally = (): Tally => ({
  legs: 0,
  ordered: 0,
  filled: 0,
  partial: 0,
  missed: 0,
  slipA: 0,
  qtyA: 0,
  slipB: 0,
  qtyB: 0,
  worst: null,
  unsized: 0,
  counted: 0,
  uncounted: 0,
  beyondExits: 0,
  beyondA: 0,
  beyondB: 0,
});

/**
 * Counts one fill into `t`. A close of quantity 0 is not a leg (nothing was open on its venue: its entry
 * leg missed and was counted missed once, there); a missed leg is an entry leg that filled 0 of an order above 0.
 */
function count(t: Tally, f: Fill, sizedModel: boolean): void {
  if (f.kind === 'CLOSE' && f.qty === 0) return;
  if (f.kind === 'CLOSE' && sizedModel && f.decisionPrice !== undefined && f.unsized !== true) {
    if (f.beyondBookQty === undefined) t.uncounted++;
    else {
      t.counted++;
      if (f.beyondBookQty > 0) {
        t.beyondExits++;
        if (f.venue === 'A') t.beyondA += f.beyondBookQty;
        else t.beyondB += f.beyondBookQty;
      }
    }
  }
  t.legs++;
  const decision = f.decisionPrice ?? f.price;
  const slip = ((f.side === 'BUY' ? f.price - decision : decision - f.price) / decision) * 1e4;
  if (f.qty > 0) {
    if (f.venue === 'A') {
      t.slipA += slip * f.qty;
      t.qtyA += f.qty;
    } else {
      t.slipB += slip * f.qty;
      t.qtyB += f.qty;
    }
    if (t.worst === null || slip > t.worst) t.worst = slip;
  }
  if (f.unsized) t.unsized++;
  if (f.kind === 'OPEN') {
    const ordered = f.orderedQty ?? f.qty;
    t.ordered += ordered;
    t.filled += f.qty;
    if (f.qty === 0) {
      if (ordered > 0) t.missed++;
    } else if (f.qty < ordered * (1 - 1e-9)) t.partial++;
  }
}

function rowOf(symbol: string, t: Tally, oneAsset = true): ExecutionRow {
  const counted = t.counted > 0;
  return {
    symbol,
    legs: t.legs,
    fillRatio: t.ordered > 0 ? t.filled / t.ordered : null,
    partialLegs: t.partial,
    missedLegs: t.missed,
    slippageBpsA: t.qtyA > 0 ? t.slipA / t.qtyA : null,
    slippageBpsB: t.qtyB > 0 ? t.slipB / t.qtyB : null,
    worstSlippageBps: t.worst,
    unsizedLegs: t.unsized,
    beyondBookExits: counted ? t.beyondExits : null,
    beyondBookQtyA: counted && oneAsset ? t.beyondA : null,
    beyondBookQtyB: counted && oneAsset ? t.beyondB : null,
  };
}

/** The execution quality of a campaign: its ledgers (by shard), its stored config and the entries refused (by reason). */
export function executionQualityOf(
  ledgers: Readonly<Record<string, readonly Fill[]>>,
  config: Record<string, unknown>,
  refusals: Readonly<Record<string, number>>,
): ExecutionQuality {
  const settings = executionSettingsOf(config);
  const sizedModel = settings.model !== 'top';
  const bySymbol = new Map<string, Tally>();
  const total = emptyTally();
  let detailed = 0;
  for (const fills of Object.values(ledgers)) {
    for (const f of fills) {
      let t = bySymbol.get(f.symbol);
      if (t === undefined) {
        t = emptyTally();
        bySymbol.set(f.symbol, t);
      }
      count(t, f, sizedModel);
      count(total, f, sizedModel);
      if (f.decisionPrice !== undefined) detailed++;
    }
  }
  // Legs that read sizes: those with execution detail under a sized model.
  const sizes = !sizedModel || detailed === 0 || total.unsized === detailed ? 'unlimited' : total.unsized === 0 ? 'recorded' : 'partly';
  return {
    model: settings.model,
    latencyMs: settings.latencyMs,
    sizes,
    bySymbol: [...bySymbol.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([symbol, t]) => rowOf(symbol, t)),
    total: rowOf('total', total, bySymbol.size <= 1),
    refusedNoSize: refusals['no-size'] ?? 0,
    legsMissed: refusals['legs-missed'] ?? 0,
    sizedExits: { counted: total.counted, uncounted: total.uncounted },
  };
}

const HEADERS = [
  'Symbol',
  'Legs',
  'Fill ratio',
  'Partial legs',
  'Missed legs',
  'Slippage A (bps)',
  'Slippage B (bps)',
  'Worst leg (bps)',
  'Unsized legs',
  'Exits beyond book',
  'Beyond book A',
  'Beyond book B',
];

/** A base-asset quantity as the trades table writes it (8 significant digits: 0.01 − 0.001 reads 0.009). */
const quantity = (q: number) => String(Number(q.toPrecision(8)));

function cells(r: ExecutionRow): string[] {
  const bps = (x: number | null) => (x === null ? '–' : formatNumber(x, 2));
  return [
    r.symbol,
    formatCount(r.legs),
    r.fillRatio === null ? '–' : `${formatNumber(r.fillRatio * 100, 1)} %`,
    formatCount(r.partialLegs),
    formatCount(r.missedLegs),
    bps(r.slippageBpsA),
    bps(r.slippageBpsB),
    bps(r.worstSlippageBps),
    formatCount(r.unsizedLegs),
    r.beyondBookExits === null ? '–' : formatCount(r.beyondBookExits),
    r.beyondBookQtyA === null ? '–' : quantity(r.beyondBookQtyA),
    r.beyondBookQtyB === null ? '–' : quantity(r.beyondBookQtyB),
  ];
}

/**
 * What a sized model's exits did (`execution-model.ts`: exits always fill in full, the part beyond the displayed size at the last level
 * walked): counted from the close legs' `beyondBookQty` when they carry it (per venue, for the symbols that went beyond); a ledger
 * whose exit legs do not (fills written before it was recorded: /tmp/v7c/s15 took 0.01 on books showing 0.001 uncounted) keeps
 * the caveat that it is not counted.
 */
function exitsBeyondBook(e: ExecutionQuality): string {
  const { counted, uncounted } = e.sizedExits;
  const rest = 'any part beyond the displayed size at the last level shown';
  if (counted === 0 && uncounted > 0)
    return `exits always filled in full, ${rest} (the fills do not record the displayed size, so how much went beyond the book is not counted)`;
  if (counted === 0) return `exits always fill in full, ${rest} (no exit leg to count)`;
  const beyond = e.total.beyondBookExits ?? 0;
  const notCounted = uncounted > 0 ? `; ${formatCount(uncounted)} exit legs written before fills recorded it are not counted` : '';
  if (beyond === 0) return `exits always filled in full, none of ${formatCount(counted)} exit legs beyond the displayed size${notCounted}`;
  const where = e.bySymbol
    .filter((r) => (r.beyondBookExits ?? 0) > 0)
    .map((r) => `${r.symbol} A ${quantity(r.beyondBookQtyA ?? 0)}, B ${quantity(r.beyondBookQtyB ?? 0)}`)
    .join('; ');
  return `exits always filled in full: ${formatCount(beyond)} of ${formatCount(counted)} exit legs took more than the displayed size, the part beyond priced at the last level shown (beyond the book, base asset: ${where})${notCounted}`;
}

/** One sentence: the model, the latency assumed, and what was assumed about size. */
export function executionSummary(e: ExecutionQuality): string {
  const sizes =
    e.sizes === 'recorded'
      ? `entries filled within the recorded sizes; ${exitsBeyondBook(e)}`
      : e.sizes === 'partly'
        ? `${formatCount(e.total.unsizedLegs)} legs found no recorded size and assumed unlimited size; the other entries filled within the recorded sizes; ${exitsBeyondBook(e)}`
        : e.model === 'top'
          ? 'fills assumed unlimited size at the top of the book (model top reads no size)'
          : 'no sizes in the data: fills assumed unlimited size';
  return (
    `Model ${e.model}, latency assumed A ${formatNumber(e.latencyMs.a, 0)} ms, B ${formatNumber(e.latencyMs.b, 0)} ms; ${sizes}. ` +
    `Entries refused for want of size: ${formatCount(e.refusedNoSize)}; sent but both legs missed: ${formatCount(e.legsMissed)}.`
  );
}

/** The execution section in Markdown (`inline` escapes text from data for a table cell). */
export function executionMarkdown(e: ExecutionQuality, inline: (text: string) => string): string {
  const rows = [...e.bySymbol, e.total].map((r) => cells(r).map(inline));
  return ['### Execution', inline(executionSummary(e)), [HEADERS, HEADERS.map(() => '---'), ...rows].map((c) => `| ${c.join(' | ')} |`).join('\n')].join(
    '\n\n',
  );
}

/** The execution section in HTML. */
export function executionHtml(e: ExecutionQuality): string {
  const rows = [...e.bySymbol, e.total].map((r) => cells(r).map((c, i) => cell(c, i > 0)));
  return `<h3>Execution</h3><p id="execution-summary">${escapeHtml(executionSummary(e))}</p><div id="execution">${htmlTable(HEADERS, rows)}</div>`;
}
