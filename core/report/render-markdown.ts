/**
 * The report as Markdown, for people and for pasting into reviews: summary, the acceptance table
 * (✅/❌), shards, restarts with their causes and evidence, the ledger check, and the rules behind
 * the numbers.
 */
import { describeRestartOutcome, restartOutcome } from './restart-outcome.js';
import { causeEvidence } from './restart-evidence.js';
import {
  formatBytes,
  formatCount,
  formatMicros,
  formatInstant,
  formatLatencyUs,
  formatMoney,
  formatNumber,
  formatOffset,
  formatSeconds,
  LEDGER_TABLE_HEADERS,
  SHARD_TABLE_HEADERS,
} from './report-format.js';
import type { CampaignReport } from './report-schema.js';
import { engineText } from './report-config.js';
import { tradingMarkdown } from './render-trading.js';
import { executionMarkdown } from './execution-quality.js';

/** Renders `report` as a Markdown document. */
export function renderMarkdown(report: CampaignReport): string {
  const sections = [
    header(report),
    acceptance(report),
    ...(report.trading ? [tradingMarkdown(report.trading, report.totals.realizedPnl.currency, inline)] : []),
    ...(report.execution ? [executionMarkdown(report.execution, inline)] : []),
    shards(report),
    restarts(report),
    ledger(report),
    `## How the numbers are derived\n\n${report.notes.map((n) => `- ${inline(n)}`).join('\n')}`,
  ];
  return `${sections.join('\n\n')}\n`;
}

function header(report: CampaignReport): string {
  const c = report.campaign;
  const t = report.totals;
  const lines = [
    `# Campaign report: ${inline(c.name)}`,
    '',
    `**Status**: ${c.status}${c.endReason ? ` (${inline(c.endReason)})` : ''} · **Acceptance**: ${outcomeText(report)}`,
    '',
    `- Campaign: \`${code(c.id)}\`, config \`${code(c.configName)}\``,
    ...(c.schedule ? [`- Run of schedule \`${code(c.schedule.id)}\`, occurrence ${formatInstant(c.schedule.occurrence)}`] : []),
    `- Started ${formatInstant(c.startedAt)}, ended ${formatInstant(c.endedAt)}; ran ${formatSeconds(c.ranSec)} of ${formatSeconds(c.durationSec)} configured`,
    `- Shards: ${c.shardCount}, symbols: ${c.symbols.length}`,
    ...(c.engine ? [`- Engine: ${inline(engineText(c.engine))}`] : []),
    `- Ticks (engine-reported): ${formatCount(t.ticks)} (${formatNumber(t.ticksPerSec)}/s)`,
    `- Trades (ledger): ${formatCount(t.trades)} opened, ${formatCount(t.tradesClosed)} closed; fills A ${formatCount(t.fillsA)}, B ${formatCount(t.fillsB)}`,
    `- Realised P&L: ${formatMoney(t.realizedPnl.micros, t.realizedPnl.currency)}`,
    `- Loop latency (engine-reported): p50 ${formatLatencyUs(t.latencyUs.p50)}, p99 ${formatLatencyUs(t.latencyUs.p99)}, max ${formatLatencyUs(t.latencyUs.max)}`,
    `- Peak RSS: ${formatBytes(t.peakRssBytes)}; restarts: ${t.restarts}`,
    `- Report built ${formatInstant(report.generatedAt)}`,
  ];
  return lines.join('\n');
}

function acceptance(report: CampaignReport): string {
  const rows = report.acceptance.map((a) => [`**${inline(a.criterion)}**`, inline(a.target), inline(a.result), a.pass ? '✅ PASS' : '❌ FAIL']);
  const passed = (list: readonly { pass: boolean }[]) => `${list.filter((a) => a.pass).length}/${list.length}`;
  const scope = report.trading ? `: fleet rows ${passed(report.acceptance)} above, trading rows ${passed(report.trading.acceptance)} below` : '';
  return `## Acceptance\n\n${table(['Criterion', 'Target', 'Result', 'Status'], rows)}\n\n**Overall**: ${outcomeText(report, scope)}`;
}

/**
 * The campaign's outcome (`report.outcome.acceptance`: every acceptance and trading row), as the
 * header and the acceptance section both say it, `scope` after the count:
 * `10/11 PASS (failed: Every symbol traded)`. The same counts and names as the CLI's last lines
 * (`run-summary.ts`) and the HTML header.
 */
function outcomeText(report: CampaignReport, scope = ''): string {
  const a = report.outcome.acceptance;
  return `${a.passed}/${a.total} PASS${scope}${a.failed > 0 ? ` (failed: ${a.failedRows.map((r) => inline(r.criterion)).join(', ')})` : ''}`;
}

function shards(report: CampaignReport): string {
  const rows = report.shards.map((s) => {
    const t = s.totals;
    return [
      code(s.shardId),
      inline(s.symbols.join(', ')),
      s.status,
      String(s.generation),
      formatCount(t.ticks),
      formatNumber(t.ticksPerSec),
      `${formatCount(t.trades)} / ${formatCount(t.tradesClosed)}`,
      `${formatCount(t.fillsA)} / ${formatCount(t.fillsB)}`,
      formatMoney(t.realizedPnl.micros, t.realizedPnl.currency),
      `${formatLatencyUs(t.latencyUs.p50)} / ${formatLatencyUs(t.latencyUs.p99)} / ${formatLatencyUs(t.latencyUs.max)}`,
      formatBytes(t.peakRssBytes),
      String(t.restarts),
    ];
  });
  return `## Shards\n\n${table(SHARD_TABLE_HEADERS, rows)}`;
}

function restarts(report: CampaignReport): string {
  const start = report.campaign.startedAt ?? 0;
  const entries = report.shards.flatMap((s) =>
    s.restarts.map((r) => {
      const restarted = describeRestartOutcome(
        restartOutcome(r, s.restarts, s.status, s.generation),
        (at) => formatOffset((at - start) / 1000),
        (sec) => `${formatNumber(sec, 1)} s`,
      );
      const line =
        `- \`${code(s.shardId)}\` generation ${r.fromGeneration}: **${r.cause}** at ${formatOffset((r.failedAt - start) / 1000)}, ` +
        `detected after ${formatNumber(r.detectionDelaySec, 1)} s, ${restarted}. Evidence: ${inline(causeEvidence(r.detail))}`;
      return r.detail.stderrTail ? `${line}\n\n${indentedBlock(r.detail.stderrTail)}` : line;
    }),
  );
  return `## Restarts\n\n${entries.length > 0 ? entries.join('\n') : 'No restarts.'}`;
}

function ledger(report: CampaignReport): string {
  const l = report.ledger;
  const rows = [...l.shards, { shardId: 'total', ...l }].map((s) => [
    s.shardId === 'total' ? '**total**' : code(s.shardId),
    formatCount(s.fillsInLedger),
    formatCount(s.fillsCounted),
    String(s.lost),
    String(s.duplicated),
    String(s.repeatedDecisions),
    String(s.uncounted),
    formatCount(s.fillsReported),
    formatMicros(s.realizedPnlMicros),
    formatMicros(s.reportedPnlMicros),
    `${formatCount(s.tradesInLedger)} / ${formatCount(s.tradesClosedInLedger)}`,
    `${formatCount(s.tradesReported)} / ${formatCount(s.tradesClosedReported)}`,
  ]);
  const verdict = l.pass
    ? "✅ Every counted fill is in the ledger exactly once, realised P&L recomputed from it matches the engines', no engine claimed trades beyond it, " +
      'and every fill keeps to its order, its entry and its decision price.'
    : l.fillRuleBreaks.length > 0
      ? `❌ The ledger holds fills no correct engine makes: ${l.fillRuleBreaks.map((b) => inline(b)).join('; ')} (the Ledger exact row counts them and any counter that does not match).`
      : "❌ The ledger does not match the engines' counters.";
  return `## Ledger check\n\n${verdict}\n\n${table(LEDGER_TABLE_HEADERS, rows)}`;
}

function table(headers: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Text from data in a table cell or a line: one line, pipes escaped, nothing that could open an HTML tag. */
function inline(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;');
}

/** Text inside backticks: backticks and line breaks removed, pipes escaped for tables. */
function code(text: string): string {
  return text.replace(/`/g, "'").replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** Verbatim text as an indented code block inside a list item (no fence to break out of). */
function indentedBlock(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split(/\r?\n/)
    .map((l) => `      ${l}`)
    .join('\n');
}
