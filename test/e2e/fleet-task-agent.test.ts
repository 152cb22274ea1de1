/**
 * A campaign whose engine is a command, run by `arbfleet run`: the local launcher starts the agent
 * (the entrypoint in agent mode) per shard, the agent the engine. A generation whose loop starves
 * (a blocking call that never returns: the process lives, its counter stands still) is caught by the
 * watchdog's stall rule and restarted from its last checkpoint, no fill lost or repeated, and the
 * report names the engine and the protocol.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { campaignInput } from '../support/campaigns.js';
import { readReport, runFolder, startCli } from '../support/cli-process.js';
import { FAKE_ENGINE } from './agent-task-support.js';

describe('a campaign of a command engine under the fleet', () => {
  it('restarts a starved engine as STALLED, from its checkpoint with no fill lost or repeated, and the report names the engine', async () => {
    const runDir = runFolder();
    const config = join(runDir, 'command-engine.json');
    writeFileSync(
      config,
      JSON.stringify(
        campaignInput({
          name: 'command-engine',
          symbols: ['BTC', 'ETH', 'XRP', 'SOL'],
          sharding: { symbolsPerShard: 2 },
          duration: '25s',
          watchdog: { heartbeatInterval: '0.5s', staleAfter: '3s', launchTimeout: '30s', backoff: { initial: 0 } },
          engine: {
            kind: 'command',
            command: [process.execPath, FAKE_ENGINE],
            env: { FAKE_ENGINE: 'fleet', FAKE_STALL_SHARD: 'shard-000', FAKE_STALL_AFTER_MS: '3000' },
          },
        }),
      ),
    );
    const cli = startCli(['run', config, '--no-dashboard', '--out', join(runDir, 'out')]);
    expect((await cli.exited).code, cli.stderr().slice(-3000)).toBe(0);
    const report = readReport(join(runDir, 'out'));
    expect(report.campaign.status).toBe('COMPLETED');
    // Named as the engine named itself in its hello, which the agent's heartbeats carry.
    expect(report.campaign.engine).toEqual({ kind: 'command', command: [process.execPath, FAKE_ENGINE], name: 'fake-engine', version: '1.0.0', protocol: 1 });
    const [stall, ...others] = report.shards[0]?.restarts ?? [];
    expect(stall?.cause).toBe('STALLED');
    expect(others).toEqual([]);
    expect(report.shards[1]?.restarts).toEqual([]);
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    expect(report.shards[0]?.generation).toBe(1);
    // The starved engine read no stop: its agent ended it (the restart's new generation fenced the
    // agent's next heartbeat, or the stop's deadline passed), killing its process group.
    expect(readFileSync(join(runDir, 'out', 'tasks', 'shard-000.g0.log'), 'utf8')).toMatch(/"event":"summary".*"end":"(fenced|killed-at-deadline)"/);
  });
});
