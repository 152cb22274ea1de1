import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { healthProblem } from '../../engine-task/src/healthcheck.js';
import { campaignInput } from '../support/campaigns.js';
import { ROOT } from '../support/engine-process.js';
import { agentStore } from './agent-task-support.js';

/** The container runs the esbuild bundle, not tsx: build it as the Dockerfile does and run it. */
describe('the engine bundle the container image runs', () => {
  const metafile = join(mkdtempSync(join(tmpdir(), 'arbfleet-engine-meta-')), 'metafile.json');
  beforeAll(() => {
    execFileSync(process.execPath, ['engine-task/build.mjs'], { cwd: ROOT, env: { ...process.env, ARBFLEET_BUNDLE_METAFILE: metafile } });
  });

  it('inlines the DynamoDB client and no other AWS client (the engine calls DynamoDB alone)', () => {
    const inputs = Object.keys((JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    const clients = [...new Set(inputs.flatMap((input) => /node_modules\/(@aws-sdk\/client-[^/]+)\//.exec(input)?.[1] ?? []))];
    expect(clients).toEqual(['@aws-sdk/client-dynamodb']);
  });

  it('runs a campaign on virtual time and writes the health file the HEALTHCHECK reads', () => {
    const health = join(mkdtempSync(join(tmpdir(), 'arbfleet-health-')), 'health.json');
    const run = spawnSync(process.execPath, ['engine-task/dist/main.mjs', 'configs/top10-paper-baseline.yaml', '--virtual', '--json', '--symbols', 'BTC,ETH'], {
      cwd: ROOT,
      env: { ...process.env, ARBFLEET_HEALTH_FILE: health },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
    expect(summary).toMatchObject({ event: 'summary', end: 'completed' });
    expect(summary.trades).toBeGreaterThan(0);
    const written = JSON.parse(readFileSync(health, 'utf8'));
    expect(written.ticks).toBe(summary.ticks);
    expect(typeof written.progressAt).toBe('number');
  });

  it('runs as the agent with the bundle itself behind it (engine.kind command, --protocol stdio): fills committed on the store, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-agent-bundle-'));
    const store = await agentStore(dir, 'c-bundle');
    const config = join(dir, 'campaign.json');
    writeFileSync(
      config,
      JSON.stringify(
        campaignInput({
          clock: 'virtual',
          duration: '10m',
          feed: { kind: 'synthetic', seed: 9, ticksPerSecond: 20, dislocationBps: 40, dislocationHalfLife: '3s' },
          engine: { kind: 'command', command: [process.execPath, join(ROOT, 'engine-task/dist/main.mjs'), '--protocol', 'stdio'] },
        }),
      ),
    );
    const run = spawnSync(
      process.execPath,
      [
        'engine-task/dist/main.mjs',
        config,
        '--json',
        '--store',
        `sqlite:${join(dir, 'fleet.db')}`,
        '--campaign',
        'c-bundle',
        '--shard',
        'shard-000',
        '--symbols',
        'BTC,ETH',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const ledger = await store.readLedger({ campaignId: 'c-bundle', shardId: 'shard-000' });
    expect(ledger.length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/"event":"engine said hello".*"engine":"arbfleet-builtin"/);
    store.close();
  });

  it('judges health by progress, not by the file being there', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(healthProblem(JSON.stringify({ progressAt: now - 5_000 }), now, 60)).toBeUndefined();
    expect(healthProblem(JSON.stringify({ progressAt: now - 61_000 }), now, 60)).toBe('no progress for 61.0s (limit 60s)');
    expect(healthProblem(undefined, now, 60)).toBe('no progress file yet');
    expect(healthProblem('{oops', now, 60)).toBe('progress file is not JSON');
  });

  it('has a health check command that fails on a stale progress file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'arbfleet-health-')), 'h.json');
    writeFileSync(file, JSON.stringify({ at: 0, ticks: 5, progressAt: 0 }));
    const check = spawnSync(process.execPath, ['engine-task/dist/healthcheck.mjs'], {
      cwd: ROOT,
      env: { ...process.env, ARBFLEET_HEALTH_FILE: file },
      encoding: 'utf8',
    });
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/^unhealthy: no progress for/);
  });
});
