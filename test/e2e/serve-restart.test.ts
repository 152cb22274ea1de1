/**
 * `arbfleet serve` as a real process: a schedule's run is started (trigger), the service is killed
 * with SIGKILL while the run's engine works, and a new `arbfleet serve` on the same data folder
 * resumes the campaign (taking over the engine that kept running, no restart) and the schedules
 * (state and counts as they were), and writes the report when the run ends.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFolder, startCli, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

const started: CliProcess[] = [];
afterEach(() => {
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
});

const SCHEDULE = `
name: soak
cron: "0 9 * * 1-5"
timezone: Asia/Seoul
overlap: allow
paused: true
note: holiday
campaign:
  name: soak-run
  symbols: [BTC, ETH]
  venues:
    a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }
    b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }
  fx: { pair: USDT/KRW, rate: 1380 }
  feed: { kind: synthetic, seed: 5, ticksPerSecond: 20 }
  duration: 6s
`;

/** Starts `arbfleet serve` on `data` with a free port; resolves with its API URL once it listens. */
async function startServe(data: string): Promise<{ cli: CliProcess; url: string }> {
  const cli = startCli(['serve', '--api-port', '0', '--data', data, '--json']);
  started.push(cli);
  const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(cli.stderr())?.[1], 20_000);
  return { cli, url };
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-arbfleet-client': 'test', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('arbfleet serve', () => {
  it('killed with SIGKILL and started again resumes its schedules and campaigns', async () => {
    const dir = runFolder();
    const data = join(dir, 'data');
    const file = join(dir, 'soak.yaml');
    writeFileSync(file, SCHEDULE);

    const first = await startServe(data);
    const create = startCli(['schedule', '--api', first.url, '--json', 'create', file]);
    expect((await create.exited).code, create.stderr()).toBe(0);
    expect(JSON.parse(create.stdout()).next[0]).toMatch(/T00:00:00\.000Z$/); // 09:00 KST
    const trigger = await api(first.url, 'POST', '/schedules/soak/trigger');
    expect(trigger.status).toBe(201);
    const campaignId = trigger.body.campaignId as string;

    await waitFor(
      'the run to heartbeat',
      async () => {
        const view = await api(first.url, 'GET', `/campaigns/${campaignId}`);
        return view.body.shards.every((s: any) => s.status === 'RUNNING' && s.heartbeat) ? true : undefined;
      },
      20_000,
    );
    first.cli.child.kill('SIGKILL');
    await first.cli.exited;

    const second = await startServe(data);
    expect(second.cli.stderr()).toContain(`1 campaign(s) resumed (${campaignId}), 1 schedule(s)`);
    const schedule = await api(second.url, 'GET', '/schedules/soak');
    expect(schedule.body.schedule).toMatchObject({ paused: true, note: 'holiday', runs: 1, lastCampaignId: campaignId });
    expect(schedule.body.runs).toEqual([expect.objectContaining({ campaignId, occurrence: trigger.body.occurrence })]);

    const ended = await waitFor(
      'the resumed run to end',
      async () => {
        const view = await api(second.url, 'GET', `/campaigns/${campaignId}`);
        return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(view.body.campaign.status) ? view.body : undefined;
      },
      25_000,
    );
    expect(ended.campaign).toMatchObject({ status: 'COMPLETED', scheduleId: 'soak' });
    expect(ended.shards.every((s: any) => s.restarts.length === 0 && s.generation === 0)).toBe(true);
    const report = join(data, 'campaigns', campaignId, 'report.json'); // renamed into place after the report's other files
    await waitFor('the report', () => (existsSync(report) ? true : undefined), 5_000);
    expect(JSON.parse(readFileSync(report, 'utf8')).campaign.status).toBe('COMPLETED');
    expect(readFileSync(join(data, 'campaigns', campaignId, 'events.jsonl'), 'utf8')).toContain('control-plane.resumed');
    // Its tasks' logs and health files in its own folder: another campaign's shard-000 has its own.
    expect(readFileSync(join(data, 'campaigns', campaignId, 'tasks', 'shard-000.g0.log'), 'utf8')).toMatch(/shard started/);
    expect(existsSync(join(data, 'campaigns', campaignId, 'tasks', 'shard-000.health.json'))).toBe(true);
    expect(existsSync(join(data, 'tasks'))).toBe(false);

    const resumed = await api(second.url, 'POST', '/schedules/soak/resume');
    expect(resumed.body.schedule.paused).toBe(false);
    expect(resumed.body.next[0]).toMatch(/T00:00:00\.000Z$/);
    second.cli.child.kill('SIGTERM');
    expect((await second.cli.exited).code).toBe(0);
  }, 60_000);
});
