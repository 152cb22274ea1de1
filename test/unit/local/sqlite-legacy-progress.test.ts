/**
 * A SQLite store holding heartbeats written before money was integer micro-units (a float
 * `realizedPnl` and `unrealizedPnl`, per-symbol floats) still reads them: the shard record's
 * heartbeat and the heartbeat history come back with the P&L in micros, marked `pnlFromDecimal`
 * (`upgradeStoredProgress`, `core/model/progress.ts`). The rows are written as an older build
 * wrote them, in a real file, and read through the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { newCampaign, progress } from '../../contract/record-builders.js';

let dir: string;
let store: SqliteCampaignStore;
const KEY = { campaignId: 'c1', shardId: 'shard-0' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-legacy-'));
  store = new SqliteCampaignStore(join(dir, 'fleet.db'), new VirtualClock());
  const { campaign, shards } = newCampaign('c1', 1);
  await store.createCampaign(campaign, shards);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A heartbeat as a build before micro-units stored it: float P&L only. */
function heartbeatBeforeMicros(): string {
  const { realizedPnlMicros: _r, unrealizedPnlMicros: _u, symbols, ...rest } = progress(500);
  const legacySymbols = symbols.map(({ realizedPnlMicros: _s, ...symbol }) => ({ ...symbol, realizedPnl: -7.125 }));
  return JSON.stringify({
    generation: 0,
    receivedAt: 1_000,
    progress: { ...rest, realizedPnl: -7.125, unrealizedPnl: 0.25, symbols: legacySymbols },
  });
}

describe('a store file with heartbeats from before micro-units', () => {
  it('reads the shard and the heartbeat history with the P&L in micros', async () => {
    const sql = store.database.prepare({
      history: 'INSERT INTO heartbeats (campaign_id, shard_id, generation, received_at, heartbeat) VALUES (?, ?, 0, 1000, ?)',
      shard: "UPDATE shards SET record = json_set(record, '$.heartbeat', json(?)) WHERE campaign_id = ? AND shard_id = ?",
    });
    const stored = heartbeatBeforeMicros();
    store.database.write(() => {
      sql.history.run(KEY.campaignId, KEY.shardId, stored);
      sql.shard.run(stored, KEY.campaignId, KEY.shardId);
    });

    const shard = await store.getShard(KEY);
    expect(shard?.heartbeat?.progress).toMatchObject({ realizedPnlMicros: -7_125_000, unrealizedPnlMicros: 250_000, pnlFromDecimal: true });
    expect(shard?.heartbeat?.progress.symbols[0]?.realizedPnlMicros).toBe(-7_125_000);
    const [history] = await store.readHeartbeats(KEY);
    expect(history?.progress).toMatchObject({ realizedPnlMicros: -7_125_000, pnlFromDecimal: true });
    expect(history?.progress).not.toHaveProperty('realizedPnl');
  });
});
