import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedPnl } from '../../core/report/run-summary.js';
import { runCampaign, runFolder, startCli, E2E_CONFIG } from '../support/cli-process.js';

describe('arbfleet run: a whole campaign on this machine', () => {
  it('runs a top-10 campaign in two shards to completion, every symbol traded, the report written', async () => {
    const runDir = runFolder();
    const { report, cli } = await runCampaign(['--duration', '20s'], runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    // The last lines say the verdict at a glance, with the report's own figures, uncoloured on a pipe.
    const summary = cli.stderr().trimEnd().split('\n').slice(-2);
    expect(summary).toEqual([
      `arbfleet: COMPLETED (${report.campaign.endReason}) · acceptance 11/11 · ${report.totals.trades} trades · P&L ${signedPnl(report).text} · 0 restart(s) · ledger lost 0 / duplicated 0`,
      `  report: ${join(runDir, 'report.md')} (also report.html, report.json)`,
    ]);
    expect(signedPnl(report).text).toMatch(/^[+-]?[\d,]+\.\d{2} USDT$/);
    expect(report.campaign.endReason).toMatch(/max runtime reached/i);
    expect(report.campaign.ranSec).toBeGreaterThanOrEqual(19.8);
    expect(report.shards.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(report.shards.flatMap((s) => s.symbols).sort()).toHaveLength(10);
    const traded = report.acceptance.find((a) => /every symbol traded/i.test(a.criterion));
    expect(traded?.pass, JSON.stringify(traded)).toBe(true);
    expect(report.totals.trades).toBeGreaterThan(10);
    expect(report.totals.restarts).toBe(0);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, pass: true });
    expect(report.outcome.acceptance, JSON.stringify(report.outcome.acceptance.failedRows)).toEqual({ passed: 11, failed: 0, total: 11, failedRows: [] });
    for (const file of ['report.md', 'report.html', 'events.jsonl', 'fleet.db']) expect(existsSync(join(runDir, file)), file).toBe(true);
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === 'campaign.status' && e.to === 'COMPLETED')).toBe(true);

    // `arbfleet trades` reads the same trades from the run folder's ledger as the report lists.
    const json = startCli(['trades', runDir, '--json']);
    expect((await json.exited).code, json.stderr()).toBe(0);
    const listed = json
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(listed.map(({ currency, ...row }) => ({ ...row, currency }))).toEqual((report.trading?.trades ?? []).map((t) => ({ ...t, currency: 'USDT' })));
    expect(listed.length).toBeGreaterThan(10);
    const symbol = listed[0].symbol as string;
    const csv = startCli(['trades', runDir, '--symbol', symbol, '--csv']);
    expect((await csv.exited).code, csv.stderr()).toBe(0);
    const [header, ...lines] = csv.stdout().trim().split('\n');
    expect(header).toBe(
      'opened (UTC),closed (UTC),shard,symbol,trade,direction,entry A,entry B,exit A,exit B,filled A,ordered A,filled B,ordered B,unhedged venue,unhedged qty,quote age A s,quote age B s,exit reason,P&L USDT',
    );
    expect(lines).toHaveLength(listed.filter((t) => t.symbol === symbol).length);
    for (const line of lines) expect(line.split(',')[3]).toBe(symbol);
    const unknown = startCli(['trades', runDir, '--symbol', 'NOPE']);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toMatch(new RegExp(`--symbol: no trade of "NOPE" in this run \\(symbols traded: .*${symbol}`));
  });

  it('exits 2 naming the field for a bad config', async () => {
    const runDir = runFolder();
    const bad = join(runDir, 'bad.yaml');
    (await import('node:fs')).writeFileSync(bad, readFileSync(E2E_CONFIG, 'utf8').replace('entryBps: 25', 'entryBps: 12'));
    const cli = startCli(['run', bad, '--no-dashboard', '--out', join(runDir, 'out')]);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toMatch(/strategy\.entryBps: cannot be met after fees/);
  });

  it('exits 2 with the list of verbs for an unknown chaos verb', async () => {
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--chaos', 'explode:shard-000@5s']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toContain('unknown chaos verb "explode": use one of kill, exit, stall, freeze, leak');
  });
});
