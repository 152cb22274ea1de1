/**
 * The report's trading section, as Markdown and as HTML: the trading acceptance rows, trade
 * statistics, P&L by exit reason, positions left open, data quality per venue, entries refused,
 * and the premium with its baseline over time (inline SVG, nothing when no heartbeat carried it).
 */
import { paddedRange } from './chart-scale.js';
import { cell, htmlTable } from './html-page.js';
import { escapeHtml } from './html-text.js';
import { formatCount, formatInstant, formatMoney, formatNumber } from './report-format.js';
import { type Micros, meanMicros } from '../model/units.js';
import { SERIES_COLOURS } from './svg-chart.js';
import { premiumCharts } from './premium-charts.js';
import { explainRefusal } from './refusal-words.js';
import type { PremiumSeries, RiskFigures, SymbolPnlRow, TradeRow, TradingReport, VenueQualityRow } from './trading-schema.js';

/** The trade table shows the best and the worst this many trades by P&L (every trade is in report.json). */
export const TRADE_TABLE_N = 10;

const percent = (share: number | null) => (share === null ? '–' : `${formatNumber(share * 100, 1)} %`);
const money = (amount: Micros | null, currency: string) => (amount === null ? '–' : formatMoney(amount, currency));
const seconds = (s: number | null) => (s === null ? '–' : `${formatNumber(s, 1)} s`);
const skippedText = (skipped: Record<string, number>) =>
  Object.entries(skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${formatCount(n)}`)
    .join(', ') || 'none';

/** Refusal reasons that happened, most first. */
const refused = (t: TradingReport) =>
  Object.entries(t.refusals)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1]);

function statsRows(t: TradingReport, currency: string): [string, string][] {
  const s = t.stats;
  return [
    ['Closed trades', formatCount(s.trades)],
    ['Win rate', percent(s.winRate)],
    ['Realised P&L (ledger)', formatMoney(s.pnlMicros, currency)],
    ['P&L per trade', money(s.pnlPerTradeMicros, currency)],
    ['Max drawdown', formatMoney(s.maxDrawdownMicros, currency)],
    ['Closed at the campaign end', `${formatCount(s.campaignEndCloses)} (CAMPAIGN_END, at the last quotes)`],
    ['Open at the end', formatCount(t.openAtEnd.filter((p) => p.state === 'open').length)],
    ['Closed at a stale price', formatCount(t.openAtEnd.filter((p) => p.state === 'stale-close').length)],
    ...(t.risk
      ? ([
          ['Profit factor', profitFactorText(t.risk)],
          ['Sharpe (per trade, not annualised)', sharpeText(t.risk)],
        ] as [string, string][])
      : []),
  ];
}

/** Profit factor in words: the ratio, `∞ (no losing trade)` or `n/a (…)`. */
export function profitFactorText(r: RiskFigures): string {
  if (r.profitFactor !== null) return formatNumber(r.profitFactor, 2);
  if (r.profitFactorNote === 'no-trade') return 'n/a (no closed trade)';
  return r.grossProfitMicros > 0 ? '∞ (no losing trade)' : 'n/a (no profit, no loss)';
}

/** The per-trade Sharpe ratio with its sample size, or why there is none. */
export function sharpeText(r: RiskFigures): string {
  if (r.sharpePerTrade !== null) return `${formatNumber(r.sharpePerTrade, 3)} over ${formatCount(r.sharpeSamples)} trades`;
  return r.sharpeSamples < 2 ? `n/a (${formatCount(r.sharpeSamples)} closed trade(s), needs 2)` : 'n/a (every trade returned the same)';
}

const SYMBOL_HEADERS = ['Symbol', 'Trades', 'Wins', 'Win rate', 'P&L', 'Best trade', 'Worst trade'];
function symbolCells(r: SymbolPnlRow, currency: string): string[] {
  return [
    r.symbol,
    formatCount(r.trades),
    formatCount(r.wins),
    percent(r.winRate),
    formatMoney(r.pnlMicros, currency),
    formatMoney(r.bestMicros, currency),
    formatMoney(r.worstMicros, currency),
  ];
}

const TRADE_HEADERS = [
  'Shard',
  'Symbol',
  'Trade',
  'Direction',
  'Opened',
  'Closed',
  'Entry A / B',
  'Exit A / B',
  'Filled A / B',
  'Quote age A / B at entry',
  'Exit reason',
  'P&L',
];
const price = (p: number | null) => (p === null ? '–' : formatNumber(p, 8));
function tradeCells(r: TradeRow, currency: string): string[] {
  return [
    r.shardId,
    r.symbol,
    String(r.tradeId),
    r.direction === 'sell-a-buy-b' ? 'sell A / buy B' : 'buy A / sell B',
    formatInstant(r.openedAt),
    formatInstant(r.closedAt),
    `${price(r.entryA)} / ${price(r.entryB)}`,
    `${price(r.exitA)} / ${price(r.exitB)}`,
    filledText(r),
    `${seconds3(r.quoteAgeASec)} / ${seconds3(r.quoteAgeBSec)}`,
    r.exitReason ?? 'open',
    r.pnlMicros === null ? '–' : formatMoney(r.pnlMicros, currency),
  ];
}
/** A quantity to 8 significant digits (`0.005`, not `0.004999999999999999`; `arbfleet trades --csv` has it exact). */
const quantity = (q: number) => String(Number(q.toPrecision(8)));

/**
 * Each venue's entry quantity, `of` its order when it filled less (`0.01 / 0 of 0.01`), and the
 * unhedged part when the legs differ (`⚠ unhedged A 0.01`): one side of the trade was a bare position.
 */
export function filledText(r: TradeRow): string {
  const leg = (qty: number | null, ordered: number | null) =>
    qty === null ? '–' : ordered !== null && qty < ordered * (1 - 1e-9) ? `${quantity(qty)} of ${quantity(ordered)}` : quantity(qty);
  const legs = `${leg(r.qtyA, r.orderedQtyA)} / ${leg(r.qtyB, r.orderedQtyB)}`;
  return r.unhedged === null ? legs : `${legs} ⚠ unhedged ${r.unhedged.venue} ${quantity(r.unhedged.qty)}`;
}
const seconds3 = (s: number | null) => (s === null ? '–' : `${formatNumber(s, 3)} s`);

/**
 * The closed trades the tables show, and their heading: every one when there are at most 2 × N,
 * else the best N and the worst N by P&L (ties: close order).
 */
export function tradeTableOf(t: TradingReport): { heading: string; best: TradeRow[]; worst: TradeRow[] } {
  const closed = (t.trades ?? []).filter((r) => r.pnlMicros !== null);
  const open = (t.trades ?? []).length - closed.length;
  const openWords = open > 0 ? `; ${formatCount(open)} open trade(s) are in report.json` : '';
  if (closed.length <= 2 * TRADE_TABLE_N)
    return { heading: `All ${formatCount(closed.length)} closed trades, in close order${openWords}`, best: closed, worst: [] };
  const byPnl = [...closed].sort((x, y) => (y.pnlMicros as number) - (x.pnlMicros as number));
  return {
    heading: `Best ${TRADE_TABLE_N} and worst ${TRADE_TABLE_N} of ${formatCount(closed.length)} closed trades by P&L (every trade is in report.json${openWords})`,
    best: byPnl.slice(0, TRADE_TABLE_N),
    worst: byPnl.slice(-TRADE_TABLE_N).reverse(),
  };
}

function venueCells(v: VenueQualityRow): string[] {
  const bound = v.maxAgeSec === null || v.maxAgeSec === undefined ? 'no bound' : `≤ ${formatNumber(v.maxAgeSec, 3)} s`;
  const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${formatNumber(x, 0)} ms`);
  return [
    v.name,
    formatCount(v.updates),
    `${percent(v.coverage)} (${bound})`,
    formatCount(v.gaps),
    seconds(v.ageP50Sec),
    seconds(v.ageP99Sec),
    v.agedBy ?? '–',
    v.agedBy === 'exchange' ? `${ms(v.lagP50Ms)} / ${ms(v.lagP99Ms)}` : '–',
    ms(v.clockOffsetMs),
    v.lateFrames === undefined ? '–' : `${formatCount(v.lateFrames)} (${formatCount(v.lateBursts ?? 0)})`,
    skippedText(v.skipped),
    v.source,
  ];
}
const VENUE_HEADERS = [
  'Venue',
  'Updates',
  'Coverage (age bound)',
  'Gaps',
  'Age p50',
  'Age p99',
  'Aged by',
  'Arrival lag p50 / p99',
  'Clock offset',
  'Late frames (bursts)',
  'Skipped',
  'Source',
];

/** The trading section in Markdown (`inline` escapes text from data for a table cell). */
export function tradingMarkdown(t: TradingReport, currency: string, inline: (text: string) => string): string {
  const table = (headers: readonly string[], rows: readonly string[][]) =>
    [headers, headers.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const parts = [
    '## Trading',
    table(
      ['Criterion', 'Target', 'Result', 'Status'],
      t.acceptance.map((a) => [`**${inline(a.criterion)}**`, inline(a.target), inline(a.result), a.pass ? '✅ PASS' : '❌ FAIL']),
    ),
    table(
      ['', ''],
      statsRows(t, currency).map(([k, v]) => [k, inline(v)]),
    ),
    '### P&L by exit reason',
    t.stats.byExitReason.length === 0
      ? 'No closed trade.'
      : table(
          ['Exit reason', 'Trades', 'Wins', 'P&L', 'P&L per trade'],
          t.stats.byExitReason.map((r) => [
            r.reason,
            formatCount(r.trades),
            formatCount(r.wins),
            formatMoney(r.pnlMicros, currency),
            formatMoney(meanMicros(r.pnlMicros, r.trades, 'byExitReason[].pnlMicros'), currency),
          ]),
        ),
    '### Left open or closed at a stale price',
    t.openAtEnd.length === 0
      ? 'Every trade was closed, none at a stale price.'
      : table(
          ['Shard', 'Symbol', 'Trade', 'Opened', 'State'],
          t.openAtEnd.map((p) => [
            inline(p.shardId),
            inline(p.symbol),
            String(p.tradeId),
            formatInstant(p.openedAt),
            p.state === 'open' ? 'never closed' : 'closed at a stale price',
          ]),
        ),
    '### Data quality per venue',
    t.venues.length === 0
      ? 'No heartbeat carried per-venue quality.'
      : table(
          VENUE_HEADERS,
          t.venues.map((v) => venueCells(v).map(inline)),
        ),
    '### Entries refused',
    refused(t).length === 0
      ? 'None.'
      : table(
          ['Reason', 'Entries', 'Why'],
          refused(t).map(([r, n]) => [inline(r), formatCount(n), inline(explainRefusal(r))]),
        ),
  ];
  const at = parts.indexOf('### Left open or closed at a stale price');
  if (t.trades) {
    const { heading, best, worst } = tradeTableOf(t);
    const rows = (list: readonly TradeRow[]) => list.map((r) => tradeCells(r, currency).map(inline));
    parts.splice(
      at,
      0,
      `### Trades: ${heading}`,
      best.length === 0
        ? 'No closed trade.'
        : worst.length === 0
          ? table(TRADE_HEADERS, rows(best))
          : `Best:\n\n${table(TRADE_HEADERS, rows(best))}\n\nWorst:\n\n${table(TRADE_HEADERS, rows(worst))}`,
    );
  }
  if (t.bySymbol) {
    parts.splice(
      at,
      0,
      '### P&L per symbol',
      t.bySymbol.length === 0
        ? 'No closed trade.'
        : table(
            SYMBOL_HEADERS,
            t.bySymbol.map((r) => symbolCells(r, currency).map(inline)),
          ),
    );
  }
  const premium = t.premium.filter((p) => p.points.length > 0);
  if (premium.length > 0) {
    parts.push(
      '### Premium and baseline',
      table(
        ['Shard', 'Symbol', 'Points', 'Premium first → last (bps)', 'Baseline last (bps)'],
        premium.map((p) => {
          const first = p.points[0];
          const last = p.points.at(-1);
          return [
            inline(p.shardId),
            inline(p.symbol),
            formatCount(p.points.length),
            `${formatNumber(first?.premiumBps ?? 0, 1)} → ${formatNumber(last?.premiumBps ?? 0, 1)}`,
            last?.baselineBps == null ? '–' : formatNumber(last.baselineBps, 1),
          ];
        }),
      ),
    );
  }
  return parts.join('\n\n');
}

/** The trading section in HTML. */
export function tradingHtml(t: TradingReport, currency: string): string {
  const acceptance = t.acceptance.map((a) => [
    cell(a.criterion),
    cell(a.target),
    cell(a.result),
    `<td class="${a.pass ? 'pass' : 'fail'}" data-trading-criterion="${escapeHtml(a.id)}">${a.pass ? '✓ PASS' : '✗ FAIL'}</td>`,
  ]);
  const stats = statsRows(t, currency);
  const reasons = t.stats.byExitReason.map((r) => [
    cell(r.reason),
    cell(r.trades, true),
    cell(r.wins, true),
    cell(formatMoney(r.pnlMicros, currency), true),
    cell(formatMoney(meanMicros(r.pnlMicros, r.trades, 'byExitReason[].pnlMicros'), currency), true),
  ]);
  const open = t.openAtEnd.map((p) => [
    cell(p.shardId),
    cell(p.symbol),
    cell(p.tradeId, true),
    cell(formatInstant(p.openedAt)),
    cell(p.state === 'open' ? 'never closed' : 'closed at a stale price'),
  ]);
  return [
    '<h2>Trading</h2>',
    `<div id="trading-acceptance">${htmlTable(['Criterion', 'Target', 'Result', 'Status'], acceptance)}</div>`,
    `<div class="summary" id="trade-stats">${stats.map(([k, v]) => `<div><span class="muted">${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`).join('')}</div>`,
    '<h3>P&amp;L by exit reason</h3>',
    reasons.length === 0
      ? '<p class="empty">No closed trade.</p>'
      : `<div id="exit-reasons">${htmlTable(['Exit reason', 'Trades', 'Wins', 'P&L', 'P&L per trade'], reasons)}</div>`,
    symbolHtml(t, currency),
    tradesHtml(t, currency),
    '<h3>Left open or closed at a stale price</h3>',
    open.length === 0
      ? '<p>Every trade was closed, none at a stale price.</p>'
      : `<div id="open-at-end">${htmlTable(['Shard', 'Symbol', 'Trade', 'Opened', 'State'], open)}</div>`,
    '<h3>Data quality per venue</h3>',
    t.venues.length === 0
      ? '<p class="empty">No heartbeat carried per-venue quality.</p>'
      : `<div id="venue-quality">${htmlTable(
          VENUE_HEADERS,
          t.venues.map((v) => venueCells(v).map((c, i) => cell(c, i >= 1 && i <= 5))),
        )}</div>`,
    '<h3>Entries refused</h3>',
    refused(t).length === 0
      ? '<p>None.</p>'
      : `<div id="refusals">${htmlTable(
          ['Reason', 'Entries', 'Why'],
          refused(t).map(([r, n]) => [cell(r), cell(n, true), cell(explainRefusal(r))]),
        )}</div>`,
    t.trades ? premiumCharts(t.premium, t.trades, t.entryThresholdBps ?? null) : premiumChart(t.premium),
  ].join('\n');
}

function symbolHtml(t: TradingReport, currency: string): string {
  if (!t.bySymbol) return '';
  const rows = t.bySymbol.map((r) => symbolCells(r, currency).map((c, i) => cell(c, i > 0)));
  return `<h3>P&amp;L per symbol</h3>${rows.length === 0 ? '<p class="empty">No closed trade.</p>' : `<div id="symbol-pnl">${htmlTable(SYMBOL_HEADERS, rows)}</div>`}`;
}

function tradesHtml(t: TradingReport, currency: string): string {
  if (!t.trades) return '';
  const { heading, best, worst } = tradeTableOf(t);
  const table = (id: string, list: readonly TradeRow[]) =>
    `<div id="${id}">${htmlTable(
      TRADE_HEADERS,
      list.map((r) => tradeCells(r, currency).map((c, i) => cell(c, i === 2 || (i >= 6 && i !== 10)))),
    )}</div>`;
  const body =
    best.length === 0
      ? '<p class="empty">No closed trade.</p>'
      : worst.length === 0
        ? table('trades-all', best)
        : `<p>Best</p>${table('trades-best', best)}<p>Worst</p>${table('trades-worst', worst)}`;
  return `<h3>Trades: ${escapeHtml(heading)}</h3>${body}`;
}

const W = 760;
const H = 240;
const M = { left: 60, right: 16, top: 12, bottom: 30 };

/**
 * The premium (solid) and its baseline (dashed) per shard and symbol over engine time, bps; the
 * y axis spans negative values (a premium sits on either side of zero). Empty string without points.
 */
export function premiumChart(series: readonly PremiumSeries[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const t0 = Math.min(...all.map((p) => p.at));
  const t1 = Math.max(t0 + 1, ...all.map((p) => p.at));
  const values = all.flatMap((p) => (p.baselineBps === null ? [p.premiumBps] : [p.premiumBps, p.baselineBps]));
  const { lo, hi } = paddedRange(values);
  const x = (at: number) => (M.left + ((at - t0) / (t1 - t0)) * (W - M.left - M.right)).toFixed(1);
  const y = (v: number) => (H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom)).toFixed(1);
  const path = (points: readonly { at: number; generation: number; v: number }[]) =>
    points.map((p, i) => `${i === 0 || p.generation !== points[i - 1]?.generation ? 'M' : 'L'}${x(p.at)},${y(p.v)}`).join('');
  const lines = series.map((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] as string;
    const premium = path(s.points.map((p) => ({ at: p.at, generation: p.generation, v: p.premiumBps })));
    const base = s.points.filter((p) => p.baselineBps !== null).map((p) => ({ at: p.at, generation: p.generation, v: p.baselineBps as number }));
    return (
      `<g class="series" data-series="${escapeHtml(`${s.shardId} ${s.symbol}`)}" data-points="${s.points.length}">` +
      `<path d="${premium}" fill="none" stroke="${colour}" stroke-width="1.5"/>` +
      (base.length > 0 ? `<path class="baseline" d="${path(base)}" fill="none" stroke="${colour}" stroke-width="1" stroke-dasharray="4 3"/>` : '') +
      '</g>'
    );
  });
  const axis = [lo, 0, hi].map((v) => `<text x="${M.left - 6}" y="${y(v)}" text-anchor="end" font-size="11">${escapeHtml(formatNumber(v, 0))}</text>`).join('');
  const zero = `<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#bbb"/>`;
  const times = `<text x="${M.left}" y="${H - 8}" font-size="11">${escapeHtml(formatInstant(t0))}</text><text x="${W - M.right}" y="${H - 8}" font-size="11" text-anchor="end">${escapeHtml(formatInstant(t1))}</text>`;
  const legend = series
    .map((s, i) => `<span style="color:${SERIES_COLOURS[i % SERIES_COLOURS.length]}">■</span> ${escapeHtml(`${s.shardId} ${s.symbol}`)}`)
    .join(' · ');
  return (
    `<figure id="premium-chart"><figcaption>Premium (solid) and baseline (dashed), bps, over recorded time</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${zero}${axis}${lines.join('')}${times}</svg><p class="legend">${legend}</p></figure>`
  );
}
