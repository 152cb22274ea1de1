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
    'beyond the displayed size at the last level shown, and a fill does not record the displayed size, so the report cannot count how much an exit ' +
    'took beyond the book. ' +
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
}

const emptyTally = (): Tally => ({ legs: 0, ordered: 0, filled: 0, partial: 0, missed: 0, slipA: 0, qtyA: 0, slipB: 0, qtyB: 0, worst: null, unsized: 0 });

/**
 * Counts one fill into `t`. A close of quantity 0 is not a leg (nothing was open on its venue: its entry
 * leg missed and was counted missed once, there); a missed leg is an entry leg that filled 0 of an order above 0.
 */
function count(t: Tally, f: Fill): void {
  if (f.kind === 'CLOSE' && f.qty === 0) return;
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

function rowOf(symbol: string, t: Tally): ExecutionRow {
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
  };
}

/** The execution quality of a campaign: its ledgers (by shard), its stored config and the entries refused (by reason). */
export function executionQualityOf(
  ledgers: Readonly<Record<string, readonly Fill[]>>,
  config: Record<string, unknown>,
  refusals: Readonly<Record<string, number>>,
): ExecutionQuality {
  const settings = executionSettingsOf(config);
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
      count(t, f);
      count(total, f);
      if (f.decisionPrice !== undefined) detailed++;
    }
  }
  // Legs that read sizes: those with execution detail under a sized model.
  const sizedModel = settings.model !== 'top';
  const sizes = !sizedModel || detailed === 0 || total.unsized === detailed ? 'unlimited' : total.unsized === 0 ? 'recorded' : 'partly';
  return {
    model: settings.model,
    latencyMs: settings.latencyMs,
    sizes,
    bySymbol: [...bySymbol.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([symbol, t]) => rowOf(symbol, t)),
    total: rowOf('total', total),
    refusedNoSize: refusals['no-size'] ?? 0,
    legsMissed: refusals['legs-missed'] ?? 0,
  };
}

const HEADERS = ['Symbol', 'Legs', 'Fill ratio', 'Partial legs', 'Missed legs', 'Slippage A (bps)', 'Slippage B (bps)', 'Worst leg (bps)', 'Unsized legs'];

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
  ];
}

/**
 * What a sized model's exits did (`execution-model.ts`: exits always fill in full, the part beyond the
 * displayed size at the last level walked): the fills carry no displayed size, so how much went beyond
 * the book cannot be counted from the ledger (/tmp/v7c/s15: exits took 0.01 on books showing 0.001).
 */
const EXITS_BEYOND_BOOK =
  'exits always filled in full, any part beyond the displayed size at the last level shown (the fills do not record the displayed size, so how much went beyond the book is not counted)';

/** One sentence: the model, the latency assumed, and what was assumed about size. */
export function executionSummary(e: ExecutionQuality): string {
  const sizes =
    e.sizes === 'recorded'
      ? `entries filled within the recorded sizes; ${EXITS_BEYOND_BOOK}`
      : e.sizes === 'partly'
        ? `${formatCount(e.total.unsizedLegs)} legs found no recorded size and assumed unlimited size; the other entries filled within the recorded sizes; ${EXITS_BEYOND_BOOK}`
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
