import { describe, expect, it } from 'vitest';
import { E2E_CONFIG, openRunStore, readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

describe('--resume', () => {
  it('finishes a campaign after SIGKILL of the control plane without relaunching healthy shards', async () => {
    const runDir = runFolder();
    const first = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '25s']);
    const store = await openRunStore(runDir);
    await waitFor(
      'both shards running',
      async () => {
        const [campaign] = await store.listCampaigns();
        const shards = campaign ? await store.listShards(campaign.campaignId) : [];
        return shards.length === 2 && shards.every((s) => s.status === 'RUNNING') ? true : undefined;
      },
      20_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    store.close();

    const { report } = await (async () => {
      const resumed = startCli(['run', '--resume', runDir, '--no-dashboard']);
      const exit = await resumed.exited;
      expect(exit.code, resumed.stderr().slice(-3000)).toBe(0);
      return { report: readReport(runDir) };
    })();
    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.shards.map((s) => [s.generation, s.restarts.length])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    // The resumed control plane never saw its predecessor's children exit: each shard's end is
    // told from what the engine's final heartbeat says (or the fleet's own stop), never as a crash.
    const after = await openRunStore(runDir);
    const completions = (await after.listEvents(report.campaign.id)).filter((e) => e.type === 'shard.status' && e.to === 'COMPLETED');
    after.close();
    expect(completions).toHaveLength(2);
    for (const event of completions) {
      expect(['engine', 'fleet'], JSON.stringify(event)).toContain(event.detail?.['by']);
      expect(String(event.detail?.['reason'])).not.toMatch(/CRASHED|LOST|without an exit code/);
    }
  });
});
