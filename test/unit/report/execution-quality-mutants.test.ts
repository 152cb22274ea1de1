/**
 * The execution section's figures where a narrowed mutation run (docs/mutation.md) found them
 * unchecked: the worst leg is the worst of all filled legs (not the first, and negative when every
 * leg filled better than decided); a missed leg's price is no fill; a run with no trades has no
 * ratio or slippage (not NaN, not 0); model `top` reads no sizes even with a latency, nor does a
 * fill without execution detail, nor an unsized exit; a leg of an order of 0 is not missed; some
 * legs unsized says so; the Markdown section is a heading, a sentence and a table, and the HTML table holds the figures.
 */
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../core/model/fill.js';
import { executionHtml, executionMarkdown, executionQualityOf, executionSummary } from '../../../core/report/execution-quality.js';
import { executionLeg } from './report-fixtures.js';

const leg = executionLeg;
/** A buy of 10 at `price` decided at 100: its slippage is `price − 100` %, in bps × 100. */
const buyAt = (price: number, over: Partial<Fill> = {}) => leg({ price, decisionPrice: 100, orderedQty: 10, ...over });
const close = { kind: 'CLOSE', reason: 'REVERSION' } as const;
const depth = { execution: { model: 'depth' } };

describe('execution quality: the figures', () => {
  it('the worst leg is the worst filled, wherever it is in the ledger', () => {
    const e = executionQualityOf({ s: [buyAt(99.9), buyAt(100.05), buyAt(100.3), buyAt(100.1)] }, depth, {});
    expect(e.total.worstSlippageBps).toBeCloseTo(30, 9);
  });

  it('every leg better than decided: the worst is the least better, negative', () => {
    const e = executionQualityOf({ s: [buyAt(99.8), buyAt(99.9)] }, depth, {});
    expect(e.total.worstSlippageBps).toBeCloseTo(-10, 9);
  });

  it('a missed leg (0 filled) is no fill: its price is in neither slippage nor the worst leg', () => {
    const e = executionQualityOf({ s: [buyAt(100.1), leg({ venue: 'B', side: 'SELL', qty: 0, price: 90, decisionPrice: 100, orderedQty: 10 })] }, depth, {});
    expect(e.total).toMatchObject({ missedLegs: 1, slippageBpsB: null, fillRatio: 0.5 });
    expect(e.total.worstSlippageBps).toBeCloseTo(10, 9);
  });

  it('a run with no trades: no fill ratio, slippage or worst leg', () => {
    const e = executionQualityOf({ 'shard-000': [] }, depth, {});
    expect(e.total).toMatchObject({ legs: 0, fillRatio: null, slippageBpsA: null, slippageBpsB: null, worstSlippageBps: null, beyondBookExits: null });
    expect(executionMarkdown(e, (t) => t)).toContain('| total | 0 | – | 0 | 0 | – | – | – | 0 | – | – | – |');
  });

  it('an entry leg of an order of 0 that filled 0 is not missed', () => {
    const e = executionQualityOf({ s: [buyAt(100), leg({ venue: 'B', side: 'SELL', qty: 0, decisionPrice: 100, orderedQty: 0 })] }, depth, {});
    expect(e.total.missedLegs).toBe(0);
  });
});

describe('execution quality: what is said about sizes', () => {
  it('model top with a latency writes execution detail but reads no size', () => {
    const e = executionQualityOf({ s: [buyAt(100.1), buyAt(100, { ...close, side: 'SELL' })] }, { execution: { model: 'top', latency: { a: 0.05 } } }, {});
    expect(e).toMatchObject({ sizes: 'unlimited', sizedExits: { counted: 0, uncounted: 0 } });
    expect(executionSummary(e)).toContain('(model top reads no size)');
  });

  it('under a sized model, fills without execution detail read no size (and say nothing of the book)', () => {
    const e = executionQualityOf({ s: [leg({}), leg({ ...close, side: 'SELL' })] }, depth, {});
    expect(e).toMatchObject({ sizes: 'unlimited', sizedExits: { counted: 0, uncounted: 0 } });
  });

  it('an unsized exit (no size in the data) is not an exit on a sized book', () => {
    const e = executionQualityOf({ s: [buyAt(100, { unsized: true }), buyAt(100, { ...close, side: 'SELL', unsized: true })] }, depth, {});
    expect(e).toMatchObject({ sizes: 'unlimited', sizedExits: { counted: 0, uncounted: 0 } });
  });

  it('some legs unsized: the summary says how many, and the entries refused', () => {
    const e = executionQualityOf({ s: [buyAt(100, { unsized: true }), buyAt(100)] }, depth, { 'no-size': 3, 'legs-missed': 1 });
    expect(e.sizes).toBe('partly');
    expect(executionSummary(e)).toBe(
      'Model depth, latency assumed A 0 ms, B 0 ms; 1 legs found no recorded size and assumed unlimited size; the other entries filled within the recorded sizes; ' +
        'exits always fill in full, any part beyond the displayed size at the last level shown (no exit leg to count). ' +
        'Entries refused for want of size: 3; sent but both legs missed: 1.',
    );
  });

  it('exits not recorded: the table says – for exits beyond the book, not 0', () => {
    const e = executionQualityOf({ s: [buyAt(100), buyAt(100, { ...close, side: 'SELL' })] }, depth, {});
    expect(e.sizedExits).toEqual({ counted: 0, uncounted: 1 });
    expect(executionMarkdown(e, (t) => t)).toContain('| 0 | – | – | – |');
  });
});

describe('execution quality: the rendered section', () => {
  it('a heading, the summary and a table with its separator row, each row on its line', () => {
    const e = executionQualityOf({ s: [buyAt(100.1), buyAt(100, { ...close, side: 'SELL', beyondBookQty: 0 })] }, depth, {});
    const [heading, summary, table, ...rest] = executionMarkdown(e, (t) => t).split('\n\n');
    expect([heading, summary, rest]).toEqual(['### Execution', executionSummary(e), []]);
    expect(table?.split('\n').map((line) => line.slice(0, 12))).toEqual(['| Symbol | L', '| --- | --- ', '| BTC | 2 | ', '| total | 2 ']);
  });

  it('in HTML, each row its figures: the symbol as text, the rest as numbers', () => {
    const e = executionQualityOf({ s: [buyAt(100.1), buyAt(100, { ...close, side: 'SELL', beyondBookQty: 0 })] }, depth, {});
    expect(executionHtml(e)).toContain(
      '<td>BTC</td><td class="num">2</td><td class="num">100 %</td><td class="num">0</td><td class="num">0</td><td class="num">5</td><td class="num">–</td>',
    );
  });
});
