/**
 * The stale-entry row on the real engine's fills: every fill carries the event times of both
 * venues' quotes it was priced on (`quoteTsA`, `quoteTsB`), so the report sees the age of the
 * other venue's quote at an entry, which an opening fill's own `eventTs` (always its `ts`) cannot
 * show. With the engine's quote-age gate working the row passes on its fills; were the gate to let
 * an entry on a stale venue B quote through, the row would fail on them.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../engine-task/src/engine.js';
import { FillSchema } from '../../../core/model/fill.js';
import { tradingAcceptanceOf, tradingConfigOf } from '../../../core/report/trading.js';
import { testCampaign, T0 } from '../../support/campaigns.js';

/** maxQuoteAge 10 s; the hand-worked entry of data-gates.test.ts: B's bid 45 bps over A's ask at 1,380. */
function engine(): Engine {
  return new Engine({ campaign: testCampaign({ symbols: ['BTC'], strategy: { maxQuoteAge: 10 } }), symbols: ['BTC'], generation: 0, wallClock: () => 42 });
}
const quoteA = (e: Engine, ts: number) => e.onQuote(0, 137_990_000, 138_000_000, ts);
const quoteB = (e: Engine, ts: number) => e.onQuote(1, 100_450, 100_460, ts);
const config = tradingConfigOf({ strategy: { maxQuoteAge: 10 } });

describe("fills carry both venues' quote times, and the stale-entry row judges them", () => {
  it("an entry decided on venue A's update records venue B's older quote time on both legs", () => {
    const e = engine();
    quoteB(e, T0);
    quoteA(e, T0 + 10_000); // B's quote exactly maxQuoteAge old: allowed
    const fills = e.drainFills();
    expect(fills).toHaveLength(2);
    for (const f of fills) {
      expect(FillSchema.parse(f)).toEqual(f);
      expect(f).toMatchObject({ ts: T0 + 10_000, eventTs: T0 + 10_000, quoteTsA: T0 + 10_000, quoteTsB: T0 });
    }
    expect(tradingAcceptanceOf({ 'shard-000': fills }, [], [], {}, config)[0]).toMatchObject({
      pass: true,
      result: '1 of 1 entries fresh; 0 stale entries refused',
    });
  });

  it("refuses an entry while venue B's quote is 1 ms past maxQuoteAge, so the row passes on what the engine did", () => {
    const e = engine();
    quoteB(e, T0);
    quoteA(e, T0 + 10_001);
    const fills = e.drainFills();
    const refusals = e.risk.refusals();
    expect(tradingAcceptanceOf({ 'shard-000': fills }, [], [], refusals, config)[0]).toMatchObject({
      pass: true,
      result: `0 of 0 entries fresh; ${refusals['stale-quote-b']} stale entries refused`,
    });
    expect(refusals['stale-quote-b']).toBe(1);
  });

  it('closes carry the quote times they were priced on too', () => {
    const e = engine();
    quoteA(e, T0);
    quoteB(e, T0);
    e.onTimer(T0 + 130_000); // past maxHolding (120 s): closed on quotes 130 s old, flagged
    const [closeA, closeB] = e.drainFills().filter((f) => f.kind === 'CLOSE');
    expect(closeA).toMatchObject({ reason: 'MAX_HOLDING', eventTs: T0 + 130_000, quoteTsA: T0, quoteTsB: T0, staleQuote: true });
    expect(closeB).toMatchObject({ quoteTsA: T0, quoteTsB: T0, staleQuote: true });
  });
});
