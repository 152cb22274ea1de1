/**
 * The report's counts are the ledger's, never an engine's word: an engine (a command engine may
 * claim anything in its `progress`, docs/task-protocol.md) whose heartbeats claim more trades and
 * fills than it committed shows the ledger's counts in the headline, the shard table and the run
 * summary, and fails "Ledger exact" naming both counts; ticks, which only the engine can give, are
 * labelled engine-reported.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { runSummaryLines } from '../../../core/report/run-summary.js';
import { campaignRun } from './report-fixtures.js';

const files = { markdown: 'runs/x/report.md', html: 'runs/x/report.html', json: 'runs/x/report.json' };

function ledgerRow(report: CampaignReport) {
  const row = report.acceptance.find((a) => a.id === 'ledger-exact');
  if (!row) throw new Error('no ledger-exact row');
  return row;
}

/** Every heartbeat of `shardId` claims `extra` more trades opened and closed (and their fills) than the engine made. */
function overclaim(run: ReportInput, shardId: string, extra: number): void {
  for (const h of run.heartbeats[shardId] ?? []) {
    h.progress.trades += extra;
    h.progress.tradesClosed += extra;
    h.progress.fillsA += 2 * extra;
    h.progress.fillsB += 2 * extra;
  }
}

describe("the report's trade and fill counts are the ledger's", () => {
  // One shard, 120 s: two trades, both closed (opened at 30 s and 90 s, closed 20 s later), 8 fills.
  const run = () => campaignRun({ shards: 1, durationSec: 120 });

  it('a clean run: the ledger and the engine agree, the row passes and names the trades', () => {
    const report = buildReport(run());
    expect(report.totals).toMatchObject({ trades: 2, tradesClosed: 2, fillsA: 4, fillsB: 4 });
    expect(report.ledger).toMatchObject({ tradesInLedger: 2, tradesClosedInLedger: 2, tradesReported: 2, tradesClosedReported: 2, tradesOverclaimed: 0 });
    expect(ledgerRow(report)).toMatchObject({ pass: true, result: '8 fills in ledger = 8 counted; 2 trades (2 closed) in the ledger' });
  });

  it('an engine claiming 40 more trades than it committed: the headline says 2, and "Ledger exact" fails naming both', () => {
    const input = run();
    overclaim(input, 'shard-000', 40);
    const report = buildReport(input);

    expect(report.totals).toMatchObject({ trades: 2, tradesClosed: 2, fillsA: 4, fillsB: 4 });
    expect(report.shards[0]?.totals).toMatchObject({ trades: 2, tradesClosed: 2, fillsA: 4, fillsB: 4 });
    expect(report.ledger.shards[0]).toMatchObject({ tradesReported: 42, tradesClosedReported: 42, tradesOverclaimed: 80 });
    const row = ledgerRow(report);
    expect(row.pass).toBe(false);
    expect(row.result).toContain('; trades claimed beyond the ledger: shard-000 engine-reported 42 opened / 42 closed, the ledger holds 2 / 2');
    expect(report.outcome.acceptance.failedRows.map((r) => r.id)).toContain('ledger-exact');

    const markdown = renderMarkdown(report);
    expect(markdown).toContain('- Trades (ledger): 2 opened, 2 closed; fills A 4, B 4\n');
    expect(markdown).toMatch(/- Ticks \(engine-reported\): 12,000 /);
    expect(markdown).toContain('| 2 / 2 | 42 / 42 |');
    expect(renderHtml(report)).toContain('<span class="muted">Trades (ledger)</span><b>2 opened, 2 closed</b>');
    expect(runSummaryLines({ report, status: 'COMPLETED', endReason: 'done', files })[0]).toContain(' · 2 trades · ');
  });

  it('an engine claiming one closed trade more than its ledger holds fails; a heartbeat trailing the ledger (a final one lost) does not', () => {
    const input = run();
    const last = input.heartbeats['shard-000']?.at(-1);
    if (last) last.progress.tradesClosed = 3;
    const row = ledgerRow(buildReport(input));
    expect(row.pass).toBe(false);
    expect(row.result).toContain('shard-000 engine-reported 2 opened / 3 closed, the ledger holds 2 / 2');
    if (last) Object.assign(last.progress, { trades: 1, tradesClosed: 1 });
    expect(buildReport(input).ledger).toMatchObject({ tradesOverclaimed: 0 });
  });

  it('does not judge the counts of a shard still running (its trades in flight) or FAILED (lost with its engine)', () => {
    for (const status of ['RUNNING', 'FAILED'] as const) {
      const input = run();
      overclaim(input, 'shard-000', 3);
      for (const s of input.shards) s.status = status;
      const report = buildReport(input);
      expect(report.ledger.shards[0], status).toMatchObject({ tradesReported: 5, tradesInLedger: 2, tradesOverclaimed: 0 });
      expect(report.totals.trades, status).toBe(2);
    }
  });
});
