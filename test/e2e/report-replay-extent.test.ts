/**
 * "Ran the full duration" judges an engine's "my replay ran out" (feed-done) against where the
 * recorded files end, as `arbfleet run` and `arbfleet report` read them: a real run on the real
 * 15-minute candles passes, its end agreeing with the files to the millisecond (the report's reader
 * and the engine's see the same candles, close times and zones); the same run with its final
 * heartbeat's event time set 12 h back (an engine that stopped reading and said feed-done) fails,
 * naming the shard, where it stopped and where its data goes on to, in the report files and in the
 * API's report alike. It passed on the engine's word before.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '../../core/model/records.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

const CONFIG = new URL('../../configs/real-btc-candles.yaml', import.meta.url).pathname;
const fullDuration = (dir: string) => readReport(dir).acceptance.find((r) => r.id === 'full-duration');

describe("a replay's feed-done against its recorded files", () => {
  it('passes a real run that played its candles to their end, fails the same run edited to stop 12 h short', async () => {
    const out = join(runFolder(), 'run');
    const run = startCli(['run', CONFIG, '--no-dashboard', '--out', out]);
    expect((await run.exited).code, run.stderr()).toBe(0);
    const played = fullDuration(out);
    expect(played?.pass, played?.result).toBe(true);
    expect(played?.result).toContain("every shard played its replay to the end, each to its data's last update");

    const copy = join(runFolder(), 'run');
    cpSync(out, copy, { recursive: true });
    const db = new Database(join(copy, 'fleet.db'));
    let stoppedAt = 0;
    try {
      const last = db.prepare('SELECT id, heartbeat FROM heartbeats ORDER BY id DESC LIMIT 1').get() as { id: number; heartbeat: string };
      const heartbeat = JSON.parse(last.heartbeat) as Heartbeat;
      expect(heartbeat.progress.feedDone).toBe(true);
      stoppedAt = (heartbeat.progress.eventTime as number) - 12 * 3_600_000;
      heartbeat.progress.eventTime = stoppedAt;
      db.prepare('UPDATE heartbeats SET heartbeat = ? WHERE id = ?').run(JSON.stringify(heartbeat), last.id);
      const shard = db.prepare('SELECT shard_id, record FROM shards').get() as { shard_id: string; record: string };
      const record = JSON.parse(shard.record) as { heartbeat: Heartbeat };
      record.heartbeat = heartbeat;
      db.prepare('UPDATE shards SET record = ? WHERE shard_id = ?').run(JSON.stringify(record), shard.shard_id);
    } finally {
      db.close();
    }
    const report = startCli(['report', copy]);
    expect((await report.exited).code, report.stderr()).toBe(0);
    const short = fullDuration(copy);
    expect(short?.pass).toBe(false);
    const stopped = new Date(stoppedAt).toISOString().replace('.000', '');
    expect(short?.result).toMatch(new RegExp(`^shard-000 said its replay ran out at ${stopped}, but its data goes on to 2025-08-23T23:15:00Z`));

    // The API's report (GET /campaigns/{id}/report, from arbfleet serve on the same folder) judges it the same.
    const serve = startCli(['serve', '--api-port', '0', '--data', copy]);
    try {
      const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stderr())?.[1], 20_000);
      const campaignId = readReport(copy).campaign.id;
      const res = await fetch(`${url}/campaigns/${campaignId}/report`, { headers: { 'x-arbfleet-client': 'test' } });
      expect(res.status).toBe(200);
      const api = ((await res.json()) as CampaignReport).acceptance.find((r) => r.id === 'full-duration');
      expect(api).toMatchObject({ pass: false, result: short?.result });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  }, 60_000);
});
