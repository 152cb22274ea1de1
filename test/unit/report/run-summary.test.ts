/**
 * The last lines of `arbfleet run` (`core/report/run-summary.ts`): the status, the acceptance score
 * with each failed row named with its result, the realised P&L signed and painted, the ledger
 * check, and the report's path.
 */
import { describe, expect, it } from 'vitest';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import { runSummaryLines, signedPnl, type Paint } from '../../../core/report/run-summary.js';
import { microsOf } from '../../../core/model/units.js';

function report(patch: {
  pnl?: number;
  failedRows?: { id: string; criterion: string; result: string }[];
  lost?: number;
  duplicated?: number;
  ledger?: Record<string, number>;
}): CampaignReport {
  const failedRows = patch.failedRows ?? [];
  const ledger = { lost: 0, duplicated: 0, uncounted: 0, repeatedDecisions: 0, pnlMismatchMicros: 0, tradesOverclaimed: 0, ...patch.ledger };
  Object.assign(ledger, { lost: patch.lost ?? ledger.lost, duplicated: patch.duplicated ?? ledger.duplicated });
  return {
    campaign: { engine: { kind: 'builtin' } },
    totals: { trades: 49, restarts: 2, realizedPnl: { micros: microsOf(patch.pnl ?? 0, 'pnl'), currency: 'USDT' } },
    ledger: { ...ledger, pass: Object.values(ledger).every((n) => n === 0) },
    outcome: { acceptance: { passed: 11 - failedRows.length, failed: failedRows.length, total: 11, failedRows } },
  } as unknown as CampaignReport;
}

const files = { markdown: 'runs/x/report.md', html: 'runs/x/report.html', json: 'runs/x/report.json' };
const brackets: Paint = (tone, text) => `<${tone}>${text}</${tone}>`;

describe('the run summary', () => {
  it('says status, score, trades, signed P&L, restarts, the ledger and where the report is', () => {
    const lines = runSummaryLines({ report: report({ pnl: 1234.5 }), status: 'COMPLETED', endReason: 'Max runtime reached', files });
    expect(lines).toEqual([
      'arbfleet: COMPLETED (Max runtime reached) · acceptance 11/11 · 49 trades · P&L +1,234.50 USDT · 2 restart(s) · ledger lost 0 / duplicated 0',
      '  report: runs/x/report.md (also report.html, report.json)',
    ]);
  });

  it('names every failed row with its result on a line of its own, and paints the failures and a loss', () => {
    const failedRows = [
      { id: 'no-unhandled-exception', criterion: 'Crash-free', result: '2 crashes' },
      { id: 'profitable', criterion: 'Profitable', result: '-885.53 USDT' },
    ];
    const lines = runSummaryLines(
      { report: report({ pnl: -885.53, failedRows, lost: 1 }), status: 'FAILED', endReason: 'restart budget spent', signal: 'SIGTERM', files },
      brackets,
    );
    expect(lines).toEqual([
      'arbfleet: <fail>FAILED</fail> (restart budget spent, on SIGTERM) · <fail>acceptance 9/11</fail> · 49 trades · P&L <loss>-885.53 USDT</loss> · 2 restart(s) · <fail>ledger lost 1 / duplicated 0</fail>',
      '  <fail>✗</fail> Crash-free: 2 crashes',
      '  <fail>✗</fail> Profitable: -885.53 USDT',
      '  report: runs/x/report.md (also report.html, report.json)',
    ]);
  });

  it('paints a ledger check failed for other reasons than lost or duplicated fills, and says which', () => {
    const lines = runSummaryLines(
      { report: report({ ledger: { tradesOverclaimed: 2, pnlMismatchMicros: 5 } }), status: 'COMPLETED', endReason: 'done', files },
      brackets,
    );
    expect(lines[0]).toMatch(/ · <fail>ledger lost 0 \/ duplicated 0 \/ P&L ≠ the engines' \/ trades claimed beyond it 2<\/fail>$/);
  });

  it('signs a gain, leaves zero unsigned and unpainted', () => {
    expect(signedPnl(report({ pnl: 0.5 }))).toEqual({ text: '+0.50 USDT', tone: 'gain' });
    expect(signedPnl(report({ pnl: -0.5 }))).toEqual({ text: '-0.50 USDT', tone: 'loss' });
    expect(signedPnl(report({ pnl: 0 }))).toEqual({ text: '0.00 USDT', tone: undefined });
  });

  it('says the updates the engines skipped, per venue with their reasons and source, so a bad line of a recorded file reaches the terminal', () => {
    const r = report({});
    const venue = (name: string, skipped: Record<string, number>) => ({ venue: 'a', name, skipped, source: `replay /data/${name}.csv` });
    (r as { trading?: unknown }).trading = { venues: [venue('upbit', { crossed: 1, 'non-finite': 1 }), venue('binance', {}), venue('fx', { 'fx-jump': 0 })] };
    expect(runSummaryLines({ report: r, status: 'COMPLETED', endReason: 'done', files }).slice(1, -1)).toEqual([
      '  ! upbit: 2 update(s) skipped (crossed 1, non-finite 1) from replay /data/upbit.csv',
    ]);
  });
});
