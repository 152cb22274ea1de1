import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../core/report/build-report.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { LIVE_REFRESH_SEC, renderLivePage } from '../../../core/report/render-live-page.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import { runSummaryLines } from '../../../core/report/run-summary.js';
import { campaignRun, SEC, T0 } from './report-fixtures.js';

const HOSTILE = '<script>alert("x")</script>';

/** A run with a crash (with stderr), a stall, and an unrecovered loss: every part of the report has something to show. */
function eventfulRun() {
  return campaignRun({
    durationSec: 1800,
    shards: 3,
    restarts: [
      { shard: 0, cause: 'CRASHED', atSec: 400, downSec: 30, stderrTail: 'TypeError: book is undefined\n    at onTick (engine.ts:120)' },
      { shard: 1, cause: 'STALLED', atSec: 900, downSec: 55 },
      { shard: 2, cause: 'LOST', atSec: 1500 },
    ],
  });
}

/** Every URL a page would fetch or link to from `src`/`href`, other than `data:` ones. */
function externalReferences(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] as string).filter((url) => !url.startsWith('data:'));
}

describe('renderMarkdown', () => {
  const report = buildReport(eventfulRun());
  const markdown = renderMarkdown(report);

  it('has the acceptance table with ✅ and ❌ and the overall count', () => {
    expect(markdown).toContain('| Criterion | Target | Result | Status |');
    expect(markdown).toContain('| **Loop latency p99** | < 10 ms, as the engines measured it (engine-reported) | 100 µs (worst: shard-002) | ✅ PASS |');
    expect(markdown).toContain('| **Crash-free** | 0 CRASHED or OOM restarts | 1 crash (CRASHED ×1); restart causes are listed below | ❌ FAIL |');
    expect(markdown).toContain(
      "| **Ran the full duration** | 30m (≥ 99 %, or every replay to its end), every shard's final heartbeat within staleAfter of the end, COMPLETED | 30m (100 %), COMPLETED; shard-002 silent from +24m50s | ❌ FAIL |",
    );
    // shard-002, LOST at +25m and never restarted, was silent to the end: a monitoring gap too.
    expect(markdown).toContain(
      "| **Monitoring on** | every shard heartbeats at least every 45 s (staleAfter), its engine's progress in them; no heartbeat its shard's record contradicts (a generation that never ran, was replaced or has no restart into it, two writers in one generation, a writer's counts going back) | shard-002: 310 s silent from +24m50s to the end, no final heartbeat | ❌ FAIL |",
    );
    expect(markdown).toContain(
      '**Overall**: 6/11 PASS: fleet rows 4/8 above, trading rows 2/3 below (failed: Ran the full duration, Monitoring on, No unrecovered stall, Crash-free, No position left open)',
    );
  });

  it('says the outcome of every acceptance and trading row in its header, naming the failed ones', () => {
    expect(markdown).toContain(
      '**Status**: COMPLETED (max runtime reached) · **Acceptance**: 6/11 PASS (failed: Ran the full duration, Monitoring on, No unrecovered stall, Crash-free, No position left open)\n',
    );
    expect(renderMarkdown(buildReport(campaignRun()))).toContain('· **Acceptance**: 11/11 PASS\n');
  });

  it('has a row per shard, the restarts with causes and evidence, and the ledger check', () => {
    for (const id of ['shard-000', 'shard-001', 'shard-002']) expect(markdown).toMatch(new RegExp(`^\\| ${id} \\|`, 'm'));
    expect(markdown).toContain('- `shard-000` generation 0: **CRASHED** at +6m40s, detected after 5 s, restarted at +7m10s (down 30 s). Evidence: exit code 1');
    expect(markdown).toContain('      TypeError: book is undefined');
    expect(markdown).toContain('**LOST** at +25m, detected after 5 s, not restarted');
    expect(markdown).toContain('## Ledger check');
    expect(markdown).toContain('| **total** | 334 | 334 | 0 | 0 | 0 |');
  });

  it('keeps a table intact when data holds pipes or markup', () => {
    const run = eventfulRun();
    run.campaign.name = `a|b ${HOSTILE}`;
    run.shards[0]!.symbols = ['X|Y'];
    const text = renderMarkdown(buildReport(run));
    expect(text).toContain('# Campaign report: a\\|b &lt;script>');
    expect(text).toContain('| shard-000 | X\\|Y |');
    expect(text).not.toContain('<script>');
  });
});

describe('renderHtml', () => {
  it('escapes markup in the campaign name, symbols and stderr', () => {
    const run = eventfulRun();
    run.campaign.name = HOSTILE;
    run.shards[1]!.symbols = [`SYM${HOSTILE}`];
    run.shards[0]!.restarts[0]!.detail.stderrTail = `Error ${HOSTILE}`;
    const html = renderHtml(buildReport(run));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('SYM&lt;script&gt;');
  });

  it('is self-contained: no script, no external URL', () => {
    const html = renderHtml(buildReport(eventfulRun()));
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|@import|url\(/i);
  });

  it('draws every chart with its data points', () => {
    const html = renderHtml(buildReport(eventfulRun()));
    for (const id of ['chart-throughput', 'chart-trades', 'chart-latency', 'chart-restarts', 'chart-rss']) {
      const chart = html.slice(html.indexOf(`id="${id}"`), html.indexOf('</figure>', html.indexOf(`id="${id}"`)));
      const points = [...chart.matchAll(/data-points="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
      expect(points, id).toBeGreaterThan(0);
    }
    expect(html).toMatch(/id="chart-restarts"[\s\S]*?data-points="3"/);
  });

  it("breaks a shard's line where a restart started a new generation", () => {
    const html = renderHtml(buildReport(eventfulRun()));
    const throughput = html.slice(html.indexOf('id="chart-throughput"'));
    const path = /data-series="shard-000"[^>]*><path d="([^"]+)"/.exec(throughput)?.[1] ?? '';
    expect(path.match(/M/g)).toHaveLength(2);
  });

  it('has the acceptance and shard tables', () => {
    const html = renderHtml(buildReport(eventfulRun()));
    expect(html.match(/data-criterion="/g)).toHaveLength(8);
    expect(html).toContain('<td class="fail" data-criterion="no-unhandled-exception">✗ FAIL</td>');
    expect(html).toMatch(/<div id="shards">[\s\S]*shard-002/);
  });

  it('says the outcome of every acceptance and trading row in its header, as the CLI does: a failed trading row counts', () => {
    const report = buildReport(campaignRun({ quoteAgeSec: 30 }));
    expect(report.acceptance.every((a) => a.pass)).toBe(true);
    const summary = runSummaryLines({ report, status: 'COMPLETED', endReason: undefined, files: { markdown: 'r.md', html: 'r.html', json: 'r.json' } });
    expect(summary[0]).toContain(' · acceptance 10/11 · ');
    expect(summary[1]).toMatch(/^ {2}✗ Quote coverage: /);
    expect(renderHtml(report)).toContain(
      '<div id="outcome"><span class="muted">Acceptance</span><b class="fail">10/11 pass</b><span id="outcome-failed" class="fail">failed: Quote coverage</span></div>',
    );
    expect(renderMarkdown(report)).toContain('· **Acceptance**: 10/11 PASS (failed: Quote coverage)\n');
    expect(renderHtml(buildReport(campaignRun()))).toContain('<div id="outcome"><span class="muted">Acceptance</span><b class="pass">11/11 pass</b></div>');
  });

  it('says so instead of drawing when there is nothing to draw', () => {
    const run = campaignRun({ status: 'RUNNING', ranSec: 0 });
    for (const s of run.shards) delete s.heartbeat;
    run.heartbeats = {};
    const html = renderHtml(buildReport(run));
    expect(html).toContain('No heartbeats recorded.');
    expect(html).toContain('No restarts.');
  });
});

describe('renderLivePage', () => {
  function liveView(now = T0 + 600 * SEC) {
    const run = campaignRun({ ranSec: 600, status: 'RUNNING' });
    delete run.campaign.endedAt;
    delete run.campaign.endReason;
    for (const s of run.shards) s.status = 'RUNNING';
    return { campaign: run.campaign, shards: run.shards, now };
  }

  it('shows one row per shard with its heartbeat age, and refreshes itself while the campaign runs', () => {
    const html = renderLivePage(liveView(T0 + 612 * SEC));
    expect(html).toContain(`<meta http-equiv="refresh" content="${LIVE_REFRESH_SEC}">`);
    expect(html.match(/<td data-shard=/g)).toHaveLength(2);
    expect(html).toContain('<th>Trades (engine-reported)</th>');
    expect(html).toContain('<td class="num">12 s</td>');
    expect(html).toContain('running 10m12s, 9m48s to go');
    expect(html).not.toMatch(/<script|https?:\/\//i);
  });

  it('marks a heartbeat older than staleAfter', () => {
    expect(renderLivePage(liveView(T0 + 660 * SEC))).toContain('<td class="num fail">60 s</td>');
  });

  it('stops refreshing once the campaign has ended', () => {
    const view = liveView();
    view.campaign.status = 'COMPLETED';
    expect(renderLivePage(view)).not.toContain('http-equiv="refresh"');
  });

  it('escapes markup from data', () => {
    const view = liveView();
    view.campaign.name = HOSTILE;
    view.shards[0]!.symbols = [HOSTILE];
    expect(renderLivePage(view)).not.toMatch(/<script/i);
  });
});

describe('a run of a schedule', () => {
  const run = campaignRun();
  const scheduled = { ...run, campaign: { ...run.campaign, scheduleId: 'weekday-soak', occurrence: Date.UTC(2026, 0, 5, 0, 0) } };

  it('names its schedule and occurrence in report.json, Markdown and HTML; a one-off campaign names none', () => {
    const report = buildReport(scheduled);
    expect(report.campaign.schedule).toEqual({ id: 'weekday-soak', occurrence: Date.UTC(2026, 0, 5, 0, 0) });
    expect(renderMarkdown(report)).toContain('- Run of schedule `weekday-soak`, occurrence 2026-01-05T00:00:00Z');
    expect(renderHtml(report)).toContain('weekday-soak, occurrence 2026-01-05T00:00:00Z');
    const oneOff = buildReport(run);
    expect(oneOff.campaign.schedule).toBeUndefined();
    expect(renderMarkdown(oneOff)).not.toContain('Run of schedule');
  });
});
