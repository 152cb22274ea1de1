/**
 * The report as one self-contained HTML page: summary, acceptance table, shards, charts drawn
 * as inline SVG (throughput, trades, latency histogram, restarts on a timeline, RSS), restarts
 * with their evidence, the ledger check and the rules behind the numbers. No script, nothing
 * loaded from elsewhere: it opens offline from a file.
 */
import { describeRestartOutcome, restartOutcome } from './restart-outcome.js';
import type { RestartCause } from '../model/records.js';
import { cell, htmlDocument, htmlTable } from './html-page.js';
import { escapeHtml } from './html-text.js';
import { causeEvidence } from './restart-evidence.js';
import {
  formatBytes,
  formatCount,
  formatInstant,
  formatLatencyUs,
  formatMicros,
  formatMoney,
  formatNumber,
  formatOffset,
  formatSeconds,
  LEDGER_TABLE_HEADERS,
  SHARD_TABLE_HEADERS,
} from './report-format.js';
import type { CampaignReport, LatencyBucket } from './report-schema.js';
import { barChart, lineChart, timelineChart, type LineSeries } from './svg-chart.js';
import { engineText } from './report-config.js';
import { tradingHtml } from './render-trading.js';
import { executionHtml } from './execution-quality.js';

/** Colour of each restart cause on the timeline; a shard that FAILED is black. */
export const CAUSE_COLOURS: Readonly<Record<RestartCause, string>> = {
  STALLED: '#ff7f0e',
  CRASHED: '#d62728',
  OOM: '#9467bd',
  LOST: '#1f77b4',
  LAUNCH_TIMEOUT: '#8c564b',
  RECYCLED: '#2ca02c',
  PREEMPTED: '#17becf',
  STORE_UNAVAILABLE: '#7f7f7f',
};
const FAILED_COLOUR = '#000000';

/** Renders `report` as a complete HTML document. */
export function renderHtml(report: CampaignReport): string {
  const c = report.campaign;
  const body = [
    `<h1>${escapeHtml(c.name)}</h1>`,
    `<p class="muted">Campaign ${escapeHtml(c.id)} · config ${escapeHtml(c.configName)} · report built ${escapeHtml(formatInstant(report.generatedAt))}</p>`,
    summary(report),
    '<h2>Acceptance</h2>',
    acceptanceTable(report),
    report.trading ? tradingHtml(report.trading, report.totals.realizedPnl.currency) : '',
    report.execution ? executionHtml(report.execution) : '',
    '<h2>Shards</h2>',
    shardTable(report),
    '<h2>Charts</h2>',
    charts(report),
    '<h2>Restarts</h2>',
    restarts(report),
    '<h2>Ledger check</h2>',
    ledger(report),
    '<h2>How the numbers are derived</h2>',
    `<ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
  ].join('\n');
  return htmlDocument(`${c.name}: campaign report`, body);
}

function summary(report: CampaignReport): string {
  const c = report.campaign;
  const t = report.totals;
  const lead: [string, string][] = [
    ['Status', `${c.status}${c.endReason ? ` (${c.endReason})` : ''}`],
    ...(c.schedule ? [['Schedule', `${c.schedule.id}, occurrence ${formatInstant(c.schedule.occurrence)}`] as [string, string]] : []),
  ];
  const rest: [string, string][] = [
    ['Started', formatInstant(c.startedAt)],
    ['Ended', formatInstant(c.endedAt)],
    ['Ran / configured', `${formatSeconds(c.ranSec)} / ${formatSeconds(c.durationSec)}`],
    ['Shards / symbols', `${c.shardCount} / ${c.symbols.length}`],
    ...(c.engine ? [['Engine', engineText(c.engine)] as [string, string]] : []),
    ['Ticks (engine-reported)', `${formatCount(t.ticks)} (${formatNumber(t.ticksPerSec)}/s)`],
    ['Trades (ledger)', `${formatCount(t.trades)} opened, ${formatCount(t.tradesClosed)} closed`],
    ['Fills A / B (ledger)', `${formatCount(t.fillsA)} / ${formatCount(t.fillsB)}`],
    ['Realised P&L (ledger)', formatMoney(t.realizedPnl.micros, t.realizedPnl.currency)],
    [
      'Latency p50 / p99 / max (engine-reported)',
      `${formatLatencyUs(t.latencyUs.p50)} / ${formatLatencyUs(t.latencyUs.p99)} / ${formatLatencyUs(t.latencyUs.max)}`,
    ],
    ['Peak RSS', formatBytes(t.peakRssBytes)],
    ['Restarts', formatCount(t.restarts)],
  ];
  const item = ([k, v]: [string, string]) => `<div><span class="muted">${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`;
  return `<div class="summary">${[...lead.map(item), outcomeCell(report), ...rest.map(item)].join('')}</div>`;
}

/**
 * The campaign's outcome in the header (`report.outcome.acceptance`: every acceptance and trading
 * row, the counts and names the CLI's summary line and report.md give): `10/11 pass`, then the
 * failed rows by name.
 */
function outcomeCell(report: CampaignReport): string {
  const a = report.outcome.acceptance;
  const failed = a.failed > 0 ? `<span id="outcome-failed" class="fail">failed: ${escapeHtml(a.failedRows.map((r) => r.criterion).join(', '))}</span>` : '';
  return `<div id="outcome"><span class="muted">Acceptance</span><b class="${a.failed > 0 ? 'fail' : 'pass'}">${a.passed}/${a.total} pass</b>${failed}</div>`;
}

function acceptanceTable(report: CampaignReport): string {
  const rows = report.acceptance.map((a) => [
    cell(a.criterion),
    cell(a.target),
    cell(a.result),
    `<td class="${a.pass ? 'pass' : 'fail'}" data-criterion="${escapeHtml(a.id)}">${a.pass ? '✓ PASS' : '✗ FAIL'}</td>`,
  ]);
  return `<div id="acceptance">${htmlTable(['Criterion', 'Target', 'Result', 'Status'], rows)}</div>`;
}

function shardTable(report: CampaignReport): string {
  const rows = report.shards.map((s) => {
    const t = s.totals;
    return [
      cell(s.shardId),
      cell(s.symbols.join(', ')),
      `<td class="status-${escapeHtml(s.status)}">${escapeHtml(s.status)}</td>`,
      cell(s.generation, true),
      cell(formatCount(t.ticks), true),
      cell(formatNumber(t.ticksPerSec), true),
      cell(`${formatCount(t.trades)} / ${formatCount(t.tradesClosed)}`, true),
      cell(`${formatCount(t.fillsA)} / ${formatCount(t.fillsB)}`, true),
      cell(formatMoney(t.realizedPnl.micros, t.realizedPnl.currency), true),
      cell(`${formatLatencyUs(t.latencyUs.p50)} / ${formatLatencyUs(t.latencyUs.p99)} / ${formatLatencyUs(t.latencyUs.max)}`, true),
      cell(formatBytes(t.peakRssBytes), true),
      cell(t.restarts, true),
    ];
  });
  return `<div id="shards">${htmlTable(SHARD_TABLE_HEADERS, rows)}</div>`;
}

function charts(report: CampaignReport): string {
  const series = (pick: (p: CampaignReport['series']['shards'][number]['points'][number]) => number): LineSeries[] =>
    report.series.shards.map((s) => ({
      name: s.shardId,
      points: s.points.map((p) => [p.t, pick(p)] as const),
      breaks: new Set(s.points.flatMap((p, i) => (i > 0 && p.generation !== s.points[i - 1]?.generation ? [i] : []))),
    }));
  const xMaxSec = report.campaign.ranSec;
  const noHeartbeats = 'No heartbeats recorded.';
  return [
    lineChart({
      id: 'chart-throughput',
      title: 'Ticks per second, per shard',
      yLabel: 'ticks/s',
      series: series((p) => p.ticksPerSec),
      xMaxSec,
      formatY: (v) => formatNumber(v, 1),
      emptyText: noHeartbeats,
    }),
    lineChart({
      id: 'chart-trades',
      title: 'Trades opened (cumulative), per shard',
      yLabel: 'trades',
      series: series((p) => p.trades),
      xMaxSec,
      formatY: formatCount,
      emptyText: noHeartbeats,
    }),
    barChart({
      id: 'chart-latency',
      title: 'Loop latency: heartbeats by reported p99',
      xLabel: 'p99 reported by a heartbeat',
      yLabel: 'heartbeats',
      bars: report.series.latencyHistogram.buckets.map((b) => ({
        label: bucketLabel(b),
        value: b.count,
        tooltip: `${bucketLabel(b)}: ${b.count} heartbeats`,
        alert: b.fromUs >= 10_000,
      })),
      emptyText: noHeartbeats,
    }),
    timelineChart({
      id: 'chart-restarts',
      title: 'Restarts on a timeline (bar: downtime until the next generation heartbeated)',
      lanes: report.shards.map((s) => s.shardId),
      marks: report.series.timeline.map((e) => ({
        lane: e.shardId,
        t: e.t,
        durationSec: e.downtimeSec,
        colour: e.kind === 'failed' ? FAILED_COLOUR : CAUSE_COLOURS[e.cause ?? 'CRASHED'],
        square: e.kind === 'failed',
        tooltip:
          e.kind === 'failed'
            ? `${e.shardId} FAILED at ${formatOffset(e.t)}`
            : `${e.shardId} ${e.cause ?? ''} at ${formatOffset(e.t)}${e.downtimeSec === null ? ', not restarted' : `, down ${formatNumber(e.downtimeSec, 1)} s`}`,
      })),
      xMaxSec,
      legend: [...Object.entries(CAUSE_COLOURS), ['FAILED', FAILED_COLOUR]],
      emptyText: 'No restarts.',
    }),
    lineChart({
      id: 'chart-rss',
      title: 'Resident memory (RSS), per shard',
      yLabel: 'MiB',
      series: series((p) => p.rssBytes / (1024 * 1024)),
      xMaxSec,
      formatY: (v) => formatNumber(v, 0),
      emptyText: noHeartbeats,
    }),
  ].join('\n');
}

function restarts(report: CampaignReport): string {
  const start = report.campaign.startedAt ?? 0;
  const rows = report.shards.flatMap((s) =>
    s.restarts.map((r) => [
      cell(s.shardId),
      cell(r.fromGeneration, true),
      `<td class="fail">${escapeHtml(r.cause)}</td>`,
      cell(formatOffset((r.failedAt - start) / 1000)),
      cell(`${formatNumber(r.detectionDelaySec, 1)} s`, true),
      cell(
        r.restartedAt === undefined
          ? describeRestartOutcome(
              restartOutcome(r, s.restarts, s.status, s.generation),
              () => '',
              () => '',
            )
          : formatOffset((r.restartedAt - start) / 1000),
      ),
      cell(r.downtimeSec === undefined ? '—' : `${formatNumber(r.downtimeSec, 1)} s`, true),
      `<td>${escapeHtml(causeEvidence(r.detail))}${r.detail.stderrTail ? `<pre>${escapeHtml(r.detail.stderrTail)}</pre>` : ''}</td>`,
    ]),
  );
  if (rows.length === 0) return '<p class="muted">No restarts.</p>';
  return `<div id="restarts">${htmlTable(['Shard', 'From gen', 'Cause', 'Failed', 'Detected after', 'Restarted', 'Downtime', 'Evidence'], rows)}</div>`;
}

function ledger(report: CampaignReport): string {
  const l = report.ledger;
  const failure =
    l.fillRuleBreaks.length > 0
      ? `✗ The ledger holds fills no correct engine makes: ${l.fillRuleBreaks.join('; ')} (the Ledger exact row counts them and any counter that does not match).`
      : "✗ The ledger does not match the engines' counters.";
  const verdict = `<p class="${l.pass ? 'pass' : 'fail'}">${l.pass ? '✓ Every counted fill is in the ledger exactly once.' : escapeHtml(failure)}</p>`;
  const rows = [...l.shards, { shardId: 'total', ...l }].map((s) => [
    cell(s.shardId),
    cell(formatCount(s.fillsInLedger), true),
    cell(formatCount(s.fillsCounted), true),
    cell(s.lost, true),
    cell(s.duplicated, true),
    cell(s.repeatedDecisions, true),
    cell(s.uncounted, true),
    cell(formatCount(s.fillsReported), true),
    cell(formatMicros(s.realizedPnlMicros), true),
    cell(formatMicros(s.reportedPnlMicros), true),
    cell(`${formatCount(s.tradesInLedger)} / ${formatCount(s.tradesClosedInLedger)}`, true),
    cell(`${formatCount(s.tradesReported)} / ${formatCount(s.tradesClosedReported)}`, true),
  ]);
  return `<div id="ledger">${verdict}${htmlTable(LEDGER_TABLE_HEADERS, rows)}</div>`;
}

function bucketLabel(b: LatencyBucket): string {
  return b.toUs === null ? `≥ ${formatLatencyUs(b.fromUs)}` : `< ${formatLatencyUs(b.toUs)}`;
}
