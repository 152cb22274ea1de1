import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { VersionConflictError } from '../../core/errors.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { newCampaign } from './record-builders.js';

const WRITER = fileURLToPath(new URL('../fixtures/sqlite-fill-writer.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TASKS = 3;
const FILLS = 200;
const BATCH = 5;

interface Writer {
  child: ChildProcess;
  stderr: string[];
  ready: Promise<void>;
  exit: Promise<number | null>;
}

/** Starts one stand-in engine process on `shardId`; it waits for a line on stdin before writing. */
function startWriter(path: string, campaignId: string, shardId: string): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, campaignId, shardId, '0', String(FILLS), String(BATCH)], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`writer for ${shardId} exited ${code} before ready: ${stderr.join('')}`)));
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stderr, ready, exit };
}

describe('SqliteCampaignStore shared by several processes', () => {
  let dir: string | undefined;
  const writers: Writer[] = [];
  afterEach(() => {
    for (const writer of writers.splice(0)) if (writer.child.exitCode === null) writer.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('three tasks commit fills while the control plane updates shards: no SQLITE_BUSY, every fill once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-sqlite-mp-'));
    const path = join(dir, 'fleet.db');
    const store = new SqliteCampaignStore(path, new VirtualClock());
    const { campaign, shards } = newCampaign('mp', TASKS);
    await store.createCampaign(campaign, shards);
    const keys = shards.map((s) => ({ campaignId: 'mp', shardId: s.shardId }));

    writers.push(...keys.map((key) => startWriter(path, key.campaignId, key.shardId)));
    await Promise.all(writers.map((w) => w.ready));
    for (const writer of writers) writer.child.stdin!.end('go\n');

    let running = true;
    const exits = Promise.all(writers.map((w) => w.exit)).finally(() => (running = false));
    const updates = new Map(keys.map((key) => [key.shardId, 0]));
    let conflicts = 0;
    while (running) {
      for (const key of keys) {
        const shard = await store.getShard(key);
        try {
          await store.updateShard(key, shard!.version, { status: 'RUNNING', observedTicks: shard!.heartbeat?.progress.ticks ?? 0 });
          updates.set(key.shardId, updates.get(key.shardId)! + 1);
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
          conflicts += 1;
        }
      }
      await sleep(1);
    }
    const codes = await exits;

    expect(writers.map((w) => w.stderr.join(''))).toEqual(['', '', '']);
    expect(codes).toEqual([0, 0, 0]);
    expect(conflicts).toBe(0);
    for (const key of keys) {
      const ledger = await store.readLedger(key);
      expect(ledger.map((f) => f.seq)).toEqual(Array.from({ length: FILLS }, (_, i) => i));
      expect(new Set(ledger.map((f) => f.symbol))).toEqual(new Set([key.shardId]));
      expect((await store.readCheckpoint(key))?.lastFillSeq).toBe(FILLS - 1);
      expect(await store.readHeartbeats(key)).toHaveLength(FILLS / BATCH);
      const shard = await store.getShard(key);
      expect(updates.get(key.shardId)).toBeGreaterThan(0);
      expect(shard?.version).toBe(updates.get(key.shardId));
      expect(shard?.heartbeat?.progress.lastFillSeq).toBe(FILLS - 1);
      expect(shard?.peakRssBytes).toBe(1_000_000 + FILLS - 1);
    }
    store.close();
  }, 20_000);
});
