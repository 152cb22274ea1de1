import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../core/model/fill.js';
import type { ScheduleRecord } from '../../../core/model/schedule-record.js';
import type { ShardKey } from '../../../core/ports.js';
import { renderConsolePage } from '../../../core/report/console-page.js';
import { BLOTTER_ROWS, Console, type ConsoleSource } from '../../../core/report/console-sections.js';
import type { ReportInput } from '../../../core/report/build-report.js';
import { storedSchedule } from '../../support/campaigns.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';

const HOSTILE = '<script>alert("x")</script>';

/** A console over one fixture run; counts ledger reads. */
function consoleOver(run: ReportInput, schedules: ScheduleRecord[] = [], only?: string) {
  let now = run.now;
  const reads: string[] = [];
  const source: ConsoleSource = {
    listCampaigns: async () => [run.campaign],
    getCampaign: async () => ({ campaign: run.campaign, shards: run.shards }),
    readLedger: async (key: ShardKey): Promise<Fill[]> => {
      reads.push(key.shardId);
      return run.ledgers[key.shardId] ?? [];
    },
    schedules: {
      listSchedules: async () => schedules,
      getSchedule: async (_id, n = 3) => ({
        next: Array.from({ length: n }, (_, i) => new Date(Date.parse('2026-01-06T17:00:00Z') + i * 86_400_000).toISOString()),
      }),
    },
    ...(only === undefined ? {} : { only }),
    now: () => now,
  };
  return { console: new Console(source), reads, setNow: (ms: number) => (now = ms) };
}

function section(view: { sections: { id: string; html: string }[] }, id: string): string {
  return view.sections.find((s) => s.id === id)?.html ?? '';
}

function nightly(state: Partial<ScheduleRecord>): ScheduleRecord {
  return storedSchedule({ name: 'nightly', cron: '0 2 * * *', timezone: 'Asia/Seoul' }, { createdAt: T0, nextRunAt: T0, version: 1 }, state);
}

describe('the console list of runs', () => {
  it('lists the run with its link, trades and P&L, and escapes markup from data in the page and its sections', async () => {
    const run = campaignRun();
    run.campaign.name = HOSTILE;
    const { console } = consoleOver(run, [nightly({})]);
    const view = await console.view(undefined);
    expect(view.sections.map((s) => s.id)).toEqual(['console-runs', 'console-schedules']);
    const runs = section(view, 'console-runs');
    expect(runs).toContain('href="/?campaignId=c-report"');
    expect(runs).toContain('data-status="COMPLETED"');
    // Summed from heartbeats, so said to be the engines' word (the report gives the ledger's).
    expect(runs).toContain('<th>Trades (engine-reported)</th><th>Realised P&amp;L (engine-reported)</th>');
    expect(renderConsolePage(view)).not.toContain(HOSTILE);
    expect(runs).toContain('&lt;script&gt;');
  });

  it("lists a schedule's next runs in its zone beside UTC with Pause and Trigger; a paused one lists none and offers Resume", async () => {
    const active = section(await consoleOver(campaignRun(), [nightly({})]).console.view(undefined), 'console-schedules');
    expect(active).toMatch(/2026-01-07 02:00 (KST|GMT\+9) · 2026-01-06T17:00Z/);
    expect(active).toContain('data-action="/schedules/nightly/pause"');
    expect(active).toContain('data-action="/schedules/nightly/trigger"');
    const paused = section(await consoleOver(campaignRun(), [nightly({ paused: true, note: HOSTILE })]).console.view(undefined), 'console-schedules');
    expect(paused).toContain('none while paused');
    expect(paused).toContain('data-action="/schedules/nightly/resume"');
    expect(paused).not.toContain('data-action="/schedules/nightly/pause"');
    expect(paused).not.toContain(HOSTILE);
  });
});

describe("the console's page of a campaign", () => {
  it('an ended campaign: no Stop button, the same sections at any later time, its ledger read once', async () => {
    const run = campaignRun({ restarts: [{ shard: 0, cause: 'CRASHED', atSec: 400, downSec: 30, stderrTail: `boom ${HOSTILE}` }] });
    const { console, reads, setNow } = consoleOver(run);
    const first = await console.view('c-report');
    setNow(run.now + 3600 * SEC);
    const later = await console.view('c-report');
    expect(later.sections).toEqual(first.sections);
    expect(reads).toEqual(run.shards.map((s) => s.shardId));
    expect(section(first, 'console-campaign')).not.toContain('stop-campaign');
    const restarts = section(first, 'console-restarts');
    expect(restarts).toContain('>CRASHED<');
    expect(restarts).not.toContain(HOSTILE);
    expect(first.backToRuns).toBe(true);
  });

  it('a running campaign: a Stop button, its heartbeat age to now (marked past staleAfter), its ledger read each time', async () => {
    const run = campaignRun({ ranSec: 600, status: 'RUNNING' });
    delete run.campaign.endedAt;
    for (const s of run.shards) s.status = 'RUNNING';
    const receivedAt = run.shards[0]!.heartbeat!.receivedAt;
    const { console, reads, setNow } = consoleOver(run, [], 'c-report');
    setNow(receivedAt + 12 * SEC);
    const fresh = await console.view(undefined);
    expect(section(fresh, 'console-campaign')).toContain('data-action="/campaigns/c-report/stop"');
    expect(section(fresh, 'console-shards')).toContain('<td class="num">12 s</td>');
    expect(fresh.backToRuns).toBe(false);
    setNow(receivedAt + 60 * SEC);
    expect(section(await console.view(undefined), 'console-shards')).toContain('<td class="num fail">60 s</td>');
    expect(reads).toHaveLength(2 * run.shards.length);
  });

  it(`lists at most ${BLOTTER_ROWS} trades, open ones first, and says how many there are`, async () => {
    const run = campaignRun({ durationSec: 3600, tradeEverySec: 10 });
    const { console } = consoleOver(run);
    const trades = section(await console.view('c-report'), 'console-trades');
    const rows = trades.match(/<tr>/g)?.length ?? 0;
    const total = Object.values(run.ledgers).reduce((n, l) => n + new Set(l.map((f) => f.tradeId)).size, 0);
    expect(total).toBeGreaterThan(BLOTTER_ROWS);
    expect(rows - 1).toBe(BLOTTER_ROWS);
    expect(trades).toContain(`${total.toLocaleString('en-US')} trade(s)`);
    // Each leg's entry quantity (the fixture's legs are hedged: 10 on each venue).
    expect(trades).toContain('<th>Filled A / B</th>');
    expect(trades).toContain('<td class="num">10 / 10</td>');
  });
});
