/**
 * One small premium chart per shard and symbol (inline SVG, self-contained): the premium (solid)
 * and its baseline (dashed) over recorded time, bps; the entry thresholds baseline ± e (dotted,
 * e = strategy.entryBps + both venues' taker fees, the premium-aware rule's bound); each trade's
 * entry (filled dot) and exit (hollow dot) at the premium of the last heartbeat at or before it.
 */
import { paddedRange } from './chart-scale.js';
import { escapeHtml } from './html-text.js';
import { formatInstant, formatNumber } from './report-format.js';
import type { PremiumSeries, TradeRow } from './trading-schema.js';

const W = 360;
const H = 170;
const M = { left: 44, right: 8, top: 10, bottom: 26 };

/** The premium's y at `at`: the last point at or before it (the first point before the series starts); null without points. */
export function premiumAt(points: PremiumSeries['points'], at: number): number | null {
  return premiumLookup(points)(at);
}

/**
 * `premiumAt` over the same points for many instants (a chart's thousands of marks), in O(log n)
 * each: the answer is the point before the first one later than `at`, in the points' order (a
 * restart's heartbeats may step back in recorded time), which is where the running maximum of
 * their times first exceeds `at`, found by bisection.
 */
export function premiumLookup(points: PremiumSeries['points']): (at: number) => number | null {
  const latest = new Float64Array(points.length);
  let max = Number.NEGATIVE_INFINITY;
  for (const [i, p] of points.entries()) {
    max = Math.max(max, p.at);
    latest[i] = max;
  }
  return (at) => {
    if (points.length === 0) return null;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((latest[mid] as number) > at) hi = mid;
      else lo = mid + 1;
    }
    return (points[Math.max(0, lo - 1)] as PremiumSeries['points'][number]).premiumBps;
  };
}

/** One chart: `thresholdBps` null draws no threshold lines (a report built without the config's figures). */
export function symbolPremiumChart(series: PremiumSeries, trades: readonly TradeRow[], thresholdBps: number | null): string {
  const points = series.points;
  if (points.length === 0) return '';
  const t0 = points[0]?.at as number;
  const t1 = Math.max(t0 + 1, points.at(-1)?.at as number);
  const mine = trades.filter((t) => t.shardId === series.shardId && t.symbol === series.symbol);
  const centre = (p: PremiumSeries['points'][number]) => p.baselineBps ?? 0;
  const values = points.flatMap((p) => [p.premiumBps, centre(p), ...(thresholdBps === null ? [] : [centre(p) + thresholdBps, centre(p) - thresholdBps])]);
  const { lo, hi } = paddedRange(values);
  const x = (at: number) => (M.left + ((Math.min(Math.max(at, t0), t1) - t0) / (t1 - t0)) * (W - M.left - M.right)).toFixed(1);
  const y = (v: number) => (H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom)).toFixed(1);
  const path = (v: (p: PremiumSeries['points'][number]) => number | null) => {
    let d = '';
    let previous: PremiumSeries['points'][number] | undefined;
    for (const p of points) {
      const value = v(p);
      if (value === null) continue;
      d += `${!previous || previous.generation !== p.generation ? 'M' : 'L'}${x(p.at)},${y(value)}`;
      previous = p;
    }
    return d;
  };
  const premium = `<path class="premium" d="${path((p) => p.premiumBps)}" fill="none" stroke="#0969da" stroke-width="1.5"/>`;
  const hasBaseline = points.some((p) => p.baselineBps !== null);
  const baseline = hasBaseline
    ? `<path class="baseline" d="${path((p) => p.baselineBps)}" fill="none" stroke="#57606a" stroke-width="1" stroke-dasharray="4 3"/>`
    : '';
  const thresholds =
    thresholdBps === null
      ? ''
      : [1, -1]
          .map(
            (s) =>
              `<path class="threshold" d="${path((p) => centre(p) + s * thresholdBps)}" fill="none" stroke="#bf8700" stroke-width="1" stroke-dasharray="1 2"/>`,
          )
          .join('');
  const premiumOf = premiumLookup(points);
  const mark = (at: number, kind: 'entry' | 'exit', t: TradeRow) => {
    const v = premiumOf(at) as number;
    const title = `${kind} #${t.tradeId} ${t.direction === 'sell-a-buy-b' ? 'sell A / buy B' : 'buy A / sell B'} ${formatInstant(at)}${kind === 'exit' ? ` ${t.exitReason ?? ''}` : ''}`;
    const fill = kind === 'entry' ? (t.direction === 'sell-a-buy-b' ? '#cf222e' : '#1a7f37') : '#fff';
    return `<circle class="${kind}" cx="${x(at)}" cy="${y(v)}" r="3" fill="${fill}" stroke="#1b1f24" stroke-width="1"><title>${escapeHtml(title)}</title></circle>`;
  };
  // Exits first, entries over them: a short trade's exit sits on its entry, and the entry (its direction) is what a reader looks for.
  const marks = [...mine.flatMap((t) => (t.closedAt === null ? [] : [mark(t.closedAt, 'exit', t)])), ...mine.map((t) => mark(t.openedAt, 'entry', t))].join('');
  const zero = `<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" stroke="#d0d7de"/>`;
  const axis = [lo, 0, hi].map((v) => `<text x="${M.left - 4}" y="${y(v)}" text-anchor="end">${escapeHtml(formatNumber(v, 0))}</text>`).join('');
  const times = `<text x="${M.left}" y="${H - 6}">${escapeHtml(formatInstant(t0))}</text><text x="${W - M.right}" y="${H - 6}" text-anchor="end">${escapeHtml(formatInstant(t1))}</text>`;
  return (
    `<figure class="premium-symbol" data-series="${escapeHtml(`${series.shardId} ${series.symbol}`)}" data-points="${points.length}" ` +
    `data-entries="${mine.length}" data-exits="${mine.filter((t) => t.closedAt !== null).length}">` +
    `<figcaption>${escapeHtml(series.symbol)} <span class="muted">${escapeHtml(series.shardId)}, ${mine.length} trade(s)</span></figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${zero}${axis}${thresholds}${baseline}${premium}${marks}${times}</svg></figure>`
  );
}

/** Every series as its own small chart, with a caption saying what the lines and marks are; empty string without points. */
export function premiumCharts(series: readonly PremiumSeries[], trades: readonly TradeRow[], thresholdBps: number | null): string {
  const charts = series.map((s) => symbolPremiumChart(s, trades, thresholdBps)).filter(Boolean);
  if (charts.length === 0) return '';
  const threshold =
    thresholdBps === null
      ? ''
      : `, entry thresholds baseline ± ${formatNumber(thresholdBps, 2)} bps (dotted: strategy.entryBps + both taker fees; with no baseline, ± around 0)`;
  return (
    `<figure id="premium-chart"><figcaption>Premium per symbol, bps, over recorded time: premium (solid), baseline (dashed)${escapeHtml(threshold)}; ` +
    'entries as filled dots (red: sell A / buy B, green: buy A / sell B), exits hollow, each at the premium of the last heartbeat at or before it</figcaption>' +
    `<div style="display:flex;flex-wrap:wrap;gap:8px 16px">${charts.join('')}</div></figure>`
  );
}
