import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariant, readReport, runFolder, startCli } from '../support/cli-process.js';

describe('the memory guard', () => {
  it('recycles a shard whose memory grows before the OOM killer would, with cause RECYCLED', async () => {
    const runDir = runFolder();
    const config = configVariant(runDir, 'leaky', (y) => `${y}task: { cpu: 256, memoryMiB: 512 }\n`);
    // The leak starts 6 s in: an engine-side fault is handed to the task at its launch, so it must
    // still lie ahead when the task starts (over 2 s after the campaign on a loaded machine).
    const cli = startCli(['run', config, '--no-dashboard', '--out', join(runDir, 'out'), '--duration', '30s', '--chaos', 'leak:shard-000@6s']);
    expect((await cli.exited).code, cli.stderr().slice(-3000)).toBe(0);
    const report = readReport(join(runDir, 'out'));
    expect(report.campaign.status).toBe('COMPLETED');
    const [recycle] = report.shards[0]?.restarts ?? [];
    expect(recycle?.cause).toBe('RECYCLED');
    expect(recycle?.detail.lastRssBytes).toBeGreaterThanOrEqual(0.8 * 512 * 2 ** 20);
    expect(recycle?.detail.lastRssBytes).toBeLessThan(512 * 2 ** 20);
    expect(report.shards[1]?.restarts).toEqual([]);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    // Drained, not fenced: the recycled generation was asked to stop first and made its final commit.
    const recycledLog = readFileSync(join(runDir, 'out', 'tasks', 'shard-000.g0.log'), 'utf8');
    expect(recycledLog).toMatch(/"event":"shard ended".*"end":"stopped"/);
    expect(recycledLog).not.toMatch(/fenced/);
  });
});
