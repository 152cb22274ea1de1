/**
 * `arbfleet trades DIR`: the trade blotter of a run folder, from its ledger (issue 21): one row
 * per trade, closed trades in close order then open ones, with entry and exit prices per venue,
 * each venue's entry quantity filled (and ordered: the CSV has both exact, the table `0.004 of
 * 0.01` when a leg filled less), the unhedged part when the legs filled different quantities (leg
 * risk: a bare position on one venue), the quote ages the entry was priced on, the exit reason and
 * the P&L in the reporting currency.
 * A table by default; `--csv` (RFC 4180, through csv-stringify) or `--json` (one JSON object per
 * line) for machines. `--symbol` keeps one symbol's trades.
 */
import { resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { systemClock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { loadReportInput } from '../core/report/build-report.js';
import { reportConfigOf } from '../core/report/report-config.js';
import { formatInstant } from '../core/report/report-format.js';
import { currencyDecimals, formatMoney, type Micros, sumMicros } from '../core/model/units.js';
import { tradeRowsOf } from '../core/report/trade-blotter.js';
import type { TradeRow } from '../core/report/trading-schema.js';
import { campaignInFolder } from './run-command.js';

export interface TradesOptions {
  symbol?: string;
  /** In a serve data folder: the campaign (`campaignInFolder`). */
  campaign?: string;
  csv?: boolean;
  json?: boolean;
}

/** A price to 8 significant digits (`3304.6683`, `0.45131053`): the venues' own precision, without float tails. */
function price(value: number | null): string | null {
  return value === null ? null : String(Number(value.toPrecision(8)));
}

/**
 * A trade's P&L as a cell: in the table to the reporting currency's decimals, as the report and the
 * total line write it (`1,250 KRW` has none); in CSV exact, all six decimals of the micro-units, so
 * the column sums to the ledger's total (rounded to cents, 111 trades summed to 27.67 against 27.66).
 */
function pnlCell(pnl: Micros, currency: string, exact: boolean): string {
  return formatMoney(pnl, '', { grouped: false, decimals: exact ? 6 : currencyDecimals(currency) });
}

/** A quantity: in CSV exact (every digit of the ledger's number), in the table to 8 significant digits. */
function qty(value: number, exact: boolean): string {
  return exact ? String(value) : String(Number(value.toPrecision(8)));
}

/** An entry leg's quantity in the table: `0.004 of 0.01` when it filled less than ordered. */
function filledCell(filled: number | null, ordered: number | null): string | null {
  if (filled === null) return null;
  return ordered !== null && filled < ordered * (1 - 1e-9) ? `${qty(filled, false)} of ${qty(ordered, false)}` : qty(filled, false);
}

/** One column: its header, the cell of a row (`-` for a missing value in the table, empty in CSV), and where it shows. */
interface Column {
  header: string;
  cell: (t: TradeRow, pnl: (m: Micros) => string) => string | number | null;
  right?: boolean;
  /** Only in the table (`table`) or only in CSV (`csv`); both when absent. */
  only?: 'table' | 'csv';
}

const COLUMNS: readonly Column[] = [
  { header: 'opened (UTC)', cell: (t) => formatInstant(t.openedAt) },
  { header: 'closed (UTC)', cell: (t) => (t.closedAt === null ? null : formatInstant(t.closedAt)) },
  { header: 'shard', cell: (t) => t.shardId },
  { header: 'symbol', cell: (t) => t.symbol },
  { header: 'trade', cell: (t) => t.tradeId, right: true },
  { header: 'direction', cell: (t) => t.direction },
  { header: 'entry A', cell: (t) => price(t.entryA), right: true },
  { header: 'entry B', cell: (t) => price(t.entryB), right: true },
  { header: 'exit A', cell: (t) => price(t.exitA), right: true },
  { header: 'exit B', cell: (t) => price(t.exitB), right: true },
  { header: 'filled A', cell: (t) => filledCell(t.qtyA, t.orderedQtyA), right: true, only: 'table' },
  { header: 'filled B', cell: (t) => filledCell(t.qtyB, t.orderedQtyB), right: true, only: 'table' },
  { header: 'unhedged', cell: (t) => (t.unhedged === null ? null : `${t.unhedged.venue} ${qty(t.unhedged.qty, false)}`), only: 'table' },
  { header: 'filled A', cell: (t) => (t.qtyA === null ? null : qty(t.qtyA, true)), only: 'csv' },
  { header: 'ordered A', cell: (t) => (t.orderedQtyA === null ? null : qty(t.orderedQtyA, true)), only: 'csv' },
  { header: 'filled B', cell: (t) => (t.qtyB === null ? null : qty(t.qtyB, true)), only: 'csv' },
  { header: 'ordered B', cell: (t) => (t.orderedQtyB === null ? null : qty(t.orderedQtyB, true)), only: 'csv' },
  { header: 'unhedged venue', cell: (t) => t.unhedged?.venue ?? null, only: 'csv' },
  { header: 'unhedged qty', cell: (t) => (t.unhedged === null ? null : qty(t.unhedged.qty, true)), only: 'csv' },
  { header: 'quote age A s', cell: (t) => t.quoteAgeASec, right: true },
  { header: 'quote age B s', cell: (t) => t.quoteAgeBSec, right: true },
  { header: 'exit reason', cell: (t) => t.exitReason ?? 'open' },
  { header: 'P&L', cell: (t, pnl) => (t.pnlMicros === null ? null : pnl(t.pnlMicros)), right: true },
];

/** Prints DIR's trades; exit 2 naming the folder or the symbol when either is not there. */
export async function tradesCommand(dir: string, options: TradesOptions, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (options.csv && options.json) throw new ValidationError([{ path: '--csv/--json', message: 'choose one output format' }]);
  const runDir = resolve(dir);
  const { campaignId, store } = await campaignInFolder(runDir, options.campaign);
  let rows: TradeRow[];
  let currency: string;
  try {
    const input = await loadReportInput(store, campaignId, systemClock.now());
    currency = reportConfigOf(input.campaign).currency;
    rows = tradeRowsOf(input.ledgers);
  } finally {
    store.close();
  }
  if (options.symbol !== undefined) {
    const symbols = [...new Set(rows.map((r) => r.symbol))].sort();
    if (!symbols.includes(options.symbol)) {
      const traded = symbols.length > 0 ? `symbols traded: ${symbols.join(', ')}` : 'no symbol traded';
      throw new ValidationError([{ path: '--symbol', message: `no trade of "${options.symbol}" in this run (${traded})` }], runDir);
    }
    rows = rows.filter((r) => r.symbol === options.symbol);
  }
  if (options.json) {
    out(rows.map((r) => `${JSON.stringify({ ...r, currency })}\n`).join(''));
    return CLI_EXIT.OK;
  }
  if (options.csv) {
    out(renderCsv(rows, currency));
    return CLI_EXIT.OK;
  }
  out(`${renderTable(rows, currency).join('\n')}\n`);
  return CLI_EXIT.OK;
}

/** The blotter as RFC 4180 CSV, a header line first; P&L exact to the micro-unit. */
export function renderCsv(rows: readonly TradeRow[], currency: string): string {
  const columns = COLUMNS.filter((c) => c.only !== 'table');
  const header = columns.map((c) => (c.header === 'P&L' ? `P&L ${currency}`.trim() : c.header));
  const pnl = (m: Micros) => pnlCell(m, currency, true);
  return stringify([header, ...rows.map((r) => columns.map((c) => c.cell(r, pnl) ?? ''))]);
}

/** The blotter as aligned text lines, then a total line. */
export function renderTable(rows: readonly TradeRow[], currency: string): string[] {
  const pnl = (m: Micros) => pnlCell(m, currency, false);
  const columns = COLUMNS.filter((c) => c.only !== 'csv');
  const cells = rows.map((r) => columns.map((c) => String(c.cell(r, pnl) ?? '-')));
  const header = columns.map((c) => (c.header === 'P&L' && currency ? `P&L ${currency}` : c.header));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (columns[i]?.right ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const closed = rows.filter((r) => r.pnlMicros !== null && r.closedAt !== null);
  const totalMicros = sumMicros(
    closed.map((r) => r.pnlMicros ?? 0),
    'trades[].pnlMicros',
  );
  const open = rows.length - closed.length;
  const total = `${rows.length} trade(s), ${closed.length} closed${open > 0 ? `, ${open} open` : ''}; realised P&L ${formatMoney(totalMicros, currency, { grouped: false })}`;
  return [line(header), ...cells.map(line), total];
}
