/**
 * One watchdog pass over the real AWS adapters costs calls that grow with shards/100, not with
 * shards: healthy shards whose ticks move are read (one index query, DescribeTasks by the
 * hundred, one GetItem per campaign) but never written. Only the shards in trouble are, and a
 * shard about to be restarted or failed is read once more, consistently, first.
 */
import { describe, expect, inject, it } from 'vitest';
import { measureWatchdogPass, SHARDS_PER_CAMPAIGN, STALE_SHARDS } from '../../../engine-task/bench/watchdog-pass.js';
import { emulatorEndpoint } from '../../support/moto-server.js';

const SHARDS = 300;

describe('a watchdog pass on the emulator', () => {
  it(`over ${SHARDS} active shards makes at most 3 × ceil(shards/100) + campaigns + 5 calls, writing only the shards in trouble`, async () => {
    if (!inject('awsEmulatorIsMoto')) throw new Error('this suite seeds ECS tasks through moto (its task transitions and EC2 query API); point it at moto');
    const result = await measureWatchdogPass(emulatorEndpoint(), SHARDS);

    const campaigns = Math.ceil(SHARDS / SHARDS_PER_CAMPAIGN);
    const troubled = STALE_SHARDS + 2; // the stale ones and the stalled one are suspect, the one whose task is gone restarts
    expect(result.verdicts).toEqual({ healthy: SHARDS - troubled, suspect: STALE_SHARDS + 1, restart: 1 });
    expect(result.total, JSON.stringify(result.calls)).toBeLessThanOrEqual(3 * Math.ceil(SHARDS / 100) + campaigns + 5);
    expect(result.calls.UpdateItem ?? 0, 'one write per shard in trouble, none for a healthy one').toBe(troubled);
    expect(result.calls.DescribeTasks).toBe(Math.ceil(SHARDS / 100));
    expect(result.calls.GetItem ?? 0, 'each campaign is read once, and the shard to restart once more').toBeLessThanOrEqual(campaigns + 1);
    expect(result.calls.TransactWriteItems ?? 0).toBe(0);
  }, 60_000);
});
