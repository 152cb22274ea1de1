import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { newCampaign } from '../contract/record-builders.js';
import { startEngine, waitFor } from '../support/engine-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-engine-'));
  dirs.push(dir);
  return dir;
}

describe('the engine process', () => {
  it('exits 0 on SIGTERM within 10 s, after a final checkpoint covering every fill, a second SIGTERM ignored', async () => {
    const dir = tempDir();
    const db = join(dir, 'fleet.db');
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-sigterm', 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: ['BTC', 'ETH'] })),
    );
    const key = { campaignId: 'c-sigterm', shardId: 'shard-000' };
    const engine = startEngine(
      ['configs/top10-paper-baseline.yaml', '--store', `sqlite:${db}`, '--campaign', key.campaignId, '--shard', key.shardId, '--symbols', 'BTC,ETH', '--json'],
      {
        ARBFLEET_HEARTBEAT_INTERVAL: '0.2',
      },
    );
    await waitFor('two heartbeats with progress', async () => {
      const beats = await store.readHeartbeats(key);
      return beats.length >= 2 && (beats.at(-1)?.progress.ticks ?? 0) > 0 ? beats : undefined;
    });
    const signalledAt = Date.now();
    // A second stop the moment the first is under way: it must not cut the final commit short
    // (before, a repeated signal found no handler and killed the engine: exit 143). The stop is so
    // fast here that the second signal often arrives once the engine has already exited.
    const second = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (!chunk.toString().includes('"event":"stop requested"')) return;
        engine.child.stdout?.off('data', onData);
        engine.child.kill('SIGTERM');
        resolve();
      };
      engine.child.stdout?.on('data', onData);
    });
    engine.child.kill('SIGTERM');
    await second;
    const exit = await engine.exited;
    expect(exit, engine.stderr()).toEqual({ code: 0, signal: null });
    expect(engine.stdout()).toContain('"event":"summary"');
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    const checkpoint = await store.readCheckpoint(key);
    const ledger = await store.readLedger(key);
    expect(checkpoint?.writtenAt).toBeGreaterThanOrEqual(signalledAt);
    expect(checkpoint?.lastFillSeq).toBe(ledger.length - 1);
    expect(checkpoint?.symbols.map((s) => s.symbol)).toEqual(['BTC', 'ETH']);
    expect(engine.stdout()).toContain('"event":"shard ended"');
    store.close();
  });

  it('opens only an existing SQLite store: a missing one is exit 4 (store unavailable, ERROR_TABLE) naming it, and no file is made', async () => {
    const db = join(tempDir(), 'gone', 'fleet.db');
    const engine = startEngine(['configs/top10-paper-baseline.yaml', '--store', `sqlite:${db}`, '--json']);
    const exit = await engine.exited;
    expect(exit.code).toBe(4);
    expect(engine.stderr()).toContain(`arbfleet-engine: store unavailable: cannot open the campaign store at ${db}: no such file`);
    expect(existsSync(db)).toBe(false);
  });

  it('exits 2 naming the field when the config is bad', async () => {
    const dir = tempDir();
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'name: bad\nsymbols: [BTC]\nvenues:\n  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: -5 }\n  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }\nfx: { pair: USDT/KRW, rate: 1380 }\n',
    );
    const engine = startEngine([config]);
    const exit = await engine.exited;
    expect(exit.code).toBe(2);
    expect(engine.stderr()).toContain(`${config}:4: venues.a.takerFeeBps:`); // the line of the field
    expect(engine.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('exits 3 without trading when its generation is already fenced out', async () => {
    const dir = tempDir();
    const db = join(dir, 'fleet.db');
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-fenced', 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: ['BTC'], generation: 2 })),
    );
    const engine = startEngine([
      'configs/top10-paper-baseline.yaml',
      '--store',
      `sqlite:${db}`,
      '--campaign',
      'c-fenced',
      '--shard',
      'shard-000',
      '--symbols',
      'BTC',
      '--generation',
      '1',
      '--json',
    ]);
    expect((await engine.exited).code).toBe(3);
    expect(await store.readLedger({ campaignId: 'c-fenced', shardId: 'shard-000' })).toHaveLength(0);
    store.close();
  });
});

describe('the engine process on AWS', () => {
  it('prints CloudWatch EMF metrics with each heartbeat when ARBFLEET_METRICS=emf', async () => {
    const engine = startEngine(['configs/top10-paper-baseline.yaml', '--virtual', '--json', '--symbols', 'BTC,ETH', '--duration', '1m'], {
      ARBFLEET_METRICS: 'emf',
      ARBFLEET_CAMPAIGN_ID: 'c-emf',
      POWERTOOLS_METRICS_NAMESPACE: 'ArbfleetTest',
    });
    expect((await engine.exited).code).toBe(0);
    const emf = engine
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((doc) => doc._aws !== undefined);
    expect(emf.length).toBeGreaterThanOrEqual(6); // a heartbeat every 10 s of the simulated minute
    const directive = emf[0]._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('ArbfleetTest');
    expect(directive.Metrics.map((m: { Name: string }) => m.Name)).toEqual(
      expect.arrayContaining(['EngineTicksPerSec', 'EngineLatencyP99Us', 'EngineRssBytes']),
    );
    expect(emf.at(-1).Campaign).toBe('c-emf');
    expect(emf.at(-1).EngineTicksPerSec).toBeGreaterThan(0);
  });
});
