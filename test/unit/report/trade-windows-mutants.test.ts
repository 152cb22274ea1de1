/**
 * "Continuous trades" on the wall clock and the run window it is cut from, found by a narrowed
 * mutation run (docs/mutation.md): a trade is placed in its window by its wall time of decision
 * (a real-time replay's `ts` is the recorded time, months before the run), falling back to `ts` for
 * older fills; a trade opened after the campaign's end (an engine trading on past it) does not fill
 * the run's last window; the trailing stretch shorter than a window joins the window before it; and
 * a campaign that never started is reported (ran 0 s), not thrown on.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../../core/report/build-report.js';
import { runWindowOf } from '../../../core/report/run-window.js';
import { tradeWindowsOf } from '../../../core/report/trade-windows.js';
import type { Fill } from '../../../core/model/fill.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';

const DAY = 24 * 3600 * SEC;

const row = (run: ReportInput, id: string) => buildReport(run).acceptance.find((a) => a.id === id);

/** Every fill of every shard, changed by `edit` (the ledgers' order kept). */
function eachFill(run: ReportInput, edit: (f: Fill) => Fill | undefined): ReportInput {
  for (const [shardId, ledger] of Object.entries(run.ledgers)) {
    run.ledgers[shardId] = ledger.flatMap((f) => edit(f) ?? []);
  }
  return run;
}

describe('Continuous trades on the wall clock', () => {
  it('a real-time replay: fills in recorded time a year back, placed by their wall time', () => {
    const run = eachFill(campaignRun(), (f) => ({ ...f, ts: f.ts - 365 * DAY, eventTs: (f.eventTs ?? f.ts) - 365 * DAY }));
    expect(row(run, 'continuous-trades')).toMatchObject({ pass: true, result: '4 of 4 windows' });
  });

  it('older fills without a wall time are placed by ts', () => {
    const run = eachFill(campaignRun(), ({ wallTs: _, ...f }) => f);
    expect(row(run, 'continuous-trades')).toMatchObject({ pass: true, result: '4 of 4 windows' });
  });

  it('the wrong run: no trade in the last window, the engines trading on after the end', () => {
    // The trades of +15m…+20m decided 400 s later: after the campaign's end at +20m.
    const run = eachFill(campaignRun(), (f) => (f.wallTs !== undefined && f.wallTs >= T0 + 900 * SEC ? { ...f, wallTs: f.wallTs + 400 * SEC } : f));
    expect(row(run, 'continuous-trades')).toMatchObject({ pass: false, result: '3 of 4 windows; none in +15m…+20m' });
  });

  it('the trailing stretch joins the window before it: 1300 s, the last trades after +20m', () => {
    const run = eachFill(campaignRun({ durationSec: 1300 }), (f) => (f.kind === 'OPEN' && f.ts >= T0 + 900 * SEC && f.ts < T0 + 1200 * SEC ? undefined : f));
    expect(row(run, 'continuous-trades')).toMatchObject({ pass: true, result: '4 of 4 windows' });
    // And with none there either, the window is empty.
    eachFill(run, (f) => (f.kind === 'OPEN' && f.ts >= T0 + 900 * SEC ? undefined : f));
    expect(row(run, 'continuous-trades')).toMatchObject({ pass: false, result: '3 of 4 windows; none in +15m…+20m' });
  });

  it('the run’s first and last instants are in it; a millisecond outside is not', () => {
    const window = { startMs: T0, endMs: T0 + 600 * SEC, ranSec: 600 };
    const open = (at: number): Fill => ({ ...campaignRun().ledgers['shard-000']![0]!, wallTs: at });
    expect(tradeWindowsOf(window, [[open(T0), open(T0 + 600 * SEC)]])).toEqual({ shortRun: false, openFills: [1, 1] });
    expect(tradeWindowsOf(window, [[open(T0 - 1), open(T0 + 600 * SEC + 1)]])).toEqual({ shortRun: false, openFills: [0, 0] });
  });
});

describe('a campaign that never started', () => {
  it('ran 0 s from its creation: reported, its rows failed', () => {
    const run = campaignRun({ status: 'CANCELLED' });
    delete run.campaign.startedAt;
    run.campaign.endedAt = run.campaign.createdAt;
    for (const s of run.shards) {
      s.status = 'COMPLETED';
      delete s.heartbeat;
      run.heartbeats[s.shardId] = [];
      run.ledgers[s.shardId] = [];
      delete run.checkpoints[s.shardId];
    }
    expect(runWindowOf(run.campaign, run.now)).toEqual({ startMs: T0 - 60 * SEC, endMs: T0 - 60 * SEC, ranSec: 0 });
    const report = buildReport(run);
    expect(report.campaign).toMatchObject({ startedAt: null, ranSec: 0 });
    expect(report.acceptance.find((a) => a.id === 'full-duration')?.pass).toBe(false);
    expect(report.acceptance.find((a) => a.id === 'continuous-trades')).toMatchObject({ pass: false, result: '0 opening fills in 0s' });
  });
});
