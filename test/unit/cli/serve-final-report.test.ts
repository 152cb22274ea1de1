/**
 * `arbfleet serve` writes an ended campaign's report to `<data>/campaigns/<id>/` unless the final
 * one is there. It used to skip any folder holding a report.json: `arbfleet report DATA --campaign
 * ID` run while the campaign ran left a report saying RUNNING ("ran 10s of 25s", open positions
 * failed) that serve never replaced, not even after a restart. `hasFinalReport` keeps only a report
 * of the status the campaign ended with.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../../cli/run-command.js';
import { hasFinalReport, writeEndedReports } from '../../../cli/serve.js';
import { VirtualClock } from '../../../core/clock.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';
import { silentLogger } from '../../../core/log.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { newCampaign } from '../../contract/record-builders.js';

async function quietReport(dir: string, campaign: string): Promise<number> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await reportCommand(dir, { campaign });
  } finally {
    process.stdout.write = write;
  }
}

const statusIn = (folder: string): unknown => JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')).campaign.status;

describe('serve: an ended campaign whose folder holds a report', () => {
  it('a report written by arbfleet report while it ran (RUNNING) is replaced by the final one once it ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-serve-final-'));
    const store = new SqliteCampaignStore(join(dir, 'fleet.db'), new VirtualClock());
    try {
      const { campaign, shards } = newCampaign('c-one', 1, { status: 'RUNNING' });
      await store.createCampaign(campaign, shards);
      const folder = join(dir, 'campaigns', 'c-one');
      expect(await quietReport(dir, 'c-one')).toBe(CLI_EXIT.OK);
      expect(statusIn(folder)).toBe('RUNNING');

      await writeEndedReports(store, dir, new Set(), silentLogger); // still running: left as it is
      expect(statusIn(folder)).toBe('RUNNING');

      const running = await store.getCampaign('c-one');
      await store.updateCampaign('c-one', running?.version ?? 0, { status: 'COMPLETED', endedAt: campaign.createdAt });
      await writeEndedReports(store, dir, new Set(), silentLogger);
      expect(statusIn(folder)).toBe('COMPLETED');
      expect(hasFinalReport(folder, 'COMPLETED')).toBe(true);
      expect(hasFinalReport(folder, 'FAILED')).toBe(false);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hasFinalReport: none, a torn report.json or one without a campaign is not final', () => {
    const folder = mkdtempSync(join(tmpdir(), 'arbfleet-serve-final-'));
    expect(hasFinalReport(folder, 'COMPLETED')).toBe(false);
    writeFileSync(join(folder, 'report.json'), '{"campaign": {"status": "COMPL');
    expect(hasFinalReport(folder, 'COMPLETED')).toBe(false);
    writeFileSync(join(folder, 'report.json'), 'null');
    expect(hasFinalReport(folder, 'COMPLETED')).toBe(false);
    writeFileSync(join(folder, 'report.json'), '{"campaign": {"status": "COMPLETED"}}');
    expect(hasFinalReport(folder, 'COMPLETED')).toBe(true);
    rmSync(folder, { recursive: true, force: true });
  });
});
