import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../core/errors.js';
import type { Heartbeat } from '../../../core/model/records.js';
import { buildReport, loadReportInput, type ReportInput, type ReportSource } from '../../../core/report/build-report.js';
import { realizedMicrosOf, repeatedDecisionsOf } from '../../../core/report/ledger-check.js';
import { CampaignReportSchema, MAX_SERIES_POINTS, type CampaignReport } from '../../../core/report/report-schema.js';
import { runSummaryLines } from '../../../core/report/run-summary.js';
import { campaignRun, MIB, SEC, T0 } from './report-fixtures.js';

/** Cuts a shard's heartbeats after `untilSec` (its record's latest heartbeat too): the shard went quiet then. */
function silenceAfter(run: ReportInput, shardId: string, untilSec: number): Heartbeat[] {
  const kept = run.heartbeats[shardId]!.filter((h) => h.receivedAt <= T0 + untilSec * SEC);
  run.heartbeats[shardId] = kept;
  const shard = run.shards.find((s) => s.shardId === shardId)!;
  shard.heartbeat = kept.at(-1)!;
  return kept;
}

function criterion(report: CampaignReport, id: CampaignReport['acceptance'][number]['id']) {
  const found = report.acceptance.find((a) => a.id === id);
  if (!found) throw new Error(`no acceptance criterion ${id}`);
  return found;
}

describe('buildReport: campaign and totals', () => {
  const input = campaignRun({ durationSec: 1200, shards: 2 });
  const report = buildReport(input);

  it('conforms to CampaignReportSchema and survives a JSON round trip', () => {
    expect(CampaignReportSchema.parse(report)).toEqual(report);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('describes the campaign: configured duration, actual run time, end reason, config name', () => {
    expect(report.campaign).toMatchObject({
      id: 'c-report',
      name: 'soak-top4',
      configName: 'soak-top4',
      status: 'COMPLETED',
      startedAt: T0,
      endedAt: T0 + 1200 * SEC,
      durationSec: 1200,
      ranSec: 1200,
      endReason: 'max runtime reached',
      shardCount: 2,
      staleAfterSec: 45,
    });
  });

  it("sums counters over shards from each shard's latest heartbeat, and averages ticks over the run", () => {
    const last = (shardId: string) => (input.heartbeats[shardId] as Heartbeat[]).at(-1)!.progress;
    const [a, b] = [last('shard-000'), last('shard-001')];
    expect(report.totals.ticks).toBe(a.ticks + b.ticks);
    expect(report.totals.ticks).toBe(2 * 120_000);
    expect(report.totals.ticksPerSec).toBe(200);
    expect(report.totals.trades).toBe(40);
    expect(report.totals.tradesClosed).toBe(40);
    expect(report.totals.fillsA).toBe(80);
    expect(report.totals.fillsB).toBe(80);
    expect(report.shards.map((s) => s.totals.trades)).toEqual([20, 20]);
  });

  it('takes latency p50/p99 from the worst shard and max from the highest heartbeat', () => {
    expect(report.shards.map((s) => s.totals.latencyUs)).toEqual([
      { p50: 20, p99: 80, max: 400 },
      { p50: 20, p99: 90, max: 401 },
    ]);
    expect(report.totals.latencyUs).toEqual({ p50: 20, p99: 90, max: 401 });
  });

  it('takes p99 as the highest over generations: a bad first generation is not hidden by a good second one', () => {
    const run = campaignRun({ restarts: [{ shard: 0, cause: 'CRASHED', atSec: 600, downSec: 30 }], latencyP99Us: (_s, gen) => (gen === 0 ? 15_000 : 50) });
    const shard = buildReport(run).shards[0]!;
    expect(shard.totals.latencyUs.p99).toBe(15_000);
  });

  it('reports peak RSS as the highest of any one task, and counts restarts', () => {
    const run = campaignRun({ restarts: [{ shard: 1, cause: 'STALLED', atSec: 300, downSec: 40 }] });
    const r = buildReport(run);
    expect(r.totals.peakRssBytes).toBe(100 * MIB + 1_200_000 + MIB);
    expect(r.totals.restarts).toBe(1);
    expect(r.shards[1]!.restarts[0]).toMatchObject({ cause: 'STALLED', fromGeneration: 0, restartedAt: T0 + 340 * SEC, downtimeSec: 40 });
    expect(r.shards[1]!.generation).toBe(1);
  });

  it('measures a campaign that still runs up to `now`', () => {
    const run = campaignRun({ durationSec: 1200, ranSec: 600, status: 'RUNNING' });
    delete run.campaign.endedAt;
    delete run.campaign.endReason;
    run.now = T0 + 600 * SEC;
    const r = buildReport(run);
    expect(r.campaign).toMatchObject({ ranSec: 600, endedAt: null, endReason: null, status: 'RUNNING' });
  });
});

describe('buildReport: acceptance', () => {
  it('passes every criterion on a healthy run', () => {
    const report = buildReport(campaignRun());
    expect(report.acceptance.map((a) => [a.id, a.pass])).toEqual([
      ['full-duration', true],
      ['loop-latency', true],
      ['monitoring', true],
      ['no-unrecovered-stall', true],
      ['continuous-trades', true],
      ['all-symbols-traded', true],
      ['no-unhandled-exception', true],
      ['ledger-exact', true],
    ]);
    expect(criterion(report, 'continuous-trades').result).toBe('4 of 4 windows');
    expect(criterion(report, 'all-symbols-traded').result).toBe('4 of 4');
    expect(criterion(report, 'no-unrecovered-stall').result).toBe('no stall or loss; no shard FAILED');
  });

  it('sums every acceptance and trading row into the outcome, naming the failed ones', () => {
    expect(buildReport(campaignRun()).outcome).toEqual({ acceptance: { passed: 11, failed: 0, total: 11, failedRows: [] } });
    const failing = buildReport(campaignRun({ latencyP99Us: () => 62_000, quoteAgeSec: 30 }));
    expect(failing.outcome.acceptance).toMatchObject({ passed: 9, failed: 2, total: 11 });
    expect(failing.outcome.acceptance.failedRows.map((r) => r.id)).toEqual(['loop-latency', 'data-coverage']);
    const summary = runSummaryLines({
      report: failing,
      status: 'COMPLETED',
      endReason: undefined,
      files: { markdown: 'r.md', html: 'r.html', json: 'r.json' },
    });
    expect(summary.slice(1, 3).map((line) => line.replace(/: .*$/, ''))).toEqual(['  ✗ Loop latency p99', '  ✗ Quote coverage']);
  });

  describe('ran the full duration', () => {
    it('fails a campaign that ended early, whatever its status', () => {
      const report = buildReport(campaignRun({ durationSec: 3600, ranSec: 1224.8, status: 'FAILED' }));
      const c = criterion(report, 'full-duration');
      expect(c).toMatchObject({
        pass: false,
        target: "1h (≥ 99 %, or every replay to its end), every shard's final heartbeat within staleAfter of the end, COMPLETED",
      });
      expect(c.result).toBe('20m25s (34 %), FAILED');
    });

    it('FAILS a COMPLETED campaign whose shard went silent before the end (stopped early, its symbols untraded), though the campaign ran it all', () => {
      const run = campaignRun({ durationSec: 45, heartbeatEverySec: 1, tradeEverySec: 10, staleAfterSec: 5 });
      silenceAfter(run, 'shard-000', 12);
      const c = criterion(buildReport(run), 'full-duration');
      expect(c).toMatchObject({ pass: false, result: '45s (100 %), COMPLETED; shard-000 silent from +12s' });
      // A final heartbeat (its engine said it ended) within staleAfter of the end is running to the end.
      const fine = campaignRun({ durationSec: 45, heartbeatEverySec: 1, tradeEverySec: 10, staleAfterSec: 5 });
      (silenceAfter(fine, 'shard-000', 41).at(-1) as Heartbeat).progress.stop = { by: 'deadline' };
      expect(criterion(buildReport(fine), 'full-duration').pass).toBe(true);
    });

    it('FAILS a COMPLETED campaign whose shard went silent near the end with no final heartbeat (a task frozen 1 s into a 5 s campaign, booked COMPLETED by its end)', () => {
      // The same silence as above, but the engine never said it ended: frozen or killed, not finished.
      const frozen = campaignRun({ durationSec: 45, heartbeatEverySec: 1, tradeEverySec: 10, staleAfterSec: 5 });
      silenceAfter(frozen, 'shard-000', 41);
      const report = buildReport(frozen);
      expect(criterion(report, 'full-duration')).toMatchObject({
        pass: false,
        result: '45s (100 %), COMPLETED; shard-000 silent from +41s, no final heartbeat (its engine never said it ended)',
      });
      // Silent 4 s (under staleAfter 5 s): not yet a monitoring gap nor a loss.
      expect(criterion(report, 'monitoring').pass).toBe(true);
      expect(criterion(report, 'no-unrecovered-stall').pass).toBe(true);
      // Silent past staleAfter up to the end with no final heartbeat: a gap and a loss nobody restarted.
      const lost = campaignRun({ durationSec: 45, heartbeatEverySec: 1, tradeEverySec: 10, staleAfterSec: 5 });
      silenceAfter(lost, 'shard-000', 38);
      const lostReport = buildReport(lost);
      expect(criterion(lostReport, 'monitoring')).toMatchObject({ pass: false, result: 'shard-000: 7 s silent from +38s to the end, no final heartbeat' });
      expect(criterion(lostReport, 'no-unrecovered-stall')).toMatchObject({
        pass: false,
        result: 'shard-000 lost at the end: no heartbeat from +38s (7 s, staleAfter 5s) and no final one, never restarted',
      });
    });

    describe('in engine time: the recorded window asked for', () => {
      const DAY = 86_400;
      /** A clock: virtual backtest: one heartbeat per recorded day (each a wall second), from 2025-01-01. */
      const backtest = (durationDays: number, feed: Record<string, unknown>, ranDays = durationDays) =>
        campaignRun({
          durationSec: durationDays,
          ranSec: ranDays,
          heartbeatEverySec: 1,
          tradeEverySec: 1,
          eventStart: Date.UTC(2025, 0, 1),
          config: { clock: 'virtual', feed: { kind: 'replay', path: 'q.csv', ...feed } },
        });
      /** Scales event time: each heartbeat's recorded time moves a day per wall second from the start. */
      function inDays(run: ReturnType<typeof backtest>) {
        for (const history of Object.values(run.heartbeats))
          for (const h of history) h.progress.eventTime = Date.UTC(2025, 0, 1) + ((h.receivedAt - T0) / SEC) * DAY * SEC;
        run.campaign.config['duration'] = (run.campaign.config['duration'] as number) * DAY;
        return run;
      }

      it("passes a 90-day backtest whose shards reached the window's end, saying the data goes on past it", () => {
        const c = criterion(buildReport(inDays(backtest(90, {}))), 'full-duration');
        expect(c).toMatchObject({
          pass: true,
          result:
            'recorded 2025-01-01T00:00:00Z → 2025-04-01T00:00:00Z (2160h, asked by duration): every shard reached its end (the data goes on past it) (wall 1m30s), COMPLETED',
        });
      });

      it('FAILS a COMPLETED 90-day backtest whose shard stopped after 30 recorded days', () => {
        const run = inDays(backtest(90, {}));
        silenceAfter(run, 'shard-001', 30);
        const c = criterion(buildReport(run), 'full-duration');
        expect(c.pass).toBe(false);
        expect(c.result).toBe(
          'shard-001 reached 2025-01-31T00:00:00Z (33.3 %); window recorded 2025-01-01T00:00:00Z → 2025-04-01T00:00:00Z (2160h, asked by duration) (wall 1m30s), COMPLETED',
        );
      });

      it('takes a replay that ran out as the end of a window asked by duration, not of one asked by feed.to', () => {
        const ranOut = (run: ReturnType<typeof backtest>) => {
          for (const shardId of Object.keys(run.heartbeats)) silenceAfter(run, shardId, 30).at(-1)!.progress.feedDone = true;
          return run;
        };
        expect(criterion(buildReport(ranOut(inDays(backtest(90, {})))), 'full-duration')).toMatchObject({ pass: true });
        const window = ranOut(inDays(backtest(90, { from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z' })));
        const c = criterion(buildReport(window), 'full-duration');
        expect(c.pass).toBe(false);
        expect(c.result).toMatch(/^shard-000 reached 2025-01-31T00:00:00Z \(33\.3 %\): its data ended; shard-001 .*asked by feed\.to\)/);
      });

      it('judges a shard by its symbol whose data ends last, wherever it is listed', () => {
        const run = inDays(backtest(90, {}));
        for (const shardId of Object.keys(run.heartbeats)) silenceAfter(run, shardId, 30).at(-1)!.progress.feedDone = true;
        const day30 = Date.UTC(2025, 0, 31);
        run.replayExtent = { lastUpdateAt: Object.fromEntries(run.shards.flatMap((sh) => sh.symbols).map((sym) => [sym, day30])) };
        const symbols = run.shards.find((sh) => sh.shardId === 'shard-000')!.symbols;
        for (const goesOn of [symbols[0]!, symbols.at(-1)!]) {
          const extent = { lastUpdateAt: { ...run.replayExtent.lastUpdateAt, [goesOn]: Date.UTC(2025, 1, 2) } };
          const c = criterion(buildReport({ ...run, replayExtent: extent }), 'full-duration');
          expect(c.pass, goesOn).toBe(false);
          expect(c.result).toMatch(/^shard-000 said its replay ran out at 2025-01-31T00:00:00Z, but its data goes on to 2025-02-02T00:00:00Z/);
        }
      });

      it('passes a shard that reached exactly 99 % of the asked window, fails one a day short of it', () => {
        const run = (reachedDays: number) => {
          const r = inDays(backtest(100, {}));
          for (const shardId of Object.keys(r.heartbeats)) silenceAfter(r, shardId, reachedDays);
          return buildReport(r);
        };
        expect(criterion(run(99), 'full-duration').pass).toBe(true);
        expect(criterion(run(98), 'full-duration')).toMatchObject({ pass: false, result: expect.stringMatching(/^shard-000 reached .* \(98 %\)/) });
      });

      it("judges a replay's feed-done against where its recorded files end: a shard that stopped short of its data fails", () => {
        const ranOutAt30 = () => {
          const run = inDays(backtest(90, {}));
          for (const shardId of Object.keys(run.heartbeats)) silenceAfter(run, shardId, 30).at(-1)!.progress.feedDone = true;
          return run;
        };
        const day30 = Date.UTC(2025, 0, 31);
        const symbolsOf = (run: ReportInput) => run.shards.flatMap((s) => s.symbols);
        // The files end where the engines said: passes, saying the end was checked against them.
        const agreed = ranOutAt30();
        agreed.replayExtent = { lastUpdateAt: Object.fromEntries(symbolsOf(agreed).map((sym) => [sym, day30])) };
        expect(criterion(buildReport(agreed), 'full-duration')).toMatchObject({
          pass: true,
          result:
            "recorded 2025-01-01T00:00:00Z → 2025-04-01T00:00:00Z (2160h, asked by duration): every shard played its replay to the end, each to its data's last update (wall 1m30s), COMPLETED",
        });
        // Files not read (the AWS reporter): passes on the engines' word, and says so.
        expect(criterion(buildReport(ranOutAt30()), 'full-duration').result).toContain(
          "every shard played its replay to the end (on the engines' word: the recorded files were not read)",
        );
        // shard-001's symbols go on 10 days past the feed-done its engine claimed: it stopped reading halfway.
        const short = ranOutAt30();
        short.replayExtent = { lastUpdateAt: Object.fromEntries(symbolsOf(short).map((sym) => [sym, day30])) };
        for (const sym of short.shards.find((sh) => sh.shardId === 'shard-001')!.symbols) short.replayExtent.lastUpdateAt[sym] = Date.UTC(2025, 1, 10);
        const c = criterion(buildReport(short), 'full-duration');
        expect(c.pass).toBe(false);
        expect(c.result).toMatch(
          /^shard-001 said its replay ran out at 2025-01-31T00:00:00Z, but its data goes on to 2025-02-10T00:00:00Z; shard-001 reached 2025-01-31T00:00:00Z \(33\.3 %\); window /,
        );
      });
    });

    it('passes a wall-clock replay that ran out at half its duration, every shard saying so in its final heartbeat', () => {
      const run = campaignRun({ config: { feed: { kind: 'replay', path: 'q.csv' } } });
      for (const shardId of Object.keys(run.heartbeats)) {
        const last = silenceAfter(run, shardId, 600).at(-1)!;
        last.progress.feedDone = true;
        last.progress.stop = { by: 'feed-done' };
      }
      expect(criterion(buildReport(run), 'full-duration')).toMatchObject({
        pass: true,
        result: expect.stringContaining("every shard played its replay to the end (on the engines' word: the recorded files were not read)"),
      });
    });

    it('fails a wall-clock replay stopped at half its duration where only one shard had run out of data', () => {
      const run = campaignRun({ ranSec: 600, config: { feed: { kind: 'replay', path: 'q.csv' } } });
      const [ranOut, stopped] = ['shard-000', 'shard-001'].map((id) => run.heartbeats[id]!.at(-1)!);
      ranOut!.progress.feedDone = true;
      ranOut!.progress.stop = { by: 'feed-done' };
      stopped!.progress.stop = { by: 'signal', signal: 'SIGINT' };
      expect(criterion(buildReport(run), 'full-duration')).toMatchObject({ pass: false, result: expect.stringMatching(/^10m \(50 %\), COMPLETED/) });
    });

    it('fails a COMPLETED campaign that ran under 99 % of its duration, passes one at 99 %', () => {
      expect(criterion(buildReport(campaignRun({ durationSec: 1000, ranSec: 989 })), 'full-duration').pass).toBe(false);
      expect(criterion(buildReport(campaignRun({ durationSec: 1000, ranSec: 990 })), 'full-duration').pass).toBe(true);
    });
  });

  it("loop latency: fails when a shard's p99 reaches 10 ms and names it", () => {
    const report = buildReport(campaignRun({ latencyP99Us: (shard) => (shard === 1 ? 62_000 : 80) }));
    expect(criterion(report, 'loop-latency')).toMatchObject({
      pass: false,
      target: '< 10 ms, as the engines measured it (engine-reported)',
      result: '62 ms (worst: shard-001)',
    });
    expect(criterion(buildReport(campaignRun({ latencyP99Us: () => 9_999 })), 'loop-latency').pass).toBe(true);
    expect(criterion(buildReport(campaignRun({ latencyP99Us: () => 10_000 })), 'loop-latency').pass).toBe(false);
  });

  describe('monitoring on', () => {
    it('fails when heartbeats of one generation are further apart than staleAfter', () => {
      const run = campaignRun();
      run.heartbeats['shard-001'] = run.heartbeats['shard-001']!.filter((h) => h.receivedAt <= T0 + 300 * SEC || h.receivedAt >= T0 + 360 * SEC);
      const c = criterion(buildReport(run), 'monitoring');
      expect(c.pass).toBe(false);
      expect(c.result).toBe('shard-001 gen 0: 60 s silent from +5m');
    });

    it('does not count the downtime between generations as missing monitoring', () => {
      const report = buildReport(campaignRun({ restarts: [{ shard: 0, cause: 'LOST', atSec: 400, downSec: 120 }] }));
      expect(criterion(report, 'monitoring')).toMatchObject({ pass: true, result: 'longest gap 10 s (shard-000)' });
    });

    it('fails when a shard never heartbeated', () => {
      const run = campaignRun();
      run.heartbeats['shard-000'] = [];
      delete run.shards[0]!.heartbeat;
      expect(criterion(buildReport(run), 'monitoring')).toMatchObject({ pass: false, result: 'shard-000 never heartbeated' });
    });

    it('judges a running shard on the age of its latest heartbeat', () => {
      const run = campaignRun({ ranSec: 600, status: 'RUNNING' });
      delete run.campaign.endedAt;
      for (const s of run.shards) s.status = 'RUNNING';
      run.now = T0 + 600 * SEC + 30 * SEC;
      expect(criterion(buildReport(run), 'monitoring').pass).toBe(true);
      run.now = T0 + 600 * SEC + 50 * SEC;
      expect(criterion(buildReport(run), 'monitoring').pass).toBe(false);
    });
  });

  describe('no unrecovered stall', () => {
    it('passes when every stall and loss was followed by a new generation', () => {
      const report = buildReport(
        campaignRun({
          restarts: [
            { shard: 0, cause: 'STALLED', atSec: 200, downSec: 30 },
            { shard: 1, cause: 'LOST', atSec: 500, downSec: 60 },
          ],
        }),
      );
      expect(criterion(report, 'no-unrecovered-stall')).toMatchObject({ pass: true, result: '2 stalled/lost, all restarted; no shard FAILED' });
    });

    it('fails on a loss that was never restarted, and on a FAILED shard', () => {
      const run = campaignRun({ restarts: [{ shard: 1, cause: 'LOST', atSec: 900 }] });
      run.shards[0]!.status = 'FAILED';
      const c = criterion(buildReport(run), 'no-unrecovered-stall');
      expect(c.pass).toBe(false);
      expect(c.result).toBe('shard-001 LOST at +15m: not restarted (the campaign ended first); shard-000 FAILED');
    });
  });

  describe('continuous trades', () => {
    it('fails when a 5-minute window has no opening fill, naming the window', () => {
      const run = campaignRun();
      for (const id of Object.keys(run.ledgers)) {
        run.ledgers[id] = run.ledgers[id]!.filter((f) => f.kind !== 'OPEN' || f.ts < T0 + 600 * SEC || f.ts >= T0 + 900 * SEC);
      }
      const c = criterion(buildReport(run), 'continuous-trades');
      expect(c).toMatchObject({ pass: false, target: 'a trade opened in every 5m window', result: '3 of 4 windows; none in +10m…+15m' });
    });

    it('joins a trailing stretch shorter than 5 minutes to the last window', () => {
      // 22 minutes: windows 0-5, 5-10, 10-15, 15-22; trades only until 16 min still fill the last one.
      const run = campaignRun({ durationSec: 1320 });
      for (const id of Object.keys(run.ledgers)) run.ledgers[id] = run.ledgers[id]!.filter((f) => f.ts < T0 + 960 * SEC);
      expect(criterion(buildReport(run), 'continuous-trades')).toMatchObject({ pass: true, result: '4 of 4 windows' });
    });

    it('judges a run shorter than 5 minutes as one window and says so', () => {
      const passing = criterion(buildReport(campaignRun({ durationSec: 120 })), 'continuous-trades');
      expect(passing.pass).toBe(true);
      expect(passing.target).toContain('whole run (shorter than 5m: one window)');
      const run = campaignRun({ durationSec: 120 });
      for (const id of Object.keys(run.ledgers)) run.ledgers[id] = [];
      expect(criterion(buildReport(run), 'continuous-trades')).toMatchObject({ pass: false, result: '0 opening fills in 2m' });
    });
  });

  describe('every symbol traded', () => {
    it('fails a long run naming the symbols without an opening fill', () => {
      const run = campaignRun({ durationSec: 3600 });
      run.ledgers['shard-001'] = run.ledgers['shard-001']!.filter((f) => f.symbol !== 'SYM3');
      const c = criterion(buildReport(run), 'all-symbols-traded');
      expect(c).toMatchObject({ pass: false, target: '4 of 4 symbols open a trade (an entry filling some quantity)', result: '3 of 4; none for SYM3' });
    });

    it('excuses no symbol in a one-minute run either', () => {
      const run = campaignRun({ durationSec: 60, tradeEverySec: 5 });
      expect(criterion(buildReport(run), 'all-symbols-traded')).toMatchObject({ pass: true, result: '4 of 4' });
      run.ledgers['shard-000'] = run.ledgers['shard-000']!.filter((f) => f.symbol !== 'SYM0');
      expect(criterion(buildReport(run), 'all-symbols-traded')).toMatchObject({ pass: false, result: '3 of 4; none for SYM0' });
    });
  });

  it('crash-free: counts CRASHED and OOM restarts, not stalls or recycles', () => {
    const calm = campaignRun({
      restarts: [
        { shard: 0, cause: 'STALLED', atSec: 200, downSec: 30 },
        { shard: 1, cause: 'RECYCLED', atSec: 500, downSec: 10 },
      ],
    });
    expect(criterion(buildReport(calm), 'no-unhandled-exception')).toMatchObject({ pass: true, result: '0 crashes' });
    const crashing = campaignRun({
      restarts: [
        { shard: 0, cause: 'CRASHED', atSec: 200, downSec: 30, stderrTail: 'TypeError: x is undefined' },
        { shard: 1, cause: 'OOM', atSec: 500, downSec: 30 },
      ],
    });
    const c = criterion(buildReport(crashing), 'no-unhandled-exception');
    expect(c).toMatchObject({ pass: false, result: '2 crashes (CRASHED ×1, OOM ×1); restart causes are listed below' });
  });
});

describe('buildReport: ledger check', () => {
  it("matches the ledger with the checkpoints' counters on a clean run", () => {
    const report = buildReport(campaignRun());
    expect(report.ledger).toMatchObject({ fillsInLedger: 160, fillsCounted: 160, lost: 0, duplicated: 0, uncounted: 0, pass: true });
    expect(criterion(report, 'ledger-exact')).toMatchObject({ pass: true, result: '160 fills in ledger = 160 counted; 40 trades (40 closed) in the ledger' });
  });

  it('detects a fill written twice (same seq)', () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    ledger.splice(10, 0, { ...ledger[10]! });
    const report = buildReport(run);
    expect(report.ledger).toMatchObject({ fillsInLedger: 161, fillsCounted: 160, duplicated: 1, lost: 0, pass: false });
    expect(report.ledger.shards[0]).toMatchObject({ shardId: 'shard-000', duplicated: 1 });
    expect(criterion(report, 'ledger-exact').pass).toBe(false);
  });

  it('detects the same leg written again under a new seq', () => {
    const run = campaignRun();
    const ledger = run.ledgers['shard-001']!;
    ledger.push({ ...ledger[4]!, seq: ledger.length });
    expect(buildReport(run).ledger).toMatchObject({ duplicated: 1, lost: 0, pass: false });
  });

  it('detects a fill counted by the engine but missing from the ledger', () => {
    const run = campaignRun();
    run.ledgers['shard-001']!.splice(7, 1);
    const report = buildReport(run);
    expect(report.ledger).toMatchObject({ fillsInLedger: 159, fillsCounted: 160, lost: 1, duplicated: 0, pass: false });
    expect(criterion(report, 'ledger-exact').result).toBe('1 lost, 0 duplicated, 0 uncounted (159 in ledger, 160 counted)');
  });

  it('FAILS on market updates traded twice: trades repeating earlier decisions under new seqs and trade ids, every count matching', () => {
    // What a restore that resumed the feed before the fills it restored does: generation 1 makes
    // trades 0 and 1 again (same symbol, side, event time, price on both legs), counted as made.
    const run = campaignRun();
    const ledger = run.ledgers['shard-000']!;
    const again = ledger.filter((f) => f.tradeId <= 1).map((f, i) => ({ ...f, seq: ledger.length + i, tradeId: 100 + f.tradeId, generation: 1 }));
    ledger.push(...again);
    run.shards.find((s) => s.shardId === 'shard-000')!.generation = 1; // generation 1 ran
    const checkpoint = run.checkpoints['shard-000']!;
    checkpoint.fillsA += 4;
    checkpoint.fillsB += 4;
    checkpoint.lastFillSeq += 8;
    const last = run.heartbeats['shard-000']!.at(-1)!.progress;
    last.fillsA += 4;
    last.fillsB += 4;
    last.lastFillSeq += 8;
    last.trades += 2;
    last.tradesClosed += 2;
    last.realizedPnlMicros = realizedMicrosOf(ledger);
    const report = buildReport(run);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, uncounted: 0, pnlMismatchMicros: 0, repeatedDecisions: 2, pass: false });
    expect(report.ledger.shards[0]).toMatchObject({ shardId: 'shard-000', repeatedDecisions: 2 });
    expect(criterion(report, 'ledger-exact')).toMatchObject({
      pass: false,
      result: "0 lost, 0 duplicated, 0 uncounted, 2 trades repeat an earlier trade's decision (168 in ledger, 168 counted)",
    });
    // One exit closing two open trades at the same prices and time is one decision, not a repeat.
    const twoClosedAtOnce = ledger
      .filter((f) => f.tradeId <= 1)
      .map((f) => (f.kind === 'CLOSE' ? { ...f, symbol: 'SYM0', ts: T0 + 99 * SEC, eventTs: T0 + 99 * SEC, price: 100 } : { ...f, symbol: 'SYM0' }));
    expect(repeatedDecisionsOf(twoClosedAtOnce)).toBe(0);
    // (A mutation run of ledger-check.ts: with exits compared, or only a trade's first leg, no test failed.)
    // A repeated entry is a repeat whatever its exits did: trade 101 entered as trade 1 did, closed later at another price.
    const entry = (f: (typeof ledger)[number]) => ({ ...f, symbol: 'SYM0' });
    const firstTrade = ledger.filter((f) => f.tradeId === 1).map(entry);
    const sameEntryOtherExit = firstTrade.map((f) =>
      f.kind === 'CLOSE' ? { ...f, tradeId: 101, seq: f.seq + 1000, ts: f.ts + SEC, price: f.price + 1 } : { ...f, tradeId: 101, seq: f.seq + 1000 },
    );
    expect(repeatedDecisionsOf([...firstTrade, ...sameEntryOtherExit])).toBe(1);
    // Same instant and venue A leg, another venue B price: another decision, not a repeat.
    const otherB = firstTrade.map((f) => ({ ...f, tradeId: 102, seq: f.seq + 2000, price: f.venue === 'B' ? f.price + 1 : f.price }));
    expect(repeatedDecisionsOf([...firstTrade, ...otherB])).toBe(0);
    // The same trades at another price (a different decision at the same time) are not a repeat.
    for (const f of again) {
      f.price += 0.01;
      f.fee = f.qty * f.price * ((f.venue === 'A' ? 5 : 4) / 1e4); // the fixture's taker fees on the new price
    }
    last.realizedPnlMicros = realizedMicrosOf(ledger);
    expect(buildReport(run).ledger).toMatchObject({ repeatedDecisions: 0, pass: true });
  });

  it("flags fills in the ledger beyond the engine's counters as uncounted", () => {
    const run = campaignRun();
    run.checkpoints['shard-000'] = undefined;
    expect(buildReport(run).ledger).toMatchObject({ fillsCounted: 80, uncounted: 80, lost: 0, pass: false });
  });
});

describe('buildReport: series', () => {
  it('gives one point per heartbeat, in seconds since the start', () => {
    const report = buildReport(campaignRun({ durationSec: 300 }));
    const points = report.series.shards[0]!.points;
    expect(points).toHaveLength(31);
    expect(points[0]).toEqual({ t: 0, generation: 0, ticksPerSec: 100, trades: 0, rssBytes: 100 * MIB, latencyP99Us: 80 });
    expect(points.at(-1)!.t).toBe(300);
  });

  it(`downsamples long runs to at most ${MAX_SERIES_POINTS} points, keeping peaks and the last value`, () => {
    const run = campaignRun({ durationSec: 3600, heartbeatEverySec: 5 });
    const spike = run.heartbeats['shard-000']![333]!;
    spike.progress = { ...spike.progress, latencyP99Us: 9_000 };
    const series = buildReport(run).series.shards[0]!;
    expect(run.heartbeats['shard-000']).toHaveLength(721);
    expect(series.points.length).toBeLessThanOrEqual(MAX_SERIES_POINTS);
    expect(series.points.length).toBeGreaterThan(MAX_SERIES_POINTS - 5);
    expect(Math.max(...series.points.map((p) => p.latencyP99Us))).toBe(9_000);
    expect(series.points.at(-1)).toMatchObject({ t: 3600, trades: 60 });
  });

  it('counts every heartbeat once in the latency histogram', () => {
    const run = campaignRun({ latencyP99Us: (shard) => (shard === 0 ? 80 : 12_000) });
    const buckets = buildReport(run).series.latencyHistogram.buckets;
    const heartbeats = Object.values(run.heartbeats).reduce((n, h) => n + h.length, 0);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(heartbeats);
    expect(buckets[0]).toEqual({ fromUs: 50, toUs: 100, count: 121 });
    expect(buckets.at(-1)).toEqual({ fromUs: 10_000, toUs: 20_000, count: 121 });
  });

  it('puts restarts and FAILED shards on the timeline', () => {
    const run = campaignRun({ restarts: [{ shard: 1, cause: 'OOM', atSec: 420, downSec: 25 }] });
    run.events.push({
      at: T0 + 900 * SEC,
      campaignId: 'c-report',
      shardId: 'shard-000',
      type: 'shard.status',
      from: 'CRASHED',
      to: 'FAILED',
      cause: 'CRASHED',
    });
    expect(buildReport(run).series.timeline).toEqual([
      { t: 420, shardId: 'shard-001', kind: 'restart', cause: 'OOM', downtimeSec: 25 },
      { t: 900, shardId: 'shard-000', kind: 'failed', cause: 'CRASHED', downtimeSec: null },
    ]);
  });
});

describe('loadReportInput', () => {
  function storeOf(input: ReportInput): ReportSource {
    return {
      getCampaign: async (id) => (id === input.campaign.campaignId ? input.campaign : undefined),
      listShards: async () => input.shards,
      listEvents: async () => input.events,
      readHeartbeats: async (key) => input.heartbeats[key.shardId] ?? [],
      readLedger: async (key) => input.ledgers[key.shardId] ?? [],
      readCheckpoint: async (key) => input.checkpoints[key.shardId],
    };
  }

  it('gathers records, heartbeats, ledgers, checkpoints and events per shard', async () => {
    const input = campaignRun();
    const loaded = await loadReportInput(storeOf(input), 'c-report', input.now);
    expect(loaded).toEqual(input);
    expect(buildReport(loaded)).toEqual(buildReport(input));
  });

  it('rejects an unknown campaign with NotFoundError', async () => {
    await expect(loadReportInput(storeOf(campaignRun()), 'c-nope', T0)).rejects.toBeInstanceOf(NotFoundError);
  });
});
