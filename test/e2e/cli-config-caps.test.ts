/**
 * The caps on what a campaign may be asked to run, refused by `arbfleet run` as a real process:
 * exit 2, the message naming the config file and the field, and no run folder made. A clock: real
 * duration past 720h names `duration`; a replay window that ends before it starts, or spans more
 * than 3660 days of recorded time, names `feed.to`. A 90-day clock: virtual backtest by duration
 * is taken (it replays its 10 recorded minutes and ends, exit 0, 'Ran the full duration' passing:
 * a replay that ran out ends a window asked by duration).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariant, readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { configIn, DISLOCATIONS } from '../support/replay-campaigns.js';

/**
 * Runs `arbfleet run CONFIG` expecting a refusal. A CLI that starts the campaign instead (the cap
 * not applied) is stopped with SIGINT, as a user would, so the test fails on its exit code rather
 * than waiting out an 800-hour campaign.
 */
async function refused(config: string, runDir: string): Promise<{ code: number | null; stderr: string; out: string }> {
  const out = join(runDir, 'out');
  const cli = startCli(['run', config, '--no-dashboard', '--out', out]);
  let exited = false;
  void cli.exited.then(() => (exited = true));
  const started = await waitFor(
    'the CLI to exit or start its campaign',
    () => (exited ? false : cli.stderr().includes('arbfleet: campaign ') ? true : undefined),
    30_000,
  );
  if (started) cli.child.kill('SIGINT');
  return { code: (await cli.exited).code, stderr: cli.stderr(), out };
}

/** The 1-based line of `config` holding `text`: a refusal names it (`bad.yaml:12: duration: …`). */
function lineOf(config: string, text: string): number {
  const line =
    readFileSync(config, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;
  if (line === 0) throw new Error(`${config}: no line holds ${text}`);
  return line;
}

describe('arbfleet run: duration and window caps', () => {
  it('exits 2 naming the file and duration for a clock: real campaign of 800h, leaving no run folder', async () => {
    const runDir = runFolder();
    const bad = configVariant(runDir, 'bad', (y) => y.replace('duration: 30s', 'duration: 800h'));
    const { code, stderr, out } = await refused(bad, runDir);
    expect(stderr).toContain(
      `arbfleet: ${bad}:${lineOf(bad, 'duration: 800h')}: duration: must be at most 720h (30 days) with clock: real (wall time), got 800h`,
    );
    expect(code, stderr).toBe(2);
    expect(existsSync(out), 'run folder made for a refused config').toBe(false);
  });

  it('exits 2 naming the file and feed.to for a window that ends before it starts, and for one past 3660 days', async () => {
    const backwardsDir = runFolder();
    const backwards = configIn(backwardsDir, DISLOCATIONS, (y) =>
      y.replace(/feed: \{ kind: replay, path: (\S+) \}/, 'feed: { kind: replay, path: $1, from: "2025-04-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }'),
    );
    const decadesDir = runFolder();
    const decades = configIn(decadesDir, DISLOCATIONS, (y) =>
      y.replace(/feed: \{ kind: replay, path: (\S+) \}/, 'feed: { kind: replay, path: $1, from: "2000-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z" }'),
    );
    const [b, d] = await Promise.all([refused(backwards, backwardsDir), refused(decades, decadesDir)]);
    expect(b.stderr).toContain(
      `arbfleet: ${backwards}:${lineOf(backwards, 'feed:')}: feed.to: must be after feed.from (2025-04-01T00:00:00Z), got 2025-01-01T00:00:00Z`,
    );
    expect(b.code, b.stderr).toBe(2);
    expect(d.stderr).toContain(
      `arbfleet: ${decades}:${lineOf(decades, 'feed:')}: feed.to: the window feed.from → feed.to spans 9132 days; at most 3660 days of recorded time`,
    );
    expect(d.code, d.stderr).toBe(2);
    expect([existsSync(b.out), existsSync(d.out)]).toEqual([false, false]);
  });

  it('exits 2 naming the file, line and feed path for a replay file that is not there, leaving no run folder', async () => {
    const runDir = runFolder();
    const missing = join(runDir, 'upbit-nope.csv');
    const config = configIn(runDir, DISLOCATIONS, (y) => y.replace(/feed: \{ kind: replay, path: (\S+) \}/, `feed: { kind: replay, path: ${missing} }`));
    const { code, stderr, out } = await refused(config, runDir);
    expect(stderr).toContain(`arbfleet: ${config}:${lineOf(config, 'feed:')}: feed.path: ${missing}: no such file`);
    expect(code, stderr).toBe(2);
    expect(existsSync(out), 'run folder made for a refused config').toBe(false);
  });

  it('takes a 90-day clock: virtual backtest by duration (recorded time, not the wall clock)', async () => {
    const runDir = runFolder();
    const config = configIn(runDir, DISLOCATIONS, (y) => y.replace('duration: 10m', 'duration: 2160h'));
    const cli = startCli(['run', config, '--no-dashboard', '--out', join(runDir, 'out')]);
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-2000)).toBe(0);
    expect(cli.stderr()).toMatch(/arbfleet: COMPLETED/);
    expect(readReport(join(runDir, 'out')).acceptance.find((a) => a.id === 'full-duration')).toMatchObject({ pass: true });
  });
});
