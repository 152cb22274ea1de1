/**
 * `arbfleet run` stopped by a signal, as real processes: the CLI stops its engines gracefully
 * (SIGTERM: each commits, checkpoints and exits 0) before it exits, and says so in the campaign's
 * events, whether its own output is still read or not. Its engines run in process groups of their
 * own, so nothing else stops them: a CLI that dies of the signal, or of a write to a pipe whose
 * reader has gone (EPIPE), leaves them running (seen: both engines still running 13 s after a
 * SIGINT, until they were sent SIGTERM by hand).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ShardRecord } from '../../core/model/records.js';
import { bothShardsRunning, E2E_CONFIG, openRunStore, readReport, runFolder, startCli } from '../support/cli-process.js';
import { isRunning, startNode, startProgram, waitFor } from '../support/engine-process.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { systemClock } from '../../core/clock.js';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXIT_PROCESS = fileURLToPath(new URL('../support/fleet-exit-process.ts', import.meta.url));

const leftovers: number[] = [];
afterEach(() => {
  // A failing run must not leave engines behind on a shared machine.
  for (const pid of leftovers.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGTERM');
});

describe('arbfleet run stopped by a signal', () => {
  it.each([
    { signal: 'SIGINT', output: 'closed' },
    { signal: 'SIGTERM', output: 'closed' },
    { signal: 'SIGHUP', output: 'read' },
  ] as const)('$signal with its output $output: the engines get SIGTERM, commit and exit before the CLI exits 0', async ({ signal, output }) => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s']);
    const store = await openRunStore(runDir);
    const shards = await bothShardsRunning(store, 20_000);
    const pids = shards.map((s) => Number(s.taskId));
    leftovers.push(...pids);
    expect(pids.every(isRunning)).toBe(true);
    // The reader of its output has gone (a pipe into `head`, a closed terminal's pty): its next write fails with EPIPE.
    if (output === 'closed') {
      cli.child.stdout?.destroy();
      cli.child.stderr?.destroy();
    }
    cli.child.kill(signal);
    const exit = await cli.exited;
    const stillRunning = pids.filter(isRunning);
    const said = cli.stderr();
    expect({ code: exit.code, signal: exit.signal, stillRunning }, said.slice(-2000)).toEqual({ code: 0, signal: null, stillRunning: [] });

    const campaignId = shards[0]!.campaignId;
    const ended = await store.listShards(campaignId);
    const stopOf = (s: ShardRecord) => s.heartbeat?.progress.stop;
    expect(ended.map((s) => [s.status, stopOf(s)])).toEqual([
      ['COMPLETED', { by: 'signal', signal: 'SIGTERM' }],
      ['COMPLETED', { by: 'signal', signal: 'SIGTERM' }],
    ]);
    const events = await store.listEvents(campaignId);
    expect(events.find((e) => e.type === 'control-plane.signal')?.detail).toEqual({ signal, action: 'stopping the campaign: SIGTERM to every engine' });
    store.close();
    const report = readReport(runDir);
    expect(report.campaign.status).toBe('CANCELLED');
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    if (output === 'read') {
      expect(said).toContain(`arbfleet: ${signal}: stopping the campaign`);
      expect(said).toMatch(new RegExp(`CANCELLED \\(stopped by user, on ${signal}\\)`));
    }
  });
});

describe('a stop signal before the campaign exists', () => {
  // The CLI writes run.json, then opens the store and makes the engine bundle fresh (seconds when
  // a source changed) before it creates the campaign. A Ctrl-C there killed it by the signal's
  // default (exit 130, no word), leaving run.json beside no campaign: `report` and `--resume` both
  // answered "campaign … not found", and the folder was refused as --out.
  it('is kept: the campaign is created and stopped, its report written, exit 0', async () => {
    const runDir = runFolder();
    const written = new Promise<void>((resolve) => {
      const watcher = watch(runDir, (_event, name) => {
        if (name !== 'run.json') return;
        watcher.close();
        resolve();
      });
    });
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s']);
    await written;
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    expect({ code: exit.code, signal: exit.signal }, cli.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toMatch(/CANCELLED \(stopped by user, on SIGINT\)/);
    const report = readReport(runDir);
    expect(report.campaign.status).toBe('CANCELLED');
  });
});

describe('Ctrl-C at a terminal running `npm run arbfleet -- run`', () => {
  // A terminal's Ctrl-C sends SIGINT to its whole foreground process group: npm, the `sh -c` npm
  // runs the script with, and the CLI. Dash waits for the CLI, then kills itself with SIGINT, so
  // npm exited 130 after a graceful stop the CLI ended with 0, unless the script `exec`s node.
  it('the CLI stops the campaign and npm exits 0, as the help says', async () => {
    const runDir = runFolder();
    const npm = startProgram('npm', ['run', '-s', 'arbfleet', '--', 'run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s'], {}, true);
    const store = await openRunStore(runDir);
    const shards = await bothShardsRunning(store, 30_000);
    store.close();
    leftovers.push(...shards.map((s) => Number(s.taskId)));
    process.kill(-(npm.child.pid as number), 'SIGINT');
    const exit = await npm.exited;
    expect({ code: exit.code, signal: exit.signal }, npm.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(npm.stderr()).toMatch(/CANCELLED \(stopped by user, on SIGINT\)/);
    expect(readReport(runDir).campaign.status).toBe('CANCELLED');
  });
});

describe('a local control plane that dies of an error', () => {
  it('sends SIGTERM to the engines it runs as it exits: they commit and exit instead of running on', async () => {
    const runDir = runFolder();
    const plane = startNode(EXIT_PROCESS, [runDir]);
    const pids = (await waitFor('the engines running', () => /engines (\d+) (\d+)/.exec(plane.stdout())?.slice(1).map(Number), 30_000)) as number[];
    leftovers.push(...pids);
    const exit = await plane.exited;
    expect(exit.code, plane.stderr().slice(-1500)).toBe(1);
    expect(plane.stderr()).toContain('the control plane fails with its engines running');
    // The campaign runs 60 s: engines still running well before that were left behind.
    await waitFor('both engines to exit', () => (pids.some(isRunning) ? undefined : true), 15_000);
    const store = new SqliteCampaignStore(join(runDir, 'fleet.db'), systemClock);
    try {
      const [campaign] = await store.listCampaigns();
      const shards = await store.listShards(campaign!.campaignId);
      expect(shards.map((s) => s.heartbeat?.progress.stop)).toEqual([
        { by: 'signal', signal: 'SIGTERM' },
        { by: 'signal', signal: 'SIGTERM' },
      ]);
    } finally {
      store.close();
    }
  });
});
