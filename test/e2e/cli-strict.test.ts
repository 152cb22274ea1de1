/**
 * `arbfleet run --strict` as a real process over recorded data (clock: virtual, seconds each): exit 4
 * when the campaign's report fails an acceptance or trading row, 0 when every row passes; without
 * --strict the failing run exits 0 as before. The summary line says how many rows failed either way,
 * and report.md's and report.html's headers say the same outcome, naming the failed rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport, runFolder, startCli } from '../support/cli-process.js';
import { configIn, DISLOCATIONS } from '../support/replay-campaigns.js';

async function runCli(config: string, runDir: string, args: string[]) {
  const out = join(runDir, 'out');
  const cli = startCli(['run', config, '--no-dashboard', '--out', out, ...args]);
  const exit = await cli.exited;
  const file = (name: string) => readFileSync(join(out, name), 'utf8');
  return { code: exit.code, stderr: cli.stderr(), report: readReport(out), markdown: file('report.md'), html: file('report.html') };
}

describe('arbfleet run --strict', () => {
  it('exits 4 when a row fails (ETH has no recorded data: "Every symbol traded"), 0 without --strict, and 0 when every row passes', async () => {
    const [failDir, laxDir, passDir] = [runFolder(), runFolder(), runFolder()];
    const withEth = (dir: string) => configIn(dir, DISLOCATIONS, (y) => y.replace('symbols: [BTC]', 'symbols: [BTC, ETH]'));
    const [failing, lax, passing] = await Promise.all([
      runCli(withEth(failDir), failDir, ['--strict']),
      runCli(withEth(laxDir), laxDir, []),
      runCli(configIn(passDir, DISLOCATIONS), passDir, ['--strict']),
    ]);

    expect(failing.report.outcome.acceptance).toMatchObject({ passed: 10, failed: 1, total: 11 });
    expect(failing.report.outcome.acceptance.failedRows.map((r) => r.id)).toEqual(['all-symbols-traded']);
    // The last lines: the score, then the failed row named with its result on a line of its own.
    expect(failing.stderr).toContain(' · acceptance 10/11 · ');
    expect(failing.stderr).toMatch(/\n {2}✗ Every symbol traded: 1 of 2; none for ETH\n/);
    expect(failing.code, failing.stderr.slice(-2000)).toBe(4);
    // The report's headers say the same outcome as the summary line, the failed row by name.
    expect(failing.markdown).toContain('· **Acceptance**: 10/11 PASS (failed: Every symbol traded)\n');
    expect(failing.html).toContain('<b class="fail">10/11 pass</b><span id="outcome-failed" class="fail">failed: Every symbol traded</span>');

    expect(lax.stderr).toMatch(/ · acceptance 10\/11 · .*\n {2}✗ Every symbol traded: /);
    expect(lax.code, lax.stderr.slice(-2000)).toBe(0);

    expect(passing.report.outcome.acceptance).toEqual({ passed: 11, failed: 0, total: 11, failedRows: [] });
    expect(passing.stderr).toContain(' · acceptance 11/11 · ');
    expect(passing.stderr).not.toContain('✗');
    expect(passing.code, passing.stderr.slice(-2000)).toBe(0);
    expect(passing.markdown).toContain('· **Acceptance**: 11/11 PASS\n');
    expect(passing.html).toContain('<b class="pass">11/11 pass</b></div>');
  });

  it('documents --strict and its exit code in --help', async () => {
    const cli = startCli(['run', '--help']);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toMatch(/--strict\s+exit 4 when the campaign's report fails any acceptance or trading row/);
    expect(cli.stdout()).toMatch(/4 with --strict: the report fails an acceptance or trading row/);
  });
});
