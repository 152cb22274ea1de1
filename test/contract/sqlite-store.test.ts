import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { describeCampaignStoreContract } from './campaign-store.contract.js';
import { checkpoint, fills, newCampaign, progress } from './record-builders.js';
import { FencedOutError, StoreReplacedError } from '../../core/errors.js';
import { describeShardPersistenceContract, storeBackedHarness } from './shard-persistence.contract.js';
import type { ShardPersistence } from '../../core/ports.js';
import { buildReport, loadReportInput } from '../../core/report/build-report.js';

/** A store in a fresh temporary folder, removed with everything in it on cleanup. */
function openTempStore(): { store: SqliteCampaignStore; clock: VirtualClock; path: string; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-'));
  const path = join(dir, 'fleet.db');
  const clock = new VirtualClock();
  const store = new SqliteCampaignStore(path, clock);
  return {
    store,
    clock,
    path,
    async cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A temporary store holding campaign `c1` with one shard, its writer claimed (generation 0); the caller removes it (`opened.cleanup`). */
async function oneShardStore(): Promise<{ opened: ReturnType<typeof openTempStore>; key: { campaignId: string; shardId: string }; port: ShardPersistence }> {
  const opened = openTempStore();
  const { campaign, shards } = newCampaign('c1', 1);
  await opened.store.createCampaign(campaign, [{ ...shards[0]!, symbols: ['BTC'] }]); // the fills' symbol (`fill`)
  const key = { campaignId: 'c1', shardId: 'shard-0' };
  const port = opened.store.forTask(key, 0);
  await port.restore();
  return { opened, key, port };
}

describeCampaignStoreContract('SqliteCampaignStore', async () => openTempStore());

describeShardPersistenceContract(
  'SqliteCampaignStore.forTask',
  async () => {
    const { store, cleanup, path } = openTempStore();
    // A commit here is one transaction and never leaves fills above the head: rows written past the store.
    return storeBackedHarness(store, cleanup, async (key, generation, fills) => {
      const raw = new Database(path);
      try {
        const insert = raw.prepare('INSERT INTO fills (campaign_id, shard_id, seq, generation, fill) VALUES (?, ?, ?, ?, ?)');
        raw.transaction(() => {
          for (const fill of fills) insert.run(key.campaignId, key.shardId, fill.seq, generation, JSON.stringify(fill));
        })();
      } finally {
        raw.close();
      }
    });
  },
  { validatesFills: true },
);

describe('SqliteCampaignStore file', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('is in WAL mode, and a second connection sees the first one’s writes', async () => {
    const opened = openTempStore();
    cleanup = opened.cleanup;
    const { campaign, shards } = newCampaign('c1', 2);
    await opened.store.createCampaign(campaign, shards);

    const second = new SqliteCampaignStore(opened.path, opened.clock);
    try {
      expect(await second.listShards('c1')).toEqual(shards);
    } finally {
      second.close();
    }
    const raw = new Database(opened.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it("a task's heartbeat and commit refuse to write once the file was replaced or deleted under it (a fence: the task stops)", async () => {
    const opened = openTempStore();
    cleanup = opened.cleanup;
    const { campaign, shards } = newCampaign('c1', 2);
    await opened.store.createCampaign(campaign, shards);
    const task = new SqliteCampaignStore(opened.path, opened.clock, { mustExist: true });
    try {
      const port = task.forTask({ campaignId: 'c1', shardId: 'shard-0' }, 0);
      await port.heartbeat(progress(10));
      // A copy of the store moved over its path: same content, another file.
      copyFileSync(opened.path, `${opened.path}.copy`);
      renameSync(`${opened.path}.copy`, opened.path);
      const replaced = port.heartbeat(progress(20));
      await expect(replaced).rejects.toThrow(StoreReplacedError);
      await expect(replaced).rejects.toThrow(FencedOutError);
      await expect(port.commit([], null)).rejects.toThrow(/was replaced since this task opened it/);
      rmSync(opened.path);
      await expect(port.heartbeat(progress(30))).rejects.toThrow(/was deleted since this task opened it/);
    } finally {
      task.close();
    }
  });

  it('answers listActiveShards from the partial index on active shards, not a table scan', () => {
    const opened = openTempStore();
    cleanup = opened.cleanup;
    const raw = new Database(opened.path, { readonly: true });
    try {
      const plan = raw.prepare('EXPLAIN QUERY PLAN SELECT record FROM shards WHERE active = 1 ORDER BY campaign_id, shard_index').all() as { detail: string }[];
      expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX shards_active/);
      const index = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'shards_active'").get() as { sql: string };
      expect(index.sql).toMatch(/WHERE active = 1/);
    } finally {
      raw.close();
    }
  });

  it('a version-1 file (no ledger heads: one transaction per commit) keeps every fill it stored committed', async () => {
    const opened = openTempStore();
    cleanup = opened.cleanup;
    const { campaign, shards } = newCampaign('c1', 1);
    await opened.store.createCampaign(campaign, shards);
    const key = { campaignId: 'c1', shardId: shards[0]!.shardId };
    await opened.store.forTask(key, 0).commit(fills(0, 3, 0), checkpoint(0, 1));
    opened.store.close();
    const raw = new Database(opened.path);
    raw.exec('DROP TABLE ledger_heads');
    raw.pragma('user_version = 1');
    raw.close();

    const reopened = new SqliteCampaignStore(opened.path, opened.clock);
    try {
      expect(await reopened.readLedger(key)).toEqual(fills(0, 3, 0));
      expect(await reopened.forTask(key, 0).restore()).toEqual({ checkpoint: checkpoint(0, 1), ledgerTail: fills(2, 1, 0) });
    } finally {
      reopened.close();
    }
  });

  it('reads back the fills it stored, and refuses a row changed by hand, naming the file, the shard and the field', async () => {
    const { opened, key, port } = await oneShardStore();
    cleanup = opened.cleanup;
    const written = fills(0, 8, 0);
    await port.commit(written, checkpoint(0, 7));
    expect(await opened.store.readLedger(key)).toEqual(written);
    const raw = new Database(opened.path);
    const corrupt = (edit: string) => raw.prepare(`UPDATE fills SET fill = ${edit} WHERE seq = 5`).run();
    const original = (raw.prepare('SELECT fill FROM fills WHERE seq = 5').get() as { fill: string }).fill;
    try {
      for (const [edit, field] of [
        ["json_set(fill, '$.price', -5)", 'price'],
        ["json_set(fill, '$.seq', '5')", 'seq'],
        ["json_set(fill, '$.venue', 'C')", 'venue'],
        ["json_set(fill, '$.qty', 0.5, '$.extra', 1)", 'extra'],
        ["json_remove(fill, '$.generation')", 'generation'],
      ] as const) {
        corrupt(edit);
        const read = opened.store.readLedger(key);
        await expect(read).rejects.toThrow(`campaign store ${opened.path}: a stored fill of shard c1/shard-0 does not match its schema`);
        await expect(read).rejects.toThrow(new RegExp(`\\b${field}\\b`));
        raw.prepare('UPDATE fills SET fill = ? WHERE seq = 5').run(original);
        expect(await opened.store.readLedger(key)).toEqual(written);
      }
      // A well-formed fill under another seq than its row's (row 5 saying 999): refused, read ahead or not.
      corrupt("json_set(fill, '$.seq', 999)");
      const mismatch = `campaign store ${opened.path}: a stored fill of shard c1/shard-0 does not match its row (seq: the row's 5, the fill's 999)`;
      await expect(opened.store.readLedger(key)).rejects.toThrow(mismatch);
      opened.store.readAhead(key);
      await expect(opened.store.readLedger(key)).rejects.toThrow(mismatch);
    } finally {
      raw.close();
    }
  });

  it('a ledger read ahead is read again whole: a fill rewritten or removed since is read as stored, and fails "Ledger exact" as it does unread', async () => {
    const { opened, key, port } = await oneShardStore();
    cleanup = opened.cleanup;
    const written = fills(0, 8, 0);
    await port.commit(written.slice(0, 4), checkpoint(0, 3));
    opened.store.readAhead(key);
    await port.commit(written.slice(4), checkpoint(0, 7));
    opened.store.readAhead(key);
    expect(await opened.store.readLedger(key)).toEqual(written);
    const raw = new Database(opened.path);
    // The report of a store that never read ahead, on the same file: what "exactly the store's ledger" gives.
    const unread = () => {
      const fresh = new SqliteCampaignStore(opened.path, opened.clock);
      return loadReportInput(fresh, 'c1', 0).finally(() => fresh.close());
    };
    try {
      for (const [edit, exact] of [
        ["UPDATE fills SET fill = json_set(fill, '$.price', 99.5) WHERE seq = 6", true],
        ["UPDATE fills SET fill = json_set(fill, '$.tradeId', 0) WHERE seq = 5", false],
        ['DELETE FROM fills WHERE seq = 2', false],
      ] as const) {
        opened.store.readAhead(key);
        raw.exec(edit);
        const stored = (raw.prepare('SELECT fill FROM fills ORDER BY seq').all() as { fill: string }[]).map((r) => JSON.parse(r.fill));
        expect(await opened.store.readLedger(key)).toEqual(stored);
        const report = buildReport(await loadReportInput(opened.store, 'c1', 0));
        expect(report.ledger).toEqual(buildReport(await unread()).ledger);
        expect(report.acceptance.find((row) => row.id === 'ledger-exact')?.pass).toBe(exact);
        expect(report.ledger.pass).toBe(exact);
      }
    } finally {
      raw.close();
    }
  });

  it('heartbeats read ahead are read again whole: one rewritten or removed since is read as stored, a corrupted one refused', async () => {
    const { opened, key, port } = await oneShardStore();
    cleanup = opened.cleanup;
    for (const ticks of [10, 20, 30]) await port.heartbeat(progress(ticks));
    opened.store.readAhead(key);
    await port.heartbeat(progress(40));
    opened.store.readAhead(key);
    const unread = async () => {
      const fresh = new SqliteCampaignStore(opened.path, opened.clock);
      return fresh.readHeartbeats(key).finally(() => fresh.close());
    };
    expect((await opened.store.readHeartbeats(key)).map((h) => h.progress.ticks)).toEqual([10, 20, 30, 40]);
    const raw = new Database(opened.path);
    try {
      for (const [edit, ticks] of [
        ["UPDATE heartbeats SET heartbeat = json_set(heartbeat, '$.progress.ticks', 25) WHERE id = 2", [10, 25, 30, 40]],
        ['DELETE FROM heartbeats WHERE id = 1', [25, 30, 40]],
      ] as const) {
        opened.store.readAhead(key);
        raw.exec(edit);
        const read = await opened.store.readHeartbeats(key);
        expect(read.map((h) => h.progress.ticks)).toEqual(ticks);
        expect(read).toEqual(await unread());
      }
      opened.store.readAhead(key);
      raw.exec("UPDATE heartbeats SET heartbeat = json_set(heartbeat, '$.progress.ticks', -1) WHERE id = 3");
      await expect(opened.store.readHeartbeats(key)).rejects.toThrow(/heartbeat of shard c1\/shard-0 does not match its schema[\s\S]*ticks/);
    } finally {
      raw.close();
    }
  });

  it('refuses a file written by a newer schema, naming the file and both versions', () => {
    const opened = openTempStore();
    cleanup = opened.cleanup;
    opened.store.close();
    const raw = new Database(opened.path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteCampaignStore(opened.path, opened.clock)).toThrow(/schema version 99, newer than this build's 2/);
  });
});
