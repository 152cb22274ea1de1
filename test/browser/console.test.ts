/**
 * The live console of a real `arbfleet serve` in headless Chromium (issue 21): the list of runs
 * with a running campaign and a schedule (next runs in Asia/Seoul beside UTC); a page of another
 * site that posts a stop as a form and as a `no-cors` fetch changes nothing; Pause on the
 * schedule leaves it paused in the store and the page says so without a reload; the run's link
 * opens its page (shards, trades), whose updates arrive pushed (server-sent events) while the
 * page is never reloaded; Stop ends the campaign CANCELLED in the store and the page shows it.
 * Screenshots go to the test's temp folder (kept, paths printed), never to the repository.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { ScheduleStore } from '../../core/ports.js';
import { withSchedules } from '../support/sqlite-stores.js';
import { runFolder, startCli, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { rawRequest } from '../support/raw-http.js';
import { launchChromium, watchedPage } from './chromium-page.js';

const VENUES = { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } };

/** A campaign that trades within seconds (a wide dislocation) and runs long enough to be stopped by hand. */
const CAMPAIGN = {
  name: 'console-soak',
  symbols: ['BTC', 'ETH'],
  venues: VENUES,
  fx: { pair: 'USDT/KRW', rate: 1380 },
  feed: { kind: 'synthetic', seed: 2121, ticksPerSecond: 50 },
  duration: '10m',
};

const SCHEDULE = {
  name: 'nightly',
  cron: '0 2 * * *',
  timezone: 'Asia/Seoul',
  overlap: 'allow',
  campaign: { ...CAMPAIGN, name: 'nightly-run', duration: '3s' },
};

const started: CliProcess[] = [];
let browser: Browser | undefined;
let store: (SqliteCampaignStore & ScheduleStore) | undefined;
let foreign: Server | undefined;
afterEach(async () => {
  await browser?.close().catch(() => undefined);
  browser = undefined;
  store?.close();
  store = undefined;
  await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
  foreign = undefined;
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
});

/** Takes a full-page screenshot into `dir` and prints its path. */
async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stderr.write(`console screenshot: ${path}\n`);
}

/** A page of another site (another port is another origin) that tries to stop the campaign the ways a page can without CORS. */
async function hostilePage(apiPort: number, campaignId: string): Promise<string> {
  const target = `http://127.0.0.1:${apiPort}/campaigns/${campaignId}/stop`;
  const html =
    `<!doctype html><title>evil</title><form id="f" method="POST" action="${target}" enctype="text/plain"><input name="x" value="1"></form>` +
    `<script>fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: 'x' }).finally(() => { document.title = 'sent'; document.getElementById('f').submit(); });</script>`;
  foreign = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => foreign?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
}

describe('the live console of arbfleet serve in Chromium', () => {
  it('lists runs, pauses a schedule, opens a run, takes pushed updates and stops it with its button', async () => {
    const dir = runFolder();
    const screens = join(dir, 'screenshots');
    mkdirSync(screens);
    const data = join(dir, 'data');
    const serve = startCli(['serve', '--api-port', '0', '--data', data, '--json']);
    started.push(serve);
    const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stderr())?.[1], 60_000);
    const port = Number(new URL(url).port);
    const host = `127.0.0.1:${port}`;
    const json = { host, 'content-type': 'application/json' };
    const created = await rawRequest(port, 'POST', '/campaigns', json, JSON.stringify(CAMPAIGN));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.campaign.campaignId as string;
    const schedule = await rawRequest(port, 'POST', '/schedules', json, JSON.stringify(SCHEDULE));
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    store = withSchedules(new SqliteCampaignStore(join(data, 'fleet.db'), systemClock, { mustExist: true }), systemClock);
    await waitFor(
      'the campaign RUNNING with a heartbeating shard',
      async () => {
        const shard = await store!.getShard({ campaignId, shardId: 'shard-000' });
        return (await store!.getCampaign(campaignId))?.status === 'RUNNING' && shard?.heartbeat !== undefined ? true : undefined;
      },
      60_000,
    );

    browser = await launchChromium();
    const { page, errors, requests } = await watchedPage(browser);
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.locator('#console-stream.pass').waitFor({ timeout: 30_000 });

    // The list: the run with its status and link, the schedule with its next runs in KST beside UTC.
    const run = page.locator(`#console-runs td[data-campaign="${campaignId}"]`);
    expect(await run.locator('a').getAttribute('href')).toBe(`/?campaignId=${campaignId}`);
    expect(await page.locator(`#console-runs tr:has(td[data-campaign="${campaignId}"]) td[data-status]`).textContent()).toBe('RUNNING');
    const row = page.locator('#console-schedules tr:has(td[data-schedule="nightly"])');
    const next = (await row.locator('td').nth(3).textContent()) ?? '';
    expect(next).toMatch(/\d{4}-\d\d-\d\d 02:00 (KST|GMT\+9) · \d{4}-\d\d-\d\dT17:00Z/);
    await screenshot(page, screens, '1-runs');

    // Another site's page posts the stop as a form and as a no-cors fetch: refused, nothing changes.
    const versionBefore = (await store.getCampaign(campaignId))?.version;
    const evil = await browser.newPage();
    const target = `${url}/campaigns/${campaignId}/stop`;
    const answers: number[] = [];
    evil.on('response', (response) => {
      if (response.url() === target) answers.push(response.status());
    });
    await evil.goto(await hostilePage(port, campaignId), { waitUntil: 'load' });
    // The no-cors fetch, then the form (which navigates the hostile page to the answer).
    await waitFor('both hostile posts answered', () => (answers.length >= 2 ? true : undefined), 30_000);
    expect(answers).toEqual([403, 403]);
    await evil.close();
    const afterHostile = await store.getCampaign(campaignId);
    expect(afterHostile?.status).toBe('RUNNING');
    expect(afterHostile?.version).toBe(versionBefore);

    // Pause: paused in the store, and the page shows it without being reloaded.
    await row.locator('button[data-action="/schedules/nightly/pause"]').click();
    await waitFor('the schedule paused in the store', async () => ((await store!.getSchedule('nightly'))?.paused ? true : undefined), 30_000);
    await page.locator('#console-schedules td[data-state="paused"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#console-message').textContent()).toContain('Schedule nightly paused');
    expect(await row.locator('td').nth(3).textContent()).toBe('none while paused');
    expect(await row.locator('button[data-action="/schedules/nightly/resume"]').count()).toBe(1);
    await screenshot(page, screens, '2-schedule-paused');

    // Open the run: its shards and trades; updates keep arriving on the open page.
    await run.locator('a').click();
    await page.waitForURL(`${url}/?campaignId=${campaignId}`);
    await page.locator('#console-stream.pass').waitFor({ timeout: 30_000 });
    const openedAt = navigations;
    expect(await page.locator('#console-shards td[data-shard]').count()).toBe(1);
    await page.locator('#console-trades #trades-summary').waitFor({ timeout: 60_000 });
    const ran = await page.locator('#campaign-status').evaluate((el) => el.parentElement?.textContent ?? '');
    // Pushed: the page's section count grows and its heading's running time moves on, with no request of ours.
    await page.waitForFunction(
      (before) => {
        const doc = (
          globalThis as unknown as {
            document: { body: { dataset: Record<string, string> }; getElementById(id: string): { parentElement: { textContent: string } | null } | null };
          }
        ).document;
        return Number(doc.body.dataset.updates ?? 0) >= 2 && doc.getElementById('campaign-status')?.parentElement?.textContent !== before;
      },
      ran,
      { timeout: 30_000 },
    );
    await screenshot(page, screens, '3-run');

    // Stop: confirmed, CANCELLED in the store, and the page shows CANCELLED pushed, never reloaded.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#stop-campaign').click();
    await waitFor(
      'the campaign CANCELLED in the store',
      async () => ((await store!.getCampaign(campaignId))?.status === 'CANCELLED' ? true : undefined),
      60_000,
    );
    await page.locator('#campaign-status', { hasText: 'CANCELLED' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#stop-campaign').count()).toBe(0);
    await screenshot(page, screens, '4-run-cancelled');
    expect(navigations).toBe(openedAt);

    expect(requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
    // Following the link aborted the list page's event stream: that one, and no other failure.
    expect(errors).toEqual([`request failed: ${url}/events`]);
    await page.close();
  });
});
