/**
 * The last lines `arbfleet run` prints: the verdict at a glance (issue 21). The status and why it
 * ended, the acceptance score with every failed row named on a line of its own with its result,
 * trades and the realised P&L from the ledger (signed, in the reporting currency, coloured on a
 * terminal), restarts, the ledger check (lost and duplicated, and whatever else failed it: painted
 * as a failure whenever it failed), the engine that ran when it is not the built-in one in
 * process (as its hello named it), and where the report is.
 *
 * ```
 * arbfleet: COMPLETED (Max runtime reached) · acceptance 10/11 · 49 trades · P&L -885.53 USDT · 2 restart(s) · ledger lost 0 / duplicated 0
 *   engine: python-seed-engine 0.1.0 (python3 engine.py) behind the agent, task protocol v1
 *   ✗ Crash-free: 2 crashes
 *   ! upbit: 2 update(s) skipped (crossed 1, non-finite 1) from replay data/x.csv
 *   report: runs/x/report.md (also report.html, report.json)
 * ```
 */
import { engineText } from './report-config.js';
import { formatMoney } from './report-format.js';
import type { CampaignReport } from './report-schema.js';

/** How a piece of the summary is marked: a gain, a loss, a failed verdict (colours on a terminal). */
export type SummaryTone = 'gain' | 'loss' | 'fail';

/** Paints `text` in `tone` (for a terminal: `util.styleText`); the identity for plain output. */
export type Paint = (tone: SummaryTone, text: string) => string;

const plain: Paint = (_tone, text) => text;

/** What the summary reads besides the report. */
export interface RunSummaryInput {
  report: CampaignReport;
  /** The campaign's final status and its end reason, as the store recorded them. */
  status: string;
  endReason: string | undefined;
  /** The stop signal the CLI received, if one ended the run. */
  signal?: string | undefined;
  /** The report files written (Markdown first). */
  files: { markdown: string; html: string; json: string };
}

/**
 * The realised P&L as the report's totals give it (the ledger's: the committed fills of closed
 * trades; an engine's differing claim fails the ledger check instead), in the reporting currency,
 * signed with `+` for a gain.
 */
export function signedPnl(report: CampaignReport): { text: string; tone: SummaryTone | undefined } {
  const { micros, currency } = report.totals.realizedPnl;
  const text = formatMoney(micros, currency, { signed: true });
  return { text, tone: micros > 0 ? 'gain' : micros < 0 ? 'loss' : undefined };
}

/** The summary's lines, without trailing newlines. */
export function runSummaryLines(input: RunSummaryInput, paint: Paint = plain): string[] {
  const r = input.report;
  const a = r.outcome.acceptance;
  const why = `${input.endReason ?? ''}${input.signal === undefined ? '' : `, on ${input.signal}`}`;
  const status = input.status === 'COMPLETED' ? input.status : paint('fail', input.status);
  const score = `acceptance ${a.passed}/${a.total}`;
  const pnl = signedPnl(r);
  // Lost and duplicated always; whatever else failed the ledger check said too, so a failed check never reads clean.
  const l = r.ledger;
  const more = [
    l.uncounted > 0 ? `uncounted ${l.uncounted}` : '',
    l.repeatedDecisions > 0 ? `repeated decisions ${l.repeatedDecisions}` : '',
    l.pnlMismatchMicros > 0 ? "P&L ≠ the engines'" : '',
    l.tradesOverclaimed > 0 ? `trades claimed beyond it ${l.tradesOverclaimed}` : '',
  ].filter(Boolean);
  const ledger = [`ledger lost ${l.lost}`, `duplicated ${l.duplicated}`, ...more].join(' / ');
  const ledgerBad = !l.pass;
  const head = [
    `arbfleet: ${status}${why === '' ? '' : ` (${why})`}`,
    a.failed > 0 ? paint('fail', score) : score,
    `${r.totals.trades} trades`,
    `P&L ${pnl.tone === undefined ? pnl.text : paint(pnl.tone, pnl.text)}`,
    `${r.totals.restarts} restart(s)`,
    ledgerBad ? paint('fail', ledger) : ledger,
  ].join(' · ');
  const failed = a.failedRows.map((row) => `  ${paint('fail', '✗')} ${row.criterion}: ${row.result}`);
  // Updates the engines skipped (a malformed or crossed line of a recorded file, a non-finite price):
  // counted in the report's data quality table, said here so they reach the terminal.
  const skipped = (r.trading?.venues ?? []).flatMap((v) => {
    const reasons = Object.entries(v.skipped).filter(([, n]) => n > 0);
    if (reasons.length === 0) return [];
    const total = reasons.reduce((sum, [, n]) => sum + n, 0);
    return [`  ! ${v.name}: ${total} update(s) skipped (${reasons.map(([why, n]) => `${why} ${n}`).join(', ')}) from ${v.source}`];
  });
  // An engine other than the built-in one in process is named as it named itself (its hello).
  const engine = r.campaign.engine;
  const engineLine = engine !== undefined && (engine.kind === 'command' || engine.name !== undefined) ? [`  engine: ${engineText(engine)}`] : [];
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  const where = `  report: ${input.files.markdown} (also ${base(input.files.html)}, ${base(input.files.json)})`;
  return [head, ...engineLine, ...failed, ...skipped, where];
}
