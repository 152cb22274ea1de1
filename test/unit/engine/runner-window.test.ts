import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryShardLedger } from '../../../core/local/memory-shard-persistence.js';
import { silentLogger } from '../../../core/log.js';
import { ShardRunner } from '../../../engine-task/src/runner.js';
import { testCampaign } from '../../support/campaigns.js';

/** 10 recorded minutes from 2023-11-14T22:13:20Z, a ±60 bps dislocation at seconds 20–29 of every minute. */
const DISLOCATIONS = fileURLToPath(new URL('../../fixtures/replay/dislocations.csv', import.meta.url));
const FIRST = 1_700_000_000_000;
const KEY = { campaignId: 'c-window', shardId: 'shard-000' };

async function runVirtual(feed: { from?: string; to?: string }, duration = '1h') {
  const ledger = new MemoryShardLedger();
  const campaign = testCampaign({
    symbols: ['BTC'],
    feed: { kind: 'replay', path: DISLOCATIONS, ...feed },
    duration,
    strategy: { maxHolding: '1h' },
    clock: 'virtual',
  });
  const runner = new ShardRunner({
    campaign,
    shardIndex: 0,
    symbols: ['BTC'],
    persistence: ledger.forTask(KEY, 0),
    mode: 'virtual',
    log: silentLogger,
    startAt: Date.UTC(2026, 0, 1),
  });
  const outcome = await runner.run();
  return { outcome, fills: ledger.fills(KEY) };
}

describe('a virtual replay runs on the recorded time, inside its window', () => {
  it('runs from the first recorded update to the replay end, whatever the campaign start', async () => {
    const { outcome, fills } = await runVirtual({});
    expect([outcome.end, outcome.reason]).toEqual(['completed', 'replay ended']);
    expect(fills[0]?.ts).toBe(FIRST + 20_000); // the first dislocation's first quote
    expect(fills.every((f) => f.ts >= FIRST && f.ts < FIRST + 600_000)).toBe(true);
  });

  it('starts at feed.from and ends at feed.to (recorded time): only the dislocations inside are traded', async () => {
    const from = new Date(FIRST + 120_000).toISOString();
    const to = new Date(FIRST + 300_000).toISOString();
    const { outcome, fills } = await runVirtual({ from, to });
    expect([outcome.end, outcome.reason]).toEqual(['completed', 'max runtime reached']);
    expect(outcome.engineMs).toBe(180_000);
    expect(fills.filter((f) => f.kind === 'OPEN').map((f) => f.ts)[0]).toBe(FIRST + 140_000);
    expect(fills.every((f) => f.ts >= FIRST + 120_000 && f.ts <= FIRST + 300_000)).toBe(true);
    expect(new Set(fills.filter((f) => f.kind === 'OPEN').map((f) => Math.floor((f.ts - FIRST) / 60_000)))).toEqual(new Set([2, 3, 4]));
  });

  it('ends at the window start + duration without feed.to', async () => {
    const { outcome } = await runVirtual({ from: new Date(FIRST + 60_000).toISOString() }, '90s');
    expect([outcome.end, outcome.engineMs]).toEqual(['completed', 90_000]);
  });
});
