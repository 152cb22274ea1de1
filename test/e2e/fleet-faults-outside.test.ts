import { describe, expect, it } from 'vitest';
import { bothShardsRunning, E2E_CONFIG, LOCAL_STALL_DETECTION_SEC, openRunStore, readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

describe('faults from outside, by pid', () => {
  it('copes with a SIGKILL and a SIGSTOP sent by someone else, the same way as injected ones', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '30s']);
    const store = await openRunStore(runDir);
    const shards = await bothShardsRunning(store, 20_000);
    const [victim, sleeper] = shards.map((s) => Number(s.taskId));
    process.kill(victim as number, 'SIGKILL');
    process.kill(sleeper as number, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 9_000));
    try {
      process.kill(sleeper as number, 'SIGCONT');
    } catch {
      // Already gone: the watchdog's stop (SIGTERM + SIGCONT) woke it first, and it fenced itself.
    }
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
    store.close();

    const report = readReport(runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.shards[0]?.restarts.map((r) => r.cause)).toEqual(['CRASHED']);
    expect(report.shards[0]?.restarts[0]?.detail.signal).toBe('SIGKILL');
    expect(report.shards[0]?.restarts[0]?.detectionDelaySec).toBeLessThanOrEqual(1);
    expect(report.shards[1]?.restarts.map((r) => r.cause)).toEqual(['LOST']);
    expect(report.shards[1]?.restarts[0]?.detectionDelaySec).toBeLessThanOrEqual(LOCAL_STALL_DETECTION_SEC);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, pass: true });
    // The stopped process, once continued, found itself replaced and left on its own.
    await waitFor(
      'the continued zombie to exit',
      () => {
        try {
          process.kill(sleeper as number, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      5_000,
    );
  });
});
