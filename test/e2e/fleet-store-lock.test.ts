/**
 * Another process holds `fleet.db`'s write lock mid-campaign (`BEGIN IMMEDIATE` from its own
 * connection: a sqlite3 shell, a migration, a VACUUM; issue 20, the case
 * `from-public-reports/sqlite-external-lock/`). Real processes: `arbfleet run`, its two engines,
 * and this test's own connection holding the lock.
 *
 * The bound comes from `core/fleet/timeouts.ts` for the local fleet (heartbeat 1 s, staleAfter 5 s):
 * a stall up to `storeStallToleranceSec` (4 s) costs nothing; an engine that cannot write a
 * heartbeat for `selfFenceSec` (5.25 s) exits 4 naming the lock, booked `STORE_UNAVAILABLE`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LOCAL_WATCHDOG_DEFAULTS } from '../../cli/local-fleet.js';
import { shardTimeouts } from '../../core/fleet/timeouts.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { openRunStore, readReport, runFolder, startCli, E2E_CONFIG } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

const TIMEOUTS = shardTimeouts(LOCAL_WATCHDOG_DEFAULTS);

/** Runs the e2e campaign for 30 s and holds the store's write lock for `holdMs` once both shards heartbeat. */
async function campaignWithLockHeld(holdMs: number): Promise<{ report: CampaignReport; runDir: string; stderr: string }> {
  const runDir = runFolder();
  const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '30s']);
  const store = await openRunStore(runDir);
  await waitFor(
    'both shards RUNNING with heartbeats',
    async () => {
      const [campaign] = await store.listCampaigns();
      if (!campaign) return undefined;
      const shards = await store.listShards(campaign.campaignId);
      return shards.length === 2 && shards.every((s) => s.status === 'RUNNING' && (s.heartbeat?.progress.ticks ?? 0) > 0) ? true : undefined;
    },
    60_000, // a start, not a verdict: generous for a loaded machine (25 s timed out once at a load of 11)
  );
  store.close();
  await sleep(2_000);
  const other = new Database(join(runDir, 'fleet.db'), { timeout: 30_000 });
  other.exec('BEGIN IMMEDIATE');
  await sleep(holdMs);
  other.exec('COMMIT');
  other.close();
  const exit = await cli.exited;
  expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
  return { report: readReport(runDir), runDir, stderr: cli.stderr() };
}

function crashFree(report: CampaignReport) {
  return report.acceptance.find((a) => a.id === 'no-unhandled-exception');
}

describe('a write lock held on fleet.db by another process', () => {
  it(`shorter than the bound (3.5 s of the ${TIMEOUTS.storeStallToleranceSec} s tolerance; the old 3 s self-fence restarted both shards): no restart, no engine exit, Crash-free passes`, async () => {
    expect(TIMEOUTS.storeStallToleranceSec).toBe(4);
    const { report } = await campaignWithLockHeld(3_500);

    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.shards.map((s) => ({ generation: s.generation, restarts: s.restarts.map((r) => r.cause) }))).toEqual([
      { generation: 0, restarts: [] },
      { generation: 0, restarts: [] },
    ]);
    expect(report.totals.restarts).toBe(0);
    expect(crashFree(report)).toMatchObject({ pass: true, result: '0 crashes' });
  });

  it(`longer than the bound (9 s, past the ${TIMEOUTS.selfFenceSec} s self-fence): every restart is STORE_UNAVAILABLE with the engine's exit 4 naming the lock, never CRASHED or LOST, and Crash-free does not blame the engines`, async () => {
    const { report, runDir } = await campaignWithLockHeld(9_000);

    expect(report.campaign.status).toBe('COMPLETED');
    const restarts = report.shards.flatMap((s) => s.restarts);
    expect(restarts.length).toBeGreaterThan(0);
    // Every restart is the store's, with the engine's own exit 4 as its evidence: the engine exits
    // (self-fence + lock wait + one last heartbeat) at least half the confirmation before the
    // watchdog's kill (core/fleet/timeouts.ts, rule 2), so the kill does not win and book LOST.
    for (const r of restarts) {
      expect(r.cause, JSON.stringify(r)).toBe('STORE_UNAVAILABLE');
      expect(r.detail).toMatchObject({
        exitCode: 4,
        note: expect.stringMatching(/^the engine gave up on the store \(exit 4\): arbfleet-engine: store unavailable: store busy: SQLITE_BUSY for [\d.]+ s/),
      });
    }
    expect(crashFree(report)).toMatchObject({
      pass: true,
      result: expect.stringMatching(/^0 crashes; \d+ restart\(s\) for the store being unavailable \(STORE_UNAVAILABLE\), not counted as crashes$/),
    });
    expect(readFileSync(join(runDir, 'report.md'), 'utf8')).toMatch(/STORE_UNAVAILABLE/);
  });
});
