import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SweepResult } from '../../cli/sweep-command.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { runFolder, startCli } from '../support/cli-process.js';

/** 10 recorded minutes with a ±60 bps dislocation (45 bps net of fees) for 10 s in every minute. */
const DISLOCATIONS = fileURLToPath(new URL('../fixtures/replay/dislocations.yaml', import.meta.url));

describe('arbfleet sweep', () => {
  it('runs one clock: virtual campaign per value side by side over the same recorded data and prints their trading', async () => {
    const out = runFolder();
    // The config's replay path is relative to its own folder: the sweep resolves it there.
    const cli = startCli(['sweep', DISLOCATIONS, '--set', 'strategy.entryBps=25,50', '--parallel', '2', '--out', out]);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-3000)).toBe(0);

    const results = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepResult[];
    expect(results.map((r) => [r.params['strategy.entryBps'], r.status])).toEqual([
      [25, 'COMPLETED'],
      [50, 'COMPLETED'],
    ]);
    const [low, high] = results;
    expect(low?.trades).toBeGreaterThan(0);
    expect(high?.trades, 'an entry bar above the 45 bps net dislocation never enters').toBe(0);
    expect(low?.exits['REVERSION']).toBeGreaterThan(0);
    // Each run's verdict, as its own report.json says it: a run failing a row (its ledger check, say)
    // is not one to rank by P&L, and the table said nothing of it.
    const verdictOf = (r: SweepResult | undefined) => {
      const { outcome } = JSON.parse(readFileSync(join(r?.runDir ?? '', 'report.json'), 'utf8')) as CampaignReport;
      return { passed: outcome.acceptance.passed, total: outcome.acceptance.total, failed: outcome.acceptance.failedRows.map((row) => row.criterion) };
    };
    expect(low?.acceptance).toEqual(verdictOf(low));
    expect(high?.acceptance).toEqual(verdictOf(high));
    expect(high?.acceptance?.failed, 'a run that never trades fails its trading rows').toContain('Continuous trades');
    const cell = (r: SweepResult | undefined) =>
      `${r?.acceptance?.passed}/${r?.acceptance?.total}${r?.acceptance?.failed.length ? ` ✗ ${r.acceptance.failed.join(', ')}` : ''}`;
    const table = cli.stdout();
    expect(table).toMatch(/^\| strategy\.entryBps \| status \| acceptance \| trades \| P&L \| P&L\/trade \| win rate \| max drawdown \| exits by reason \|$/m);
    expect(table).toContain(`| 25 | COMPLETED | ${cell(low)} | ${low?.trades} | `);
    expect(table).toMatch(new RegExp(`^\\| 25 \\| COMPLETED \\| .* \\| ${low?.trades} \\| .* \\| REVERSION \\d+.* \\|$`, 'm'));
    expect(table).toContain(`| 50 | COMPLETED | ${cell(high)} | 0 | 0.00 USDT | – | – | 0.00 USDT | – |`);
  });

  it('refuses a --set that is not PATH=V1,V2 with exit 2, naming the flag', async () => {
    const cli = startCli(['sweep', DISLOCATIONS, '--set', 'strategy.entryBps']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toMatch(/--set: expected PATH=V1,V2,… such as strategy\.entryBps=20,30,40, got "strategy\.entryBps"/);
  });
});
