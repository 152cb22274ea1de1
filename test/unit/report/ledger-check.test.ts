/**
 * The report's ledger check against what the heartbeats carried, not only against the checkpoint
 * (which is committed with the fills it counts, so a commit that lost fills loses their count too),
 * and realised P&L recomputed from the ledger in integer micro-units against the engine's.
 */
import { describe, expect, it } from 'vitest';
import type { ReportInput } from '../../../core/report/build-report.js';
import { buildReport } from '../../../core/report/build-report.js';
import { type Progress, ProgressSchema } from '../../../core/model/progress.js';
import { formatMoney, micros } from '../../../core/model/units.js';
import { checkShardLedger, realizedMicrosOf } from '../../../core/report/ledger-check.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import { CampaignReportSchema, type CampaignReport } from '../../../core/report/report-schema.js';
import { campaignRun } from './report-fixtures.js';

function ledgerRow(report: CampaignReport) {
  return report.acceptance.find((c) => c.id === 'ledger-exact')!;
}

/** The last heartbeat of `shardId`, the one on its record and the history's, made to say `change`. */
function amendLastHeartbeat(
  run: ReportInput,
  shardId: string,
  change: (progress: NonNullable<ReportInput['shards'][number]['heartbeat']>['progress']) => void,
): void {
  const shard = run.shards.find((s) => s.shardId === shardId)!;
  const last = run.heartbeats[shardId]!.at(-1)!;
  change(last.progress);
  shard.heartbeat = last;
}

/**
 * What the lost-answer fault left behind: the ledger holds only the first `kept` fills, and the
 * checkpoint (written in the same transactions) counts just those; the heartbeats counted them all.
 */
function loseFillsWithTheirCheckpoint(run: ReportInput, shardId: string, kept: number): void {
  run.ledgers[shardId] = run.ledgers[shardId]!.slice(0, kept);
  const checkpoint = run.checkpoints[shardId]!;
  const ledger = run.ledgers[shardId]!;
  run.checkpoints[shardId] = {
    ...checkpoint,
    lastFillSeq: kept - 1,
    fillsA: ledger.filter((f) => f.venue === 'A').length,
    fillsB: ledger.filter((f) => f.venue === 'B').length,
  };
}

describe('the ledger check against the heartbeats', () => {
  it("passes a clean run, comparing realised P&L from the ledger with the engine's", () => {
    const run = campaignRun();
    const report = buildReport(run);

    expect(report.ledger.pass).toBe(true);
    const shard = report.ledger.shards[0]!;
    expect(shard.fillsReported).toBe(shard.fillsInLedger);
    expect(shard.reportedPnlMicros).not.toBeNull();
    expect(shard.realizedPnlMicros).toBe(realizedMicrosOf(run.ledgers['shard-000']!));
    expect(shard.pnlMismatchMicros).toBe(0);
    expect(CampaignReportSchema.parse(report)).toEqual(report);
  });

  it('FAILS when the ledger misses fills the heartbeats counted, though it matches the checkpoint', () => {
    const run = campaignRun();
    const made = run.ledgers['shard-001']!.length;
    loseFillsWithTheirCheckpoint(run, 'shard-001', 4);

    const report = buildReport(run);

    const shard = report.ledger.shards.find((s) => s.shardId === 'shard-001')!;
    expect(shard).toMatchObject({ fillsInLedger: 4, fillsCounted: 4, fillsReported: made, lost: made - 4, uncounted: 0 });
    expect(report.ledger.pass).toBe(false);
    expect(ledgerRow(report)).toMatchObject({ pass: false });
    expect(ledgerRow(report).result).toBe(
      `${made - 4} lost, 0 duplicated, 0 uncounted (${report.ledger.fillsInLedger} in ledger, ${report.ledger.fillsCounted} counted, ` +
        `${report.ledger.fillsReported} reported by heartbeats); trades claimed beyond the ledger: shard-001 engine-reported 20 opened / 20 closed, ` +
        'the ledger holds 1 / 1',
    );
    expect(renderMarkdown(report)).toContain("❌ The ledger does not match the engines' counters.");
  });

  it("FAILS with the numbers when realised P&L recomputed from the ledger differs from the engine's", () => {
    const run = campaignRun();
    const exact = realizedMicrosOf(run.ledgers['shard-000']!);
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      progress.realizedPnlMicros = micros(exact + 1_250, 'progress.realizedPnlMicros');
    });

    const report = buildReport(run);

    expect(report.ledger.shards[0]).toMatchObject({ realizedPnlMicros: exact, reportedPnlMicros: exact + 1_250, pnlMismatchMicros: 1_250 });
    expect(report.ledger.pass).toBe(false);
    // KRW has no decimals: a mismatch below one is written to the micro-unit, not as 0 KRW.
    const exactly = (amount: number) => formatMoney(micros(amount, 'pnl'), 'KRW', { decimals: 6 });
    expect(ledgerRow(report).result).toContain(
      `; realised P&L ${exactly(report.ledger.realizedPnlMicros)} from the ledger vs ${exactly(report.ledger.realizedPnlMicros + 1_250)} reported by the engines, off by 0.001250 KRW`,
    );
  });

  it('takes a decimal P&L rounded to three places (heartbeats stored before micros, converted on read) as equal within the rounding', () => {
    const run = campaignRun();
    const exact = realizedMicrosOf(run.ledgers['shard-000']!);
    // What a store reads back from a heartbeat written before money was integer micros: a float P&L only.
    const storedBeforeMicros = (progress: Progress, realizedPnl: number) => {
      const { realizedPnlMicros: _exact, unrealizedPnlMicros: _open, ...rest } = progress;
      Object.assign(progress, ProgressSchema.parse({ ...rest, realizedPnl, unrealizedPnl: 0 }));
    };
    // 400 µ off the exact sum: within the half thousandth a 3-decimal figure may be off by.
    amendLastHeartbeat(run, 'shard-000', (progress) => storedBeforeMicros(progress, (exact + 400) / 1_000_000));
    expect(run.heartbeats['shard-000']!.at(-1)!.progress.pnlFromDecimal).toBe(true);
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(0);

    amendLastHeartbeat(run, 'shard-000', (progress) => storedBeforeMicros(progress, (exact + 2_000) / 1_000_000));
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(2_000);

    // The same 500 µ off in a heartbeat that carried exact micros is a mismatch: no tolerance there.
    amendLastHeartbeat(run, 'shard-000', (progress) => {
      delete progress.pnlFromDecimal;
      progress.realizedPnlMicros = micros(exact + 500, 'progress.realizedPnlMicros');
    });
    expect(buildReport(run).ledger.shards[0]!.pnlMismatchMicros).toBe(500);
  });

  it('counts fills in flight as such while a shard runs: only those it reported committed must be in the ledger', () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    const progress = { ...run.heartbeats['shard-000']!.at(-1)!.progress, fillsA: 1_000, fillsB: 1_000, lastFillSeq: ledger.length - 1 };

    const running = checkShardLedger({ shardId: 'shard-000', status: 'RUNNING', ledger, checkpoint: run.checkpoints['shard-000'], lastProgress: progress });
    const completed = checkShardLedger({ shardId: 'shard-000', status: 'COMPLETED', ledger, checkpoint: run.checkpoints['shard-000'], lastProgress: progress });

    expect(running).toMatchObject({ fillsReported: ledger.length, lost: 0 });
    expect(completed).toMatchObject({ fillsReported: 2_000, lost: 2_000 - ledger.length });
  });
});
