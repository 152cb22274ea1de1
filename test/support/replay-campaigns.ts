/**
 * Campaigns over recorded data for the end-to-end suites: `arbfleet run` as a real process to
 * its end, its report and every shard's ledger read back from its run folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { Fill } from '../../core/model/fill.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { readReport, startCli } from './cli-process.js';

export const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
/** 10 recorded minutes, a ±60 bps dislocation for 10 s in every minute; `clock: virtual`. */
export const DISLOCATIONS = fixture('replay/dislocations.yaml');

/** Writes `config` into `runDir` with its replay path made absolute (and `edit` applied); returns its path. */
export function configIn(runDir: string, config: string, edit: (yaml: string) => string = (y) => y): string {
  const yaml = readFileSync(config, 'utf8').replace(/path: (\S+?\.csv)/, (_, file: string) => `path: ${join(config, '..', file)}`);
  const path = join(runDir, 'campaign.yaml');
  writeFileSync(path, edit(yaml));
  return path;
}

/** Runs `arbfleet run CONFIG` as a real process to its end; returns the report and every shard's ledger. */
export async function run(config: string, runDir: string, args: string[] = []): Promise<{ report: CampaignReport; fills: Fill[]; stderr: string }> {
  const out = join(runDir, 'out');
  const cli = startCli(['run', config, '--no-dashboard', '--out', out, ...args]);
  const exit = await cli.exited;
  expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
  const report = readReport(out);
  const store = new SqliteCampaignStore(join(out, 'fleet.db'), systemClock);
  try {
    const fills = (await Promise.all(report.shards.map((s) => store.readLedger({ campaignId: report.campaign.id, shardId: s.shardId })))).flat();
    return { report, fills, stderr: cli.stderr() };
  } finally {
    store.close();
  }
}

/** What a fill decided, without what differs between runs (wall time, generation, ids). */
export const decision = (f: Fill) => ({
  symbol: f.symbol,
  venue: f.venue,
  side: f.side,
  kind: f.kind,
  reason: f.reason,
  qty: f.qty,
  price: f.price,
  ts: f.ts,
  eventTs: f.eventTs,
});
