/**
 * `arbfleet trades` money cells (found trying arbfleet as a new user): the CSV's P&L column was
 * rounded to cents, so 111 trades summed to 27.67 USDT against the ledger's and the total line's
 * 27.66; and the table wrote a KRW trade's P&L with two decimals (679.86) beside a total and a
 * report that write KRW with none (-2,810 KRW).
 */
import { describe, expect, it } from 'vitest';
import { renderCsv, renderTable } from '../../../cli/trades-command.js';
import type { Micros } from '../../../core/model/units.js';
import type { TradeRow } from '../../../core/report/trading-schema.js';

function trade(tradeId: number, pnlMicros: number): TradeRow {
  return {
    shardId: 'shard-000',
    symbol: 'XRP',
    tradeId,
    direction: 'sell-a-buy-b',
    openedAt: 1_796_649_059_059 + tradeId,
    closedAt: 1_796_649_060_459 + tradeId,
    entryA: 3039.3145,
    entryB: 2.1936697,
    exitA: 3034.5039,
    exitB: 2.1978858,
    qtyA: 0.5,
    qtyB: 0.5,
    orderedQtyA: null,
    orderedQtyB: null,
    unhedged: null,
    quoteAgeASec: 0.01,
    quoteAgeBSec: 0,
    exitReason: 'REVERSION',
    pnlMicros: pnlMicros as Micros,
    returnOnNotional: null,
  };
}

// Three trades whose cents-rounded P&Ls (0.49 + 0.49 + 0.49 = 1.47) are not their sum rounded (1.48).
const rows = [trade(0, 494_952), trade(1, 494_952), trade(2, 494_952)];

describe('arbfleet trades: money cells', () => {
  it('writes CSV P&L exact to the micro-unit, so the column sums to the total line', () => {
    // No cell here holds a comma or a quote: each line splits on commas.
    const [header, ...lines] = renderCsv(rows, 'USDT').trim().split('\n');
    expect(header?.split(',').at(-1)).toBe('P&L USDT');
    const pnls = lines.map((l) => l.split(',').at(-1));
    expect(pnls).toEqual(['0.494952', '0.494952', '0.494952']);
    const columnMicros = pnls.reduce((sum, p) => sum + Math.round(Number(p) * 1e6), 0);
    expect(columnMicros).toBe(3 * 494_952);
    expect(renderTable(rows, 'USDT').at(-1)).toBe('3 trade(s), 3 closed; realised P&L 1.48 USDT');
  });

  it("writes the table's P&L cells to the currency's decimals, as its total line does", () => {
    const krw = [trade(0, 679_860_000), trade(1, -3_489_653_728)];
    const table = renderTable(krw, 'KRW');
    expect(table[1]).toMatch(/ 680$/);
    expect(table[2]).toMatch(/ -3490$/);
    expect(table.at(-1)).toBe('2 trade(s), 2 closed; realised P&L -2810 KRW');
    expect(renderTable([trade(0, 494_952)], 'USDT')[1]).toMatch(/ 0\.49$/);
  });
});

describe('arbfleet trades: quantities and the unhedged part (/tmp/v7c/s5: B missed, a bare short on A read as a hedged trade)', () => {
  const s5: TradeRow = {
    ...trade(0, 9_900_000),
    entryB: null,
    exitB: null,
    qtyA: 0.01,
    qtyB: 0,
    orderedQtyA: 0.01,
    orderedQtyB: 0.01,
    unhedged: { venue: 'A', qty: 0.01 },
  };
  const partial: TradeRow = { ...s5, qtyB: 0.004999999999999999, orderedQtyB: 0.01, unhedged: { venue: 'A', qty: 0.005000000000000001 } };

  it('writes each leg filled and ordered, and the unhedged venue and quantity, exact in CSV', () => {
    const [header, first, second] = renderCsv([s5, partial], 'USDT').trim().split('\n');
    const columns = header?.split(',') ?? [];
    const at = (line: string | undefined, name: string) => line?.split(',')[columns.indexOf(name)];
    expect(columns).toEqual(expect.arrayContaining(['filled A', 'ordered A', 'filled B', 'ordered B', 'unhedged venue', 'unhedged qty']));
    expect([
      at(first, 'entry B'),
      at(first, 'filled A'),
      at(first, 'filled B'),
      at(first, 'ordered B'),
      at(first, 'unhedged venue'),
      at(first, 'unhedged qty'),
    ]).toEqual(['', '0.01', '0', '0.01', 'A', '0.01']);
    expect([at(second, 'filled B'), at(second, 'unhedged qty')]).toEqual(['0.004999999999999999', '0.005000000000000001']);
    expect(
      at(
        renderCsv([trade(1, 1)], 'USDT')
          .trim()
          .split('\n')[1],
        'unhedged venue',
      ),
    ).toBe('');
  });

  it('writes the table with `of` the order on a short leg and the unhedged part', () => {
    const [header, first, second, hedged] = renderTable([s5, partial, trade(1, 1)], 'USDT');
    expect(header).toMatch(/filled A +filled B +unhedged/);
    expect(first).toMatch(/ 0\.01 +0 of 0\.01 +A 0\.01 /);
    expect(second).toMatch(/ 0\.01 +0\.005 of 0\.01 +A 0\.005 /);
    expect(hedged).toMatch(/ 0\.5 +0\.5 +- /);
  });
});
