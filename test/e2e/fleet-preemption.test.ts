/**
 * A stop that arbfleet did not ask for is not the shard finishing (issue 16): a SIGTERM from
 * outside (an operator, `docker stop`, what ECS sends on a Spot interruption) reaches one engine of
 * a real 2-shard campaign. The engine commits and exits 0 saying it was signalled; the fleet, which
 * sent no stop, restarts the shard from its checkpoint as PREEMPTED, and the next generation
 * restores the open trades and closes them by its own rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../core/model/fill.js';
import { openRunStore, readReport, runFolder, startCli, E2E_CONFIG } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

function logLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a stop from outside', () => {
  it('restarts the shard from its checkpoint as PREEMPTED naming SIGTERM; its open trades are restored and closed; the campaign completes with 1 restart', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '30s']);
    const store = await openRunStore(runDir);
    // Mid-run, once shard-000's engine holds open trades (its heartbeat says so).
    const victim = await waitFor(
      'shard-000 running with open trades and shard-001 heartbeating',
      async () => {
        const [campaign] = await store.listCampaigns();
        if (!campaign) return undefined;
        const [s0, s1] = await store.listShards(campaign.campaignId);
        const open = s0?.status === 'RUNNING' && s0.generation === 0 && (s0.heartbeat?.progress.openTrades ?? 0) > 0;
        return open && s1?.heartbeat ? { campaignId: campaign.campaignId, pid: Number(s0.taskId) } : undefined;
      },
      25_000,
    );
    process.kill(victim.pid, 'SIGTERM');

    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-3000)).toBe(0);
    const ledger = await store.readLedger({ campaignId: victim.campaignId, shardId: 'shard-000' });
    store.close();

    const report = readReport(runDir);
    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.totals.restarts).toBe(1);
    expect(cli.stderr() + cli.stdout()).toMatch(/arbfleet: COMPLETED .* · 1 restart\(s\) · /);
    const [s0, s1] = report.shards;
    expect(s0?.status).toBe('COMPLETED');
    expect(s0?.generation).toBe(1);
    expect(s0?.restarts).toHaveLength(1);
    expect(s0?.restarts[0]).toMatchObject({
      cause: 'PREEMPTED',
      fromGeneration: 0,
      detail: { exitCode: 0, signal: 'SIGTERM', note: expect.stringMatching(/from outside by SIGTERM/) },
    });
    expect(s0?.restarts[0]?.restartedAt).toBeDefined();
    // The other shard ended with the campaign, on its own deadline: completion, not a restart.
    expect(s1).toMatchObject({ status: 'COMPLETED', restarts: [] });

    // Generation 0 stopped on the signal, committed everything and said so; generation 1 restored its open trades.
    const g0 = logLines(join(runDir, 'tasks', 'shard-000.g0.log'));
    const summary = g0.find((l) => l.event === 'summary');
    expect(summary).toMatchObject({ end: 'stopped', stop: { by: 'signal', signal: 'SIGTERM' }, fillsUncommitted: 0 });
    const started = logLines(join(runDir, 'tasks', 'shard-000.g1.log')).find((l) => l.event === 'shard started');
    const restored = started?.restoredOpenTrades as number;
    expect(restored).toBeGreaterThan(0);

    // Every trade generation 0 left open was closed by generation 1: none is left open for the stop.
    const byTrade = new Map<number, Fill[]>();
    for (const f of ledger) byTrade.set(f.tradeId, [...(byTrade.get(f.tradeId) ?? []), f]);
    const carried = [...byTrade.values()].filter(
      (fills) => fills.some((f) => f.kind === 'OPEN' && f.generation === 0) && !fills.some((f) => f.kind === 'CLOSE' && f.generation === 0),
    );
    expect(carried).toHaveLength(restored);
    for (const fills of carried) expect(fills.filter((f) => f.kind === 'CLOSE' && f.generation === 1)).toHaveLength(2);
    for (const fills of byTrade.values()) expect(fills.filter((f) => f.kind === 'CLOSE')).toHaveLength(2);
    // No market update traded twice across the restart, and every row of the report passes.
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0, repeatedDecisions: 0, pass: true });
    expect(report.outcome.acceptance, JSON.stringify(report.outcome.acceptance.failedRows)).toMatchObject({ failed: 0, total: 11 });

    // The report shows the cause and what named it.
    const markdown = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\*\*PREEMPTED\*\*.*signal SIGTERM.*from outside by SIGTERM/);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toMatch(/PREEMPTED<\/td>.*signal SIGTERM/s);
  });
});
