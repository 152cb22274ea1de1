import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { LOCAL_STALL_DETECTION_SEC, runCampaign, runFolder } from '../support/cli-process.js';

describe('faults injected with --chaos', () => {
  it('detects a kill, an exit, a stall and a freeze, restarts each from its checkpoint, and still completes', async () => {
    const runDir = runFolder();
    const chaos = 'stall:shard-001@5s,kill:shard-000@6s,freeze:shard-001@22s+9s,exit:shard-000@30s';
    const { report } = await runCampaign(['--duration', '45s', '--chaos', chaos], runDir);

    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.campaign.ranSec).toBeGreaterThanOrEqual(44.5);
    const [s0, s1] = report.shards;
    expect(s0?.restarts.map((r) => r.cause)).toEqual(['CRASHED', 'CRASHED']);
    expect(s0?.restarts[0]?.detail.signal).toBe('SIGKILL');
    expect(s0?.restarts[1]?.detail.exitCode).toBe(1);
    expect(s1?.restarts.map((r) => r.cause)).toEqual(['STALLED', 'LOST']);
    for (const r of s0?.restarts ?? []) expect(r.detectionDelaySec, 'a crash is seen within 1 s').toBeLessThanOrEqual(1);
    for (const r of s1?.restarts ?? [])
      expect(r.detectionDelaySec, `a stall or freeze is seen within ${LOCAL_STALL_DETECTION_SEC} s`).toBeLessThanOrEqual(LOCAL_STALL_DETECTION_SEC);
    for (const r of [...(s0?.restarts ?? []), ...(s1?.restarts ?? [])]) expect(r.restartedAt, 'every restart came back').toBeDefined();
    expect(report.shards.map((s) => s.generation)).toEqual([2, 2]);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, pass: true });

    // The frozen generation woke up replaced: it fenced itself and wrote nothing after the freeze.
    const zombieLog = readFileSync(join(runDir, 'tasks', 'shard-001.g1.log'), 'utf8');
    expect(zombieLog).toMatch(/"event":"shard ended".*"end":"(self-)?fenced"/);
    const store = new SqliteCampaignStore(join(runDir, 'fleet.db'), systemClock);
    const events = await store.listEvents(report.campaign.id);
    const freeze = events.find((e) => e.type === 'chaos.injected' && (e.detail as { verb?: string }).verb === 'freeze');
    expect(freeze).toBeDefined();
    const ledger = await store.readLedger({ campaignId: report.campaign.id, shardId: 'shard-001' });
    expect(ledger.filter((f) => f.generation === 1 && f.ts > (freeze?.at ?? 0) + 1000)).toEqual([]);
    store.close();
    expect(
      readdirSync(join(runDir, 'tasks'))
        .filter((f) => f.endsWith('.log'))
        .sort(),
    ).toEqual(['shard-000.g0.log', 'shard-000.g1.log', 'shard-000.g2.log', 'shard-001.g0.log', 'shard-001.g1.log', 'shard-001.g2.log']);
  });
});
