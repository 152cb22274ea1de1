/**
 * The built-in engine is one engine among others: for one seed, run in process (the default) and
 * behind the agent (`engine.kind: command` running `main.ts --protocol stdio`), it makes the same
 * fills, field for field but the wall-clock stamp (`wallTs`, read from the machine's clock).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fill } from '../../core/model/fill.js';
import { campaignInput } from '../support/campaigns.js';
import { ENGINE_COMMAND, startEngine } from '../support/engine-process.js';
import { agentStore } from './agent-task-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const STARTED_AT = 1_767_225_600_000;

async function runOnce(behindAgent: boolean): Promise<Fill[]> {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-parity-'));
  dirs.push(dir);
  const store = await agentStore(dir, 'c-parity');
  const config = join(dir, 'campaign.json');
  writeFileSync(
    config,
    JSON.stringify(
      campaignInput({
        clock: 'virtual',
        duration: '20m',
        feed: { kind: 'synthetic', seed: 4242, ticksPerSecond: 20, dislocationBps: 40, dislocationHalfLife: '3s' },
        watchdog: { staleAfter: 5, heartbeatInterval: 0.5 },
        ...(behindAgent ? { engine: { kind: 'command', command: [...ENGINE_COMMAND, '--protocol', 'stdio'] } } : {}),
      }),
    ),
  );
  const engine = startEngine(
    [config, '--store', `sqlite:${join(dir, 'fleet.db')}`, '--campaign', 'c-parity', '--shard', 'shard-000', '--symbols', 'BTC,ETH', '--json'],
    {
      ARBFLEET_STARTED_AT: String(STARTED_AT),
    },
  );
  const exit = await engine.exited;
  expect(exit, engine.stderr()).toEqual({ code: 0, signal: null });
  const fills = await store.readLedger({ campaignId: 'c-parity', shardId: 'shard-000' });
  store.close();
  return fills;
}

describe('the built-in engine in process and behind the agent', () => {
  it('makes identical fills for one seed (virtual time, 20 recorded minutes)', async () => {
    const inProcess = await runOnce(false);
    const behindAgent = await runOnce(true);
    expect(inProcess.length).toBeGreaterThan(20);
    const withoutWall = (fills: Fill[]) => fills.map(({ wallTs: _, ...fill }) => fill);
    expect(withoutWall(behindAgent)).toEqual(withoutWall(inProcess));
  });
});
