/**
 * Every verdict of the report against the wrong run it exists to reject: a healthy run passes all
 * eleven rows; each case below changes one thing so that the run is wrong in the row's sense, and
 * that row must fail (and only rows that judge the same fault may fail beside it). A row no wrong run
 * can fail is decoration (../shared/STYLE.md, "A check is worth the wrong outcome it rejects").
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import type { CampaignReport } from '../../../core/report/report-schema.js';
import type { Fill } from '../../../core/model/fill.js';
import { micros } from '../../../core/model/units.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';

type RowId = CampaignReport['outcome']['acceptance']['failedRows'][number]['id'];

/** A virtual-clock backtest: 4 h recorded, 2 shards, a trade every 5 minutes per shard, heartbeats every minute. */
const backtest = () => campaignRun({ durationSec: 4 * 3600, heartbeatEverySec: 60, tradeEverySec: 300, staleAfterSec: 120, config: { clock: 'virtual' } });

/** Drops the shard's fills that `drop` picks and numbers the rest from 0 again; then `recount`s, so only the drop is wrong. */
function withoutFills(run: ReportInput, shardId: string, drop: (f: Fill) => boolean): ReportInput {
  const ledger = run.ledgers[shardId] ?? [];
  run.ledgers[shardId] = ledger.filter((f) => !drop(f)).map((f, seq) => ({ ...f, seq }));
  recount(run, shardId);
  return run;
}

/** Keeps only the shard's trades opened before `untilSec`, each with its close (`withoutFills`: the counts agree). */
function entriesUntil(run: ReportInput, shardId: string, untilSec: number): ReportInput {
  const kept = new Set((run.ledgers[shardId] ?? []).filter((f) => f.kind === 'OPEN' && f.ts < T0 + untilSec * SEC).map((f) => f.tradeId));
  return withoutFills(run, shardId, (f) => !kept.has(f.tradeId));
}

/** The shard's heartbeats, checkpoint and ledger agree again after its ledger was cut (only the cut is wrong). */
function recount(run: ReportInput, shardId: string): void {
  const ledger = run.ledgers[shardId] ?? [];
  const closed = new Set(ledger.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId));
  const opened = new Set(ledger.map((f) => f.tradeId));
  for (const h of run.heartbeats[shardId] ?? []) {
    const upTo = ledger.filter((f) => f.ts <= h.receivedAt);
    Object.assign(h.progress, {
      trades: new Set(upTo.map((f) => f.tradeId)).size,
      tradesClosed: new Set(upTo.filter((f) => f.kind === 'CLOSE').map((f) => f.tradeId)).size,
      fillsA: upTo.filter((f) => f.venue === 'A').length,
      fillsB: upTo.filter((f) => f.venue === 'B').length,
      lastFillSeq: upTo.length - 1,
    });
  }
  const last = run.heartbeats[shardId]?.at(-1)?.progress;
  if (last) {
    last.trades = opened.size;
    last.tradesClosed = closed.size;
    last.fillsA = ledger.filter((f) => f.venue === 'A').length;
    last.fillsB = ledger.length - last.fillsA;
    last.lastFillSeq = ledger.length - 1;
    last.realizedPnlMicros = buildReport(run).ledger.shards.find((s) => s.shardId === shardId)?.realizedPnlMicros ?? last.realizedPnlMicros;
  }
  const checkpoint = run.checkpoints[shardId];
  if (checkpoint) {
    checkpoint.fillsA = ledger.filter((f) => f.venue === 'A').length;
    checkpoint.fillsB = ledger.length - checkpoint.fillsA;
    checkpoint.lastFillSeq = ledger.length - 1;
  }
}

interface WrongRun {
  row: RowId;
  wrong: string;
  run: () => ReportInput;
}

const WRONG_RUNS: WrongRun[] = [
  {
    row: 'full-duration',
    wrong: 'a COMPLETED campaign that ran 50 % of its duration',
    run: () => campaignRun({ ranSec: 600, durationSec: 1200 }),
  },
  {
    row: 'full-duration',
    wrong: 'a shard silent from half-way while the campaign ran on (wall clock)',
    run: () => {
      const run = campaignRun();
      const kept = (run.heartbeats['shard-001'] ?? []).filter((h) => h.receivedAt <= T0 + 600 * SEC);
      run.heartbeats['shard-001'] = kept;
      const shard = run.shards[1];
      const last = kept.at(-1);
      if (shard && last) shard.heartbeat = last;
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a backtest shard whose engine time stopped at 30 % of the asked window',
    run: () => {
      const run = backtest();
      for (const h of run.heartbeats['shard-000'] ?? []) h.progress.eventTime = Math.min(h.progress.eventTime ?? 0, T0 + 0.3 * 4 * 3600 * SEC);
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a synthetic-feed campaign ended at 10 % by engines claiming their replay ran out (feed-done: there is no replay)',
    run: () => {
      const run = campaignRun({ ranSec: 120, durationSec: 1200 });
      for (const s of run.shards) if (s.heartbeat) s.heartbeat.progress.feedDone = true;
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a synthetic-feed backtest (clock: virtual) whose engines claim feed-done at 30 % of the window',
    run: () => {
      const run = backtest();
      for (const [id, beats] of Object.entries(run.heartbeats)) {
        const kept = beats.filter((h) => h.receivedAt <= T0 + 0.3 * 4 * 3600 * SEC);
        const last = kept.at(-1);
        if (last) last.progress.feedDone = true;
        run.heartbeats[id] = kept;
        const shard = run.shards.find((s) => s.shardId === id);
        if (shard && last) shard.heartbeat = last;
      }
      return run;
    },
  },
  // Found by a narrowed mutation run of fullDuration (MUTATE_TESTS='test/unit/report/**' npx stryker run --mutate
  // core/report/acceptance.ts:145-236): with the campaign's status, a shard's status, the shards' count or a silent
  // shard not judged, no test failed.
  {
    row: 'full-duration',
    wrong: 'a campaign CANCELLED having run all of its duration, every shard COMPLETED (wall clock)',
    run: () => campaignRun({ status: 'CANCELLED' }),
  },
  {
    row: 'full-duration',
    wrong: 'a backtest FAILED at its end, every shard having reached the window’s end',
    run: () => {
      const run = backtest();
      run.campaign.status = 'FAILED';
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a shard FAILED in a COMPLETED campaign that ran all of its duration (wall clock)',
    run: () => {
      const run = campaignRun();
      (run.shards[1] as { status: string }).status = 'FAILED';
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a backtest shard FAILED, its engine time at the window’s end',
    run: () => {
      const run = backtest();
      (run.shards[1] as { status: string }).status = 'FAILED';
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a COMPLETED campaign with no shard at all (wall clock)',
    run: () => {
      const run = campaignRun();
      run.shards = [];
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a COMPLETED backtest with no shard at all',
    run: () => {
      const run = backtest();
      run.shards = [];
      return run;
    },
  },
  {
    row: 'full-duration',
    wrong: 'a shard that never heartbeated, in a campaign that ran all of its duration (wall clock)',
    run: () => {
      const run = campaignRun();
      run.heartbeats['shard-001'] = [];
      const shard = run.shards[1];
      if (shard) delete (shard as { heartbeat?: unknown }).heartbeat;
      return run;
    },
  },
  // A narrowed mutation run of the other rows (core/report/acceptance.ts:238-600): with "nothing heard" passing, no test failed.
  {
    row: 'loop-latency',
    wrong: 'a campaign whose shards never heartbeated (no latency measured by anyone)',
    run: () => {
      const run = campaignRun();
      for (const shard of run.shards) {
        run.heartbeats[shard.shardId] = [];
        delete (shard as { heartbeat?: unknown }).heartbeat;
      }
      return run;
    },
  },
  {
    row: 'monitoring',
    wrong: 'a campaign with no shard record at all (nothing was monitored)',
    run: () => {
      const run = campaignRun();
      run.shards = [];
      return run;
    },
  },
  {
    row: 'loop-latency',
    wrong: 'p99 12 ms',
    run: () => campaignRun({ latencyP99Us: () => 12_000 }),
  },
  {
    row: 'loop-latency',
    wrong: 'an engine that measured no latency (placeholder zeros)',
    run: () => {
      const run = campaignRun();
      for (const beats of Object.values(run.heartbeats)) for (const h of beats) Object.assign(h.progress, { latencyP99Us: 0, latencyMeasured: false });
      return run;
    },
  },
  {
    row: 'monitoring',
    wrong: 'a 90 s heartbeat gap (staleAfter 45 s) inside one generation',
    run: () => {
      const run = campaignRun();
      run.heartbeats['shard-000'] = (run.heartbeats['shard-000'] ?? []).filter((h) => h.receivedAt <= T0 + 300 * SEC || h.receivedAt >= T0 + 390 * SEC);
      return run;
    },
  },
  {
    row: 'no-unrecovered-stall',
    wrong: 'a STALLED shard never restarted',
    run: () => campaignRun({ restarts: [{ shard: 0, cause: 'STALLED', atSec: 600 }] }),
  },
  {
    row: 'no-unrecovered-stall',
    wrong: 'a shard whose progress stood still from +5m to the end while its heartbeats came on time, never restarted (the watchdog missed it)',
    run: () => {
      const run = campaignRun();
      const frozenAt = T0 + 300 * SEC;
      for (const h of run.heartbeats['shard-001'] ?? []) if (h.receivedAt > frozenAt) Object.assign(h.progress, { ticks: 30_000, ticksPerSec: 0 });
      return entriesUntil(run, 'shard-001', 300);
    },
  },
  {
    row: 'continuous-trades',
    wrong: 'no entry in a 5-minute window of a wall-clock run',
    run: () => {
      const run = campaignRun();
      for (const id of Object.keys(run.ledgers)) {
        const ledger = run.ledgers[id] ?? [];
        const gone = new Set(ledger.filter((f) => f.kind === 'OPEN' && f.ts >= T0 + 600 * SEC && f.ts < T0 + 900 * SEC).map((f) => f.tradeId));
        withoutFills(run, id, (f) => gone.has(f.tradeId));
      }
      return run;
    },
  },
  {
    row: 'continuous-trades',
    wrong: 'a backtest shard whose engine stopped entering for its last half and reported nothing else (no refusal, close or premium)',
    run: () => entriesUntil(backtest(), 'shard-001', 2 * 3600),
  },
  {
    row: 'all-symbols-traded',
    wrong: 'a symbol never entered',
    run: () => withoutFills(campaignRun(), 'shard-000', (f) => f.symbol === 'SYM1'),
  },
  {
    row: 'all-symbols-traded',
    wrong: "a symbol whose only entries filled nothing (qty 0 on both legs, a command engine's fills)",
    run: () => {
      const run = campaignRun();
      for (const f of run.ledgers['shard-000'] ?? []) if (f.symbol === 'SYM1') f.qty = 0;
      recount(run, 'shard-000');
      return run;
    },
  },
  {
    row: 'no-unhandled-exception',
    wrong: 'a CRASHED restart (recovered)',
    run: () => campaignRun({ restarts: [{ shard: 1, cause: 'CRASHED', atSec: 300, downSec: 10 }] }),
  },
  {
    row: 'no-unhandled-exception',
    wrong: 'an OOM restart (recovered)',
    run: () => campaignRun({ restarts: [{ shard: 1, cause: 'OOM', atSec: 300, downSec: 10 }] }),
  },
  {
    row: 'ledger-exact',
    wrong: 'a fill the engine counted, missing from the ledger',
    run: () => {
      const run = campaignRun();
      run.ledgers['shard-001']?.splice(7, 1);
      return run;
    },
  },
  {
    row: 'ledger-exact',
    wrong: "an engine's heartbeat P&L 1 µ off the ledger's",
    run: () => {
      const run = campaignRun();
      const last = run.heartbeats['shard-000']?.at(-1)?.progress;
      if (last) last.realizedPnlMicros = micros(last.realizedPnlMicros + 1, 'claimed');
      return run;
    },
  },
  {
    row: 'ledger-exact',
    wrong: 'an engine claiming one trade more than it committed',
    run: () => {
      const run = campaignRun();
      const last = run.heartbeats['shard-000']?.at(-1)?.progress;
      if (last) last.trades += 1;
      return run;
    },
  },
  {
    row: 'no-stale-entry',
    wrong: "an entry on venue B's quote 1 ms past maxQuoteAge (10 s)",
    run: () => {
      const run = campaignRun({ config: { strategy: { maxQuoteAge: 10 } } });
      for (const f of run.ledgers['shard-000'] ?? []) if (f.tradeId === 3 && f.kind === 'OPEN') f.quoteTsB = (f.eventTs ?? f.ts) - 10_001;
      return run;
    },
  },
  {
    row: 'no-stale-entry',
    wrong: 'entries whose fills carry no quote times (cannot be judged)',
    run: () => {
      const run = campaignRun();
      for (const f of run.ledgers['shard-000'] ?? []) {
        delete f.quoteTsA;
        delete f.quoteTsB;
      }
      return run;
    },
  },
  {
    row: 'data-coverage',
    wrong: "venue B's last update older than maxQuoteAge at every heartbeat",
    run: () => campaignRun({ quoteAgeSec: 11, config: { strategy: { maxQuoteAge: 10 } } }),
  },
  {
    row: 'data-coverage',
    wrong: 'no heartbeat carried per-venue update times (a command engine)',
    run: () => {
      const run = campaignRun();
      for (const beats of Object.values(run.heartbeats)) for (const h of beats) delete h.progress.venues;
      return run;
    },
  },
  {
    row: 'no-open-positions',
    wrong: 'a trade left open at the end',
    run: () => withoutFills(campaignRun(), 'shard-000', (f) => f.tradeId === 2 && f.kind === 'CLOSE'),
  },
  {
    row: 'no-open-positions',
    wrong: 'a trade closed on venue A only: its venue B leg still open at the end (every count agreeing)',
    run: () => withoutFills(campaignRun(), 'shard-000', (f) => f.tradeId === 2 && f.kind === 'CLOSE' && f.venue === 'B'),
  },
  {
    row: 'ledger-exact',
    wrong: "a trade closed only 80 % of its venue B entry (a partial close: /tmp/v7c/s4's edited ledger), every count and P&L agreeing",
    run: () => {
      const run = campaignRun();
      // Its fee scaled with it: the fee rule (qty × price × takerFeeBps) masked the partial close (a mutation run of ledger-check.ts:
      // the pass's partialCloses term turned true failed no test).
      for (const f of run.ledgers['shard-000'] ?? [])
        if (f.tradeId === 2 && f.kind === 'CLOSE' && f.venue === 'B') {
          f.qty *= 0.8;
          f.fee *= 0.8;
        }
      recount(run, 'shard-000');
      return run;
    },
  },
  {
    row: 'ledger-exact',
    wrong: 'an exit that took more beyond the displayed book than it filled (beyondBookQty above its quantity)',
    run: () => {
      const run = campaignRun();
      for (const f of run.ledgers['shard-000'] ?? []) if (f.tradeId === 2 && f.kind === 'CLOSE' && f.venue === 'B') f.beyondBookQty = f.qty * 2;
      return run;
    },
  },
  {
    row: 'ledger-exact',
    wrong: 'an entry leg filled twice its ordered quantity',
    run: () => {
      const run = campaignRun();
      for (const f of run.ledgers['shard-000'] ?? []) if (f.kind === 'OPEN') f.orderedQty = f.tradeId === 3 && f.venue === 'A' ? f.qty / 2 : f.qty;
      return run;
    },
  },
  {
    row: 'ledger-exact',
    wrong: 'with no latency, a sale on venue B 25 % above the bid it was decided on',
    run: () => {
      const run = campaignRun({ config: { execution: { model: 'top-size', latency: { a: 0, b: 0 } } } });
      for (const f of run.ledgers['shard-000'] ?? []) f.decisionPrice = f.tradeId === 3 && f.venue === 'B' && f.side === 'SELL' ? f.price / 1.25 : f.price;
      return run;
    },
  },
];

describe('every verdict fails the wrong run it exists to reject', () => {
  it('a healthy run passes every row (so the failures below are the wrong runs, not the fixture)', () => {
    for (const run of [campaignRun(), backtest()]) expect(buildReport(run).outcome.acceptance.failedRows).toEqual([]);
  });

  it.each(WRONG_RUNS)('$row fails: $wrong', ({ row, run }) => {
    const report = buildReport(run());
    const failed = report.outcome.acceptance.failedRows.map((r) => r.id);
    expect(failed, JSON.stringify(report.outcome.acceptance.failedRows)).toContain(row);
  });

  it('does not call a stall unnoticed when the watchdog restarted its generation, nor progress standing for up to twice staleAfter', () => {
    const stallRow = (run: ReportInput) => buildReport(run).acceptance.find((a) => a.id === 'no-unrecovered-stall');
    // Generation 0 of shard-001 stands still from +5m until its STALLED restart at +10m; generation 1 runs on.
    const restarted = campaignRun({ restarts: [{ shard: 1, cause: 'STALLED', atSec: 600, downSec: 30 }] });
    for (const h of restarted.heartbeats['shard-001'] ?? []) if (h.generation === 0 && h.receivedAt > T0 + 300 * SEC) h.progress.ticks = 30_000;
    expect(stallRow(restarted)).toMatchObject({ pass: true });
    // 90 s standing (staleAfter 45 s): within the watchdog's confirmation and look, not judged.
    const brief = campaignRun();
    for (const h of brief.heartbeats['shard-001'] ?? []) if (h.receivedAt > T0 + 300 * SEC && h.receivedAt <= T0 + 390 * SEC) h.progress.ticks = 30_000;
    expect(stallRow(brief)).toMatchObject({ pass: true });
    for (const h of brief.heartbeats['shard-001'] ?? []) if (h.receivedAt > T0 + 390 * SEC && h.receivedAt <= T0 + 400 * SEC) h.progress.ticks = 30_000;
    expect(stallRow(brief)).toMatchObject({ pass: false, result: expect.stringContaining('shard-001 gen 0: progress stood at 30,000 for 1m40s from +5m') });
  });

  it('covers every row of the report', () => {
    const rows = new Set(buildReport(campaignRun()).outcome.acceptance.failedRows.map((r) => r.id));
    const all = [...buildReport(campaignRun()).acceptance, ...(buildReport(campaignRun()).trading?.acceptance ?? [])].map((r) => r.id);
    expect(rows.size).toBe(0);
    expect(new Set(WRONG_RUNS.map((w) => w.row))).toEqual(new Set(all));
  });
});
