/**
 * A real engine process whose commits keep failing while its heartbeats go through (the store
 * refuses every checkpoint write): it stops trading within its commit bound (`commitBoundSec`,
 * `core/fleet/timeouts.ts`: staleAfter + a quarter of the confirmation) and exits 1, never 0, so that the fleet restarts it from checkpoint + ledger tail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { shardTimeouts } from '../../core/fleet/timeouts.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { campaignInput } from '../support/campaigns.js';
import { newCampaign } from '../contract/record-builders.js';
import { startEngine, waitFor } from '../support/engine-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the engine process when commits keep failing', () => {
  it('stops within its commit bound of its last commit and exits 1 (not 4: the store answered, it refused), with committed vs made fills in its summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-commit-'));
    dirs.push(dir);
    const db = join(dir, 'fleet.db');
    const config = join(dir, 'campaign.json');
    writeFileSync(
      config,
      JSON.stringify(campaignInput({ duration: '10m', watchdog: { staleAfter: 2, heartbeatInterval: 0.25 }, monitor: { flushInterval: 0.25 } })),
    );
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-commit', 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: ['BTC', 'ETH'] })),
    );
    // Every commit carries a checkpoint: refusing checkpoint writes fails every commit, and nothing else.
    const raw = new Database(db);
    raw.exec("CREATE TRIGGER refuse_checkpoints BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error'); END;");
    raw.close();
    const key = { campaignId: 'c-commit', shardId: 'shard-000' };

    const engine = startEngine([config, '--store', `sqlite:${db}`, '--campaign', key.campaignId, '--shard', key.shardId, '--symbols', 'BTC,ETH', '--json']);
    const firstBeat = await waitFor('a first heartbeat', async () => (await store.readHeartbeats(key))[0]);
    const exit = await engine.exited;
    const exitedAt = Date.now();

    expect(exit).toEqual({ code: 1, signal: null });
    // The bound after the start (2.25 s: staleAfter + a quarter of its 1 s confirmation); the first heartbeat comes right after the start.
    const bound = shardTimeouts({ heartbeatInterval: 0.25, staleAfter: 2 }).commitBoundSec;
    expect(exitedAt - firstBeat.receivedAt).toBeLessThan(bound * 1000 + 3_000);
    expect(engine.stderr()).toMatch(
      new RegExp(
        `arbfleet-engine: \\d+ of \\d+ fill\\(s\\) not committed: no commit succeeded for [\\d.]+s \\(commit bound ${bound.toFixed(2).replace('.', '\\.')}s, core/fleet/timeouts\\.ts\\)`,
      ),
    );
    const summary = engine
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.event === 'summary');
    expect(summary).toMatchObject({ end: 'commit-failed', fillsCommitted: 0 });
    expect(summary?.fillsUncommitted).toBe(summary?.fills);
    expect(await store.readCheckpoint(key)).toBeUndefined();
    expect((await store.readHeartbeats(key)).length).toBeGreaterThan(1);
    store.close();
  });
});
