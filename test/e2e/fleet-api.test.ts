import { describe, expect, it } from 'vitest';
import { readReport, runFolder, startCli, E2E_CONFIG } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
async function json(res: Response | Promise<Response>): Promise<Json> {
  return (await res).json();
}

describe('arbfleet run --api-port', () => {
  it('serves the HTTP API and the live console over HTTP, and a stop through the API cancels the campaign', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s', '--api-port', '0']);
    const base = await waitFor('the API address on stderr', () => /live console (http:\/\/127\.0\.0\.1:\d+)\//.exec(cli.stderr())?.[1], 20_000);

    const list = await json(fetch(`${base}/campaigns`));
    expect(list.campaigns).toHaveLength(1);
    const id = list.campaigns[0].campaignId as string;
    await waitFor(
      'both shards running',
      async () => {
        const view = await json(fetch(`${base}/campaigns/${id}`));
        return view.shards.every((s: { status: string }) => s.status === 'RUNNING') ? view : undefined;
      },
      20_000,
    );

    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('shard-000');
    expect(html).toContain('shard-001');

    const report = await fetch(`${base}/campaigns/${id}/report`);
    expect(report.status).toBe(200);
    expect((await json(report)).campaign.id).toBe(id);

    expect((await fetch(`${base}/campaigns/nope-404`)).status).toBe(404);
    const bad = await fetch(`${base}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', symbols: [] }),
    });
    // `arbfleet run` serves its one campaign: a create is refused saying where campaigns are created, and nothing is created.
    expect(bad.status).toBe(409);
    expect((await json(bad)).message).toMatch(
      new RegExp(`^arbfleet run serves its one campaign \\(${id}\\) and creates no other: create campaigns over the API with \`arbfleet serve\``),
    );
    expect((await json(fetch(`${base}/campaigns`))).campaigns).toHaveLength(1);

    const stop = await fetch(`${base}/campaigns/${id}/stop`, { method: 'POST', headers: { 'x-arbfleet-client': 'test' } });
    expect(stop.status).toBe(200);
    const again = await fetch(`${base}/campaigns/${id}/stop`, { method: 'POST', headers: { 'x-arbfleet-client': 'test' } });
    expect(again.status).toBe(409);

    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-2000)).toBe(0);
    const final = readReport(runDir);
    expect(final.campaign.status).toBe('CANCELLED');
    expect(final.campaign.endReason).toBe('stopped by user');
  });

  it('stops gracefully on Ctrl-C (SIGINT) and still writes the report', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s']);
    await waitFor('the campaign to start', () => (/shard launched.*shard-001/.test(cli.stderr()) ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 2_000));
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-2000)).toBe(0);
    const report = readReport(runDir);
    expect(report.campaign.status).toBe('CANCELLED');
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    expect(report.shards.every((s) => s.status === 'COMPLETED')).toBe(true);
  });
});
