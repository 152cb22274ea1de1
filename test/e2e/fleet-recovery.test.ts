import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configVariant, readReport, runFolder, startCli } from '../support/cli-process.js';

/** `../shared/cases/case03` (config and replay file), copied into test/fixtures. */
const CASE03_CONFIG = fileURLToPath(new URL('../fixtures/case03.yaml', import.meta.url));
const CASE03_REPLAY = fileURLToPath(new URL('../fixtures/case03-crossed-line.csv', import.meta.url));

describe('the restart budget', () => {
  it('fails a shard that crashes on every start after maxRestarts, with backoff between attempts', async () => {
    const runDir = runFolder();
    const config = configVariant(runDir, 'crashing', (y) => y.concat('watchdog: { maxRestarts: 2, backoff: { initial: 1s, multiplier: 2 } }\n'));
    const cli = startCli([
      'run',
      config,
      '--no-dashboard',
      '--out',
      join(runDir, 'out'),
      '--duration',
      '40s',
      '--chaos',
      'kill:shard-000@3s,kill:shard-000@9s,kill:shard-000@16s',
    ]);
    expect((await cli.exited).code, cli.stderr().slice(-3000)).toBe(1);
    const report = readReport(join(runDir, 'out'));
    expect(report.campaign.status).toBe('FAILED');
    const shard = report.shards[0];
    expect(shard?.status).toBe('FAILED');
    expect(shard?.restarts.map((r) => [r.cause, r.detail.signal])).toEqual([
      ['CRASHED', 'SIGKILL'],
      ['CRASHED', 'SIGKILL'],
      ['CRASHED', 'SIGKILL'],
    ]);
    const detected = (shard?.restarts ?? []).map((r) => r.detectedAt);
    // Backoff 1 s, then 2 s (plus each start's own time).
    expect((detected[1] as number) - (detected[0] as number)).toBeGreaterThanOrEqual(1000);
    expect((detected[2] as number) - (detected[1] as number)).toBeGreaterThanOrEqual(2000);
  });
});

describe('bad input (exit 2)', () => {
  it("fails the shard at once, without relaunching it, with the engine's own message", async () => {
    const runDir = runFolder();
    // A missing replay file is refused when the campaign is created (exit 2, nothing launched) ...
    const missing = configVariant(runDir, 'missing-input', (y) => y.replace(/^feed: .*$/m, 'feed: { kind: replay, path: /nonexistent/ticks.csv }'));
    const refused = startCli(['run', missing, '--no-dashboard', '--out', join(runDir, 'refused')]);
    expect((await refused.exited).code).toBe(2);
    expect(refused.stderr()).toMatch(/feed\.path: \/nonexistent\/ticks\.csv: no such file/);
    // ... while a timestamp no unit makes plausible, past the head the control plane reads, is the engine's to refuse.
    const lines = [
      'ts,symbol,venue,bid,ask',
      ...Array.from({ length: 300 }, (_, i) => `${1_700_000_000_000 + i},FX,,1380,`),
      '17000000000000000000000,FX,,1380,',
    ];
    writeFileSync(join(runDir, 'ticks.csv'), `${lines.join('\n')}\n`);
    const config = configVariant(runDir, 'bad-input', (y) =>
      y
        .replace(/^feed: .*$/m, `feed: { kind: replay, path: ${join(runDir, 'ticks.csv')} }`)
        .replace('sharding: { symbolsPerShard: 5 }', 'sharding: { symbolsPerShard: 10 }'),
    );
    const started = Date.now();
    const cli = startCli(['run', config, '--no-dashboard', '--out', join(runDir, 'out')]);
    expect((await cli.exited).code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000); // not five relaunches with backoff
    const report = readReport(join(runDir, 'out'));
    expect(report.campaign.status).toBe('FAILED');
    const shard = report.shards[0];
    expect(shard?.status).toBe('FAILED');
    expect(shard?.generation).toBe(0); // never relaunched
    expect(shard?.restarts.map((r) => [r.cause, r.detail.exitCode])).toEqual([['CRASHED', 2]]);
    expect(shard?.restarts[0]?.detail.note).toMatch(/refused its input .* not relaunched/);
    // Bad input is no crash and no restart: the report says so once, and counts nothing restarted.
    expect(report.totals.restarts).toBe(0);
    expect(report.acceptance.find((a) => a.id === 'no-unhandled-exception')).toMatchObject({
      pass: true,
      result: '0 crashes; 1 shard(s) failed for bad input (engine exit 2, not retried), not counted as crashes',
    });
    expect(report.campaign.endReason).toMatch(
      /^shard shard-000 failed: bad input, not retried: the engine exited 2: .*ticks\.csv:302: ts: timestamp 1\.7e\+22 is not a plausible epoch/,
    );
  });

  it('fails both shards of ../shared/cases/case03 (one crossed quote on line 9) at once, naming file and line', async () => {
    // The recorded replay every shard reads holds one crossed quote: under feed.strict each engine refuses it (exit 2);
    // without strict it is skipped and counted (test/unit/engine/replay-feed.test.ts).
    const runDir = runFolder();
    const config = join(runDir, 'case03.yaml');
    writeFileSync(config, readFileSync(CASE03_CONFIG, 'utf8').replace('path: case03-crossed-line.csv', `path: ${CASE03_REPLAY}, strict: true`));
    const cli = startCli(['run', config, '--no-dashboard', '--out', join(runDir, 'out')]);
    expect((await cli.exited).code).toBe(1);
    const report = readReport(join(runDir, 'out'));
    expect(report.campaign.status).toBe('FAILED');
    expect(report.campaign.endReason).toMatch(/bad input, not retried: .*case03-crossed-line\.csv:9: ask 4416000 is below bid 4416500/);
    for (const shard of report.shards) expect(shard.generation, shard.shardId).toBe(0); // nothing relaunched
  });
});
