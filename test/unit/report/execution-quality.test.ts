/**
 * The report's execution section (issue 19) on a crafted ledger with known answers: slippage per
 * leg against the decision price (bps, quantity-weighted, by venue, by symbol and in total), fill
 * ratio, partial and missed legs, the latency assumed, and what the report says about size: the
 * data had none (fills assumed unlimited size), model `top` reads none, or sizes were recorded.
 */
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../core/model/fill.js';
import { executionHtml, executionMarkdown, executionQualityOf, executionSummary } from '../../../core/report/execution-quality.js';
import { s5Ledger, executionLeg } from './report-fixtures.js';

const leg = executionLeg;

const config = { execution: { model: 'depth', latency: { a: 0.05, b: 0.12 } } };

describe('execution quality', () => {
  it('measures slippage against the decision price, fill ratio, partial and missed legs, by symbol and in total', () => {
    const ledgers = {
      'shard-000': [
        // BTC: A bought 10 at 100.5 decided at 100 (+50 bps); B sold 4 of 10 at 100.7 decided at 101 (+29.70 bps): a partial leg.
        leg({ venue: 'A', side: 'BUY', qty: 10, price: 100.5, decisionPrice: 100, orderedQty: 10 }),
        leg({ venue: 'B', side: 'SELL', qty: 4, price: 100.7, decisionPrice: 101, orderedQty: 10 }),
        // Its exits: A sold 10 at 99 decided at 99 (0 bps), B bought back 4 at 100.9 decided at 101 (−9.90 bps: better).
        leg({ venue: 'A', side: 'SELL', kind: 'CLOSE', reason: 'REVERSION', qty: 10, price: 99, decisionPrice: 99, orderedQty: 10 }),
        leg({ venue: 'B', side: 'BUY', kind: 'CLOSE', reason: 'REVERSION', qty: 4, price: 100.9, decisionPrice: 101, orderedQty: 4 }),
      ],
      'shard-001': [
        // ETH: B's leg missed (0 filled); A's filled in full at its decision price.
        leg({ symbol: 'ETH', tradeId: 1, venue: 'A', side: 'SELL', qty: 5, price: 50, decisionPrice: 50, orderedQty: 5 }),
        leg({ symbol: 'ETH', tradeId: 1, venue: 'B', side: 'BUY', qty: 0, price: 50.2, decisionPrice: 50, orderedQty: 5 }),
      ],
    };
    const e = executionQualityOf(ledgers, config, { 'no-size': 3, 'legs-missed': 1 });
    expect(e).toMatchObject({ model: 'depth', latencyMs: { a: 50, b: 120 }, sizes: 'recorded', refusedNoSize: 3, legsMissed: 1 });
    const [btc, eth] = e.bySymbol;
    expect(btc).toMatchObject({ symbol: 'BTC', legs: 4, partialLegs: 1, missedLegs: 0, unsizedLegs: 0 });
    expect(btc?.fillRatio).toBeCloseTo(14 / 20, 12);
    expect(btc?.slippageBpsA).toBeCloseTo((50 * 10 + 0 * 10) / 20, 9);
    expect(btc?.slippageBpsB).toBeCloseTo((((101 - 100.7) / 101) * 1e4 * 4 + ((100.9 - 101) / 101) * 1e4 * 4) / 8, 9);
    expect(btc?.worstSlippageBps).toBeCloseTo(50, 9);
    expect(eth).toMatchObject({ symbol: 'ETH', legs: 2, partialLegs: 0, missedLegs: 1, slippageBpsA: 0, slippageBpsB: null, fillRatio: 0.5 });
    expect(e.total).toMatchObject({ symbol: 'total', legs: 6, partialLegs: 1, missedLegs: 1 });
    expect(e.total.fillRatio).toBeCloseTo(19 / 30, 12);
    const md = executionMarkdown(e, (t) => t);
    expect(md).toContain('| BTC | 4 | 70 % | 1 | 0 | 25 | 9.9 | 50 | 0 |');
    // Exits always fill in full, beyond the book when it shows less (/tmp/v7c/s15): never "every leg filled against the recorded sizes".
    expect(md).toContain(
      'latency assumed A 50 ms, B 120 ms; entries filled within the recorded sizes; exits always filled in full, any part beyond the displayed size at the last level shown',
    );
    expect(md).not.toContain('every leg filled against the recorded sizes');
    const html = executionHtml(e);
    expect(html).toContain('<p id="execution-summary">Model depth, latency assumed A 50 ms, B 120 ms;');
    expect(html.match(/<tr>/g)?.length).toBe(4); // the header, BTC, ETH and the total
  });

  it('counts a missed entry leg once: the close of nothing after it is not a leg (/tmp/v7c/s5: B missed, the report said 2 missed)', () => {
    // The ledger of s5 (top-size, B 250 ms): A sold 0.01; B's buy found no size (0 of 0.01); the close buys A back and "sells" 0 on B.
    const s5 = { 'shard-000': s5Ledger() };
    const e = executionQualityOf(s5, { execution: { model: 'top-size', latency: { b: 0.25 } } }, {});
    expect(e.total).toMatchObject({ legs: 3, missedLegs: 1, partialLegs: 0, fillRatio: 0.5 });
  });

  it('counts what exits took beyond the displayed book per venue when the close legs record it, and says it is not counted when they do not', () => {
    const detail = (price: number, qty: number) => ({ decisionPrice: price, orderedQty: qty });
    const close = { kind: 'CLOSE', reason: 'REVERSION' } as const;
    const measured = {
      'shard-000': [
        leg({ venue: 'A', side: 'BUY', qty: 0.01, ...detail(100, 0.01) }),
        leg({ venue: 'B', side: 'SELL', qty: 0.01, ...detail(101, 0.01) }),
        leg({ venue: 'A', side: 'SELL', ...close, qty: 0.01, price: 99.9, ...detail(99.9, 0.01), beyondBookQty: 0.009 }),
        leg({ venue: 'B', side: 'BUY', ...close, qty: 0.01, price: 100.05, ...detail(100.05, 0.01), beyondBookQty: 0 }),
        leg({ symbol: 'ETH', tradeId: 1, venue: 'A', side: 'BUY', qty: 2, ...detail(100, 2) }),
        leg({ symbol: 'ETH', tradeId: 1, venue: 'B', side: 'SELL', qty: 2, ...detail(101, 2) }),
        leg({ symbol: 'ETH', tradeId: 1, venue: 'A', side: 'SELL', ...close, qty: 2, ...detail(100, 2), beyondBookQty: 0.5 }),
        leg({ symbol: 'ETH', tradeId: 1, venue: 'B', side: 'BUY', ...close, qty: 2, ...detail(100, 2), beyondBookQty: 1.25 }),
      ],
    };
    const e = executionQualityOf(measured, { execution: { model: 'depth' } }, {});
    expect(e.sizedExits).toEqual({ counted: 4, uncounted: 0 });
    expect(e.bySymbol.map((r) => [r.symbol, r.beyondBookExits, r.beyondBookQtyA, r.beyondBookQtyB])).toEqual([
      ['BTC', 1, 0.009, 0],
      ['ETH', 2, 0.5, 1.25],
    ]);
    // Two base assets: the total counts exits but adds no quantities.
    expect(e.total).toMatchObject({ beyondBookExits: 3, beyondBookQtyA: null, beyondBookQtyB: null });
    const md = executionMarkdown(e, (t) => t);
    expect(md).toContain(
      'exits always filled in full: 3 of 4 exit legs took more than the displayed size, the part beyond priced at the last level shown (beyond the book, base asset: BTC A 0.009, B 0; ETH A 0.5, B 1.25)',
    );
    expect(md).toContain('| Exits beyond book | Beyond book A | Beyond book B |');
    expect(md).toContain('| 0 | 1 | 0.009 | 0 |');
    expect(md).toContain('| total | 8 |');
    expect(md).toContain('| 3 | – | – |');
    expect(md).not.toContain('not counted');
    expect(executionHtml(e)).toContain('3 of 4 exit legs took more than the displayed size');

    // Every exit within the book: counted, none beyond.
    const within = { s: (measured['shard-000'] as Fill[]).slice(0, 4).map((f) => (f.kind === 'CLOSE' ? { ...f, beyondBookQty: 0 } : f)) };
    const held = executionQualityOf(within, { execution: { model: 'top-size' } }, {});
    expect(held.total).toMatchObject({ beyondBookExits: 0, beyondBookQtyA: 0, beyondBookQtyB: 0 });
    expect(executionSummary(held)).toContain('exits always filled in full, none of 2 exit legs beyond the displayed size.');

    // Older fills without the field keep the caveat; a ledger mixing both counts what it can and says what it could not.
    const older = { s: (measured['shard-000'] as Fill[]).slice(0, 4).map(({ beyondBookQty: _b, ...f }) => f) };
    const uncounted = executionQualityOf(older, { execution: { model: 'top-size' } }, {});
    expect(uncounted.sizedExits).toEqual({ counted: 0, uncounted: 2 });
    expect(uncounted.total.beyondBookExits).toBeNull();
    expect(executionSummary(uncounted)).toContain('(the fills do not record the displayed size, so how much went beyond the book is not counted)');
    const mixed = executionQualityOf({ ...measured, 'shard-001': older.s.map((f) => ({ ...f, symbol: 'SOL' })) }, { execution: { model: 'depth' } }, {});
    expect(executionSummary(mixed)).toContain('3 of 4 exit legs took more than the displayed size');
    expect(executionSummary(mixed)).toContain('; 2 exit legs written before fills recorded it are not counted.');
  });

  it('says fills assumed unlimited size when the data had no sizes, and when the model reads none', () => {
    const unsized = {
      s: [leg({ decisionPrice: 100, orderedQty: 10, unsized: true }), leg({ venue: 'B', side: 'SELL', decisionPrice: 100, orderedQty: 10, unsized: true })],
    };
    const sizedModel = executionQualityOf(unsized, { execution: { model: 'top-size', latency: { a: 0, b: 0 } } }, {});
    expect(sizedModel.sizes).toBe('unlimited');
    expect(executionSummary(sizedModel)).toContain('no sizes in the data: fills assumed unlimited size');
    const top = executionQualityOf({ s: [leg({}), leg({ venue: 'B', side: 'SELL' })] }, {}, {});
    expect(top).toMatchObject({ model: 'top', sizes: 'unlimited', latencyMs: { a: 0, b: 0 } });
    expect(top.total).toMatchObject({ fillRatio: 1, slippageBpsA: 0, slippageBpsB: 0 });
    expect(executionSummary(top)).toContain('fills assumed unlimited size at the top of the book (model top reads no size)');
    const partly = executionQualityOf(
      { s: [unsized.s[0] as Fill, leg({ venue: 'B', side: 'SELL', decisionPrice: 100, orderedQty: 10 })] },
      { execution: { model: 'depth' } },
      {},
    );
    expect(partly.sizes).toBe('partly');
  });
});
