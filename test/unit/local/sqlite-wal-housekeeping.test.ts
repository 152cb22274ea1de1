/**
 * The SQLite store's WAL housekeeping (`core/local/sqlite-database.ts`): a reader holding an old
 * snapshot keeps every checkpoint from finishing, so the WAL grows while the engines commit (the
 * reported case: 3.7 to 12.2 MB in 30 s, and it stayed). Once the reader lets go, the next
 * checkpoint (`checkpointWal`, what `arbfleet serve` runs periodically, or SQLite's automatic one)
 * copies the WAL back and the next write truncates it to `WAL_SIZE_LIMIT_BYTES`
 * (`journal_size_limit`). And without such a reader, a long run of commits keeps the WAL under
 * the automatic checkpoint's size plus one transaction.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES } from '../../../core/local/sqlite-database.js';
import { silentLogger } from '../../../core/log.js';
import { LocalFleet } from '../../../cli/local-fleet.js';
import { openPersistence } from '../../../engine-task/src/persistence.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { checkpoint, fills, newCampaign, progress } from '../../contract/record-builders.js';

/** Fills per commit: with their checkpoint and a heartbeat, a transaction of some 60 KB. */
const FILLS_PER_COMMIT = 100;

let dir: string;
let path: string;
let store: SqliteCampaignStore;
let task: ShardPersistence;
let nextSeq = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-wal-'));
  path = join(dir, 'fleet.db');
  store = new SqliteCampaignStore(path, new VirtualClock());
  const { campaign, shards } = newCampaign('c1', 1);
  await store.createCampaign(campaign, shards);
  task = store.forTask({ campaignId: 'c1', shardId: shards[0]!.shardId }, 0);
  nextSeq = 0;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function walBytes(): number {
  return statSync(`${path}-wal`).size;
}

/** One commit of the shard's next fills with its checkpoint, and a heartbeat: what an engine writes each flush. */
async function commitOnce(): Promise<void> {
  const batch = fills(nextSeq, FILLS_PER_COMMIT, 0);
  nextSeq += FILLS_PER_COMMIT;
  await task.commit(batch, checkpoint(0, nextSeq - 1));
  await task.heartbeat(progress(nextSeq));
}

it('a WAL grown past the limit behind a held snapshot shrinks back under it after the next checkpoint once the reader lets go', async () => {
  for (let i = 0; i < 20; i++) await commitOnce();
  const before = walBytes();
  const reader = new Database(path, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) AS n FROM fills').get(); // the snapshot is taken by the first read
  while (walBytes() < 3 * WAL_SIZE_LIMIT_BYTES) await commitOnce();
  const grown = walBytes();
  expect(store.checkpointWal().checkpointed, 'nothing past the reader’s snapshot can be copied while it holds it').toBeLessThan(
    store.checkpointWal().walFrames,
  );
  reader.exec('COMMIT');
  reader.close();

  const result = store.checkpointWal();
  expect(result, 'the whole WAL is copied once no reader holds an old snapshot').toMatchObject({ busy: 0, checkpointed: result.walFrames });
  await commitOnce(); // the next write starts the WAL over, truncating its file to journal_size_limit
  const after = walBytes();
  console.log(
    `WAL: ${before} bytes before the reader, ${grown} behind its snapshot, ${after} after the checkpoint and one write (limit ${WAL_SIZE_LIMIT_BYTES})`,
  );
  expect(after).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
});

it('in a long run of commits without a reader, the WAL never passes the automatic checkpoint’s size plus one transaction', async () => {
  const probe = new Database(path, { readonly: true });
  const pageSize = probe.pragma('page_size', { simple: true }) as number;
  probe.close();
  let largest = 0;
  let largestCommit = 0;
  for (let i = 0; i < 600; i++) {
    const was = walBytes();
    await commitOnce();
    const now = walBytes();
    largest = Math.max(largest, now);
    largestCommit = Math.max(largestCommit, now - was);
  }
  // A checkpoint runs at the commit that takes the WAL past WAL_AUTOCHECKPOINT_PAGES frames (a
  // frame is a page and its 24-byte header, after the WAL's 32-byte header); the WAL then starts
  // over, so it holds at most that many frames plus the commit that crossed the line.
  const bound = 32 + WAL_AUTOCHECKPOINT_PAGES * (pageSize + 24) + largestCommit;
  console.log(`WAL soak: ${600 * FILLS_PER_COMMIT} fills in 600 commits, largest WAL ${largest} bytes (bound ${bound})`);
  expect(largest).toBeLessThanOrEqual(bound);
});

describe('an engine’s connection and its control plane', () => {
  /** An engine's connection on `file`, opened as the engine opens it (`openPersistence`), writing shard 0 of `c1`. */
  async function engineTask(file: string): Promise<{ engine: { close(): void }; task: ShardPersistence }> {
    const opened = await openPersistence(`sqlite:${file}`, { campaignId: 'c1', shardId: 'shard-0' }, 0, new VirtualClock());
    return { engine: opened, task: opened.persistence };
  }

  it('the engine’s commits do not checkpoint the WAL past the control plane’s size; the control plane’s tick does, and the next write truncates it', async () => {
    const fleet = new LocalFleet({ runDir: mkdtempSync(join(tmpdir(), 'arbfleet-wal-fleet-')), log: silentLogger });
    try {
      const { campaign, shards } = newCampaign('c1', 1);
      await fleet.store.createCampaign(campaign, shards);
      const { engine, task: writer } = await engineTask(fleet.dbPath);
      try {
        const wal = () => statSync(`${fleet.dbPath}-wal`).size;
        let seq = 0;
        const commit = async () => {
          await writer.commit(fills(seq, FILLS_PER_COMMIT, 0), checkpoint(0, seq + FILLS_PER_COMMIT - 1));
          seq += FILLS_PER_COMMIT;
        };
        // Past the control plane's automatic checkpoint (1,000 pages, about 4 MiB) and the size limit: an engine's commits leave it.
        for (let i = 0; i < 400 && wal() < 2 * WAL_SIZE_LIMIT_BYTES; i++) await commit();
        expect(wal(), 'the engine’s commits checkpointed the WAL themselves').toBeGreaterThanOrEqual(2 * WAL_SIZE_LIMIT_BYTES);
        expect(2 * WAL_SIZE_LIMIT_BYTES).toBeGreaterThan(WAL_AUTOCHECKPOINT_PAGES * 4096);
        await fleet.tick(); // the control plane's checkpoint
        await commit(); // the next write starts the WAL over, truncating it to journal_size_limit
        expect(wal()).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
        expect((await fleet.store.readLedger({ campaignId: 'c1', shardId: 'shard-0' })).length).toBe(seq);
      } finally {
        engine.close();
      }
    } finally {
      await fleet.close();
    }
  });
});
