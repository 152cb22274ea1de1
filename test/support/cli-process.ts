import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_WATCHDOG_DEFAULTS, LOCAL_WATCHDOG_EVERY_MS } from '../../cli/local-fleet.js';
import { systemClock } from '../../core/clock.js';
import { shardTimeouts } from '../../core/fleet/timeouts.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { ShardRecord } from '../../core/model/records.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { startNode, startProgram, waitFor, type NodeProcess } from './engine-process.js';

export const CLI_MAIN = fileURLToPath(new URL('../../cli/arbfleet.ts', import.meta.url));
export const E2E_CONFIG = fileURLToPath(new URL('../fixtures/fleet-e2e.yaml', import.meta.url));

export type CliProcess = NodeProcess;

/**
 * The local fleet's bound on seeing a stall, a freeze or a silent death (s, from the last heartbeat):
 * the watchdog's kill (`staleAfter` + confirmation, `core/fleet/timeouts.ts`) plus two of its passes
 * (one to find the reading stale, one late). 6.5 s with the local defaults.
 */
export const LOCAL_STALL_DETECTION_SEC = shardTimeouts(LOCAL_WATCHDOG_DEFAULTS).watchdogKillSec + (2 * LOCAL_WATCHDOG_EVERY_MS) / 1000;

/** Runs `arbfleet ARGS` as a real process (what a user types), output collected. */
export function startCli(args: string[], env: Record<string, string> = {}, processGroup = false): CliProcess {
  return startNode(CLI_MAIN, args, env, processGroup);
}

/** A fresh run folder under the system's temp directory. */
export function runFolder(): string {
  return mkdtempSync(join(tmpdir(), 'arbfleet-run-'));
}

export function readReport(runDir: string): CampaignReport {
  return JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as CampaignReport;
}

/** Runs a campaign to its end; fails with the CLI's output when it does not exit 0. */
export async function runCampaign(args: string[], runDir: string): Promise<{ report: CampaignReport; cli: CliProcess }> {
  const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, ...args]);
  const exit = await cli.exited;
  if (exit.code !== 0) throw new Error(`arbfleet exited ${exit.code ?? exit.signal}\n--- stderr ---\n${cli.stderr().slice(-4000)}`);
  return { report: readReport(runDir), cli };
}

/** Writes a variant of the e2e config with `edit` applied to its YAML text; returns its path. */
export function configVariant(runDir: string, name: string, edit: (yaml: string) => string): string {
  const path = join(runDir, `${name}.yaml`);
  writeFileSync(path, edit(readFileSync(E2E_CONFIG, 'utf8')));
  return path;
}

/** The store of a run the CLI is starting in `runDir`, opened once the CLI has created it. */
export function openRunStore(runDir: string): Promise<SqliteCampaignStore> {
  return waitFor('the run database', () => {
    try {
      return new SqliteCampaignStore(join(runDir, 'fleet.db'), systemClock);
    } catch {
      return undefined;
    }
  });
}

/**
 * The shards of the run's campaign once both (the e2e config plans two) are RUNNING with a
 * heartbeat; fails after `timeoutMs` naming what it waited for.
 */
export function bothShardsRunning(store: SqliteCampaignStore, timeoutMs: number): Promise<ShardRecord[]> {
  return waitFor(
    'both shards running with heartbeats',
    async () => {
      const [campaign] = await store.listCampaigns();
      if (!campaign) return undefined;
      const list = await store.listShards(campaign.campaignId);
      return list.length === 2 && list.every((s) => s.status === 'RUNNING' && s.heartbeat) ? list : undefined;
    },
    timeoutMs,
  );
}

/**
 * Runs `arbfleet ARGS` as `startCli` does, but under a lower limit on open files (`ulimit -n
 * LIMIT`, soft and hard, set by bash before it execs Node): how a test reproduces a descriptor
 * shortage on a machine whose own limit is far higher. `child.pid` is Node's (bash execs it).
 */
export function startCliWithFileLimit(limit: number, args: string[], env: Record<string, string> = {}): CliProcess {
  if (!Number.isInteger(limit) || limit < 64) throw new Error(`startCliWithFileLimit: expected a whole number of descriptors >= 64, got ${limit}`);
  return startProgram('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', CLI_MAIN, ...args], env);
}
