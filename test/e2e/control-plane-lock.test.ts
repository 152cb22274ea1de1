/**
 * One control plane per data folder (`core/local/control-plane-lock.ts`), with real processes: a
 * `serve` beside a live `run`, two `serve`s, or a `run --resume` beside a `serve` on one folder
 * each ran a watchdog and a launcher over the same store (found by a new user: they killed and
 * relaunched each other's engines). The second is refused at start, exit 2, naming the folder and
 * the holder's pid and command, and takes nothing over; `arbfleet report` still reads the folder;
 * a holder killed with SIGKILL leaves the folder to the next `serve` at once, its engines (which
 * never hold the lock) still running and taken over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_EXIT } from '../../core/exit-codes.js';
import { E2E_CONFIG, openRunStore, runFolder, startCli, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

const started: CliProcess[] = [];
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
});

function cli(args: string[]): CliProcess {
  const process = startCli(args);
  started.push(process);
  return process;
}

/** Starts `arbfleet serve` on `data` with a free port; resolves with its API URL once it listens. */
async function startServe(data: string): Promise<{ serve: CliProcess; url: string }> {
  const serve = cli(['serve', '--api-port', '0', '--data', data, '--json']);
  const url = await waitFor(
    'arbfleet serve to listen',
    () => {
      if (serve.child.exitCode !== null) throw new Error(`arbfleet serve exited ${serve.child.exitCode}\n${serve.stderr()}`);
      return /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stderr())?.[1];
    },
    30_000,
  );
  return { serve, url };
}

/** Runs `args` to its end and expects it refused, exit 2, naming the folder and the holder. */
async function expectRefused(args: string[], folder: string, holderPid: number, holderCommand: string): Promise<void> {
  const second = cli(args);
  // Not refused, it would run on: stop waiting as soon as it says it started (serve's API, run's campaign line).
  const started = await waitFor(
    `${args.join(' ')} to exit`,
    () => (second.child.exitCode !== null ? false : /control plane on http|arbfleet: campaign /.test(second.stderr()) ? true : undefined),
    30_000,
  );
  expect(started, `${args.join(' ')} started beside the holder:\n${second.stderr()}`).toBe(false);
  const exit = await second.exited;
  expect(exit.code, second.stderr()).toBe(CLI_EXIT.BAD_INPUT);
  expect(second.stderr()).toContain(`arbfleet: ${folder}: `);
  expect(second.stderr()).toContain(`held by another control plane: pid ${holderPid} (${holderCommand}, since `);
  expect(second.stderr()).not.toContain('control plane on http');
}

describe('one control plane per data folder', () => {
  it('refuses a serve beside a run, a second serve and a run --resume beside a serve; a SIGKILLed holder leaves the folder to the next', async () => {
    const runDir = runFolder();
    const run = cli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s']);
    const store = await openRunStore(runDir);
    const shardsAtGeneration0 = async () => {
      const [campaign] = await store.listCampaigns();
      const shards = campaign ? await store.listShards(campaign.campaignId) : [];
      return shards.length === 2 && shards.every((s) => s.status === 'RUNNING' && s.generation === 0) ? (campaign?.campaignId as string) : undefined;
    };
    const campaignId = await waitFor('both shards running', shardsAtGeneration0, 30_000);

    await expectRefused(['serve', '--api-port', '0', '--data', runDir], runDir, run.child.pid as number, 'arbfleet run');

    run.child.kill('SIGKILL');
    await run.exited;
    const first = await startServe(runDir);
    expect(first.serve.stderr()).toContain(`1 campaign(s) resumed (${campaignId})`);

    await expectRefused(['serve', '--api-port', '0', '--data', runDir], runDir, first.serve.child.pid as number, 'arbfleet serve');
    await expectRefused(['run', '--resume', runDir, '--no-dashboard'], runDir, first.serve.child.pid as number, 'arbfleet serve');
    const report = cli(['report', runDir]);
    expect((await report.exited).code, report.stderr()).toBe(CLI_EXIT.OK);
    expect(report.stdout()).toContain('report.md');
    // Nothing was taken over: the same engines, never relaunched.
    expect(await shardsAtGeneration0()).toBe(campaignId);

    first.serve.child.kill('SIGKILL');
    await first.serve.exited;
    const next = await startServe(runDir);
    expect(next.serve.stderr()).toContain(`1 campaign(s) resumed (${campaignId})`);
    expect(await shardsAtGeneration0()).toBe(campaignId);

    const stop = await fetch(`${next.url}/campaigns/${campaignId}/stop`, { method: 'POST', headers: { 'x-arbfleet-client': 'test' } });
    expect(stop.status).toBe(200);
    await waitFor('the campaign to end', async () => ((await store.getCampaign(campaignId))?.status === 'CANCELLED' ? true : undefined), 30_000);
    store.close();
    next.serve.child.kill('SIGTERM');
    expect((await next.serve.exited).code).toBe(CLI_EXIT.OK);
  }, 120_000);
});
