/**
 * The report page and the live dashboard in a real browser (Debian's Chromium, driven by
 * playwright-core): charts drawn with data points, nothing fetched from elsewhere, no console
 * error and no page error. The `browser` project's global setup (chromium-setup.ts) installs
 * Chromium when it is missing, or stops the run naming the command to install it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../core/report/build-report.js';
import { renderHtml } from '../../core/report/render-html.js';
import { LIVE_REFRESH_SEC, renderLivePage } from '../../core/report/render-live-page.js';
import { campaignRun, SEC, T0 } from '../unit/report/report-fixtures.js';
import { launchChromium, watchedPage } from './chromium-page.js';
import { ZERO_MICROS } from '../../core/model/units.js';

const CHARTS = ['chart-throughput', 'chart-trades', 'chart-latency', 'chart-restarts', 'chart-rss'];

/** A realistic hour: four shards, a crash with stderr, a stall, an OOM, heartbeats every 5 s. */
function realisticRun() {
  const run = campaignRun({
    name: 'soak-top8 <script>window.__injected = 1</script>',
    durationSec: 3600,
    shards: 4,
    heartbeatEverySec: 5,
    tradeEverySec: 45,
    restarts: [
      { shard: 0, cause: 'CRASHED', atSec: 700, downSec: 35, stderrTail: 'TypeError: <img src=x onerror="window.__injected=2">' },
      { shard: 2, cause: 'STALLED', atSec: 1900, downSec: 70 },
      { shard: 3, cause: 'OOM', atSec: 2800, downSec: 40 },
    ],
  });
  run.shards[1]!.symbols = ['SYM2', '<b onmouseover=alert(1)>SYM3</b>'];
  return run;
}

let launched: Promise<Browser> | undefined;
let dir: string;

/** The browser shared by the tests, launched by the first; each test fails on its own when it is missing. */
function sharedBrowser(): Promise<Browser> {
  launched ??= launchChromium();
  return launched;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arbfleet-report-page-'));
});

afterAll(async () => {
  await launched?.then((b) => b.close()).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('report.html in Chromium', () => {
  it('draws every chart with data points, fetches nothing, runs no injected markup and logs no error', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(buildReport(realisticRun())));
    const { page, errors, requests } = await watchedPage(await sharedBrowser());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    for (const id of CHARTS) {
      expect(await page.locator(`#${id} svg`).count(), `${id} has an svg`).toBe(1);
      const points = await page.locator(`#${id} .series`).evaluateAll((series) => series.reduce((n, el) => n + Number(el.getAttribute('data-points') ?? 0), 0));
      expect(points, `${id} data points`).toBeGreaterThan(0);
    }
    expect(await page.locator('#chart-restarts .point').count()).toBe(3);
    expect(await page.locator('#chart-latency rect.bar').count()).toBeGreaterThan(0);
    const box = await page.locator('#chart-throughput svg').boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);

    expect(await page.locator('#acceptance tbody tr').count()).toBe(8);
    expect(await page.locator('#shards tbody tr').count()).toBe(4);
    expect(await page.locator('h1').textContent()).toBe('soak-top8 <script>window.__injected = 1</script>');
    await page.locator('#shards').hover();
    expect(await page.evaluate(() => (globalThis as { __injected?: number }).__injected)).toBeUndefined();

    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('report.html trades in Chromium', () => {
  it('shows P&L per symbol, the trade table, refusals in words, and one premium chart per symbol with thresholds and visible entry marks', async () => {
    const run = realisticRun();
    // Each heartbeat carries its shard's symbols' premium (a slow swing of ±30 bps) around a 0 baseline.
    for (const shard of run.shards) {
      for (const [i, h] of (run.heartbeats[shard.shardId] ?? []).entries()) {
        h.progress.symbols = shard.symbols.map((symbol) => ({
          symbol,
          ticks: i,
          trades: 0,
          openTrades: 0,
          realizedPnlMicros: ZERO_MICROS,
          latencyP99Us: 0,
          premiumBps: 30 * Math.sin(i / 20),
          baselineBps: 0,
        }));
        h.progress.refusals = { 'symbol-open-trades': i };
      }
    }
    const report = buildReport(run);
    const file = join(dir, 'report-trades.html');
    writeFileSync(file, renderHtml(report));
    const { page, errors, requests } = await watchedPage(await sharedBrowser());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const series = report.trading?.premium ?? [];
    expect(series.length).toBeGreaterThan(1);
    expect(await page.locator('#premium-chart figure.premium-symbol').count()).toBe(series.length);
    expect(await page.locator('#premium-chart path.threshold').count()).toBe(2 * series.length);
    const entries = page.locator('#premium-chart circle.entry');
    // Every trade on a charted symbol has its entry mark (shard 1's trades are on the symbols it had before this test renamed them).
    const charted = new Set(series.map((p) => `${p.shardId} ${p.symbol}`));
    const onCharts = (report.trading?.trades ?? []).filter((t) => charted.has(`${t.shardId} ${t.symbol}`));
    expect(onCharts.length).toBeGreaterThan(0);
    expect(await entries.count()).toBe(onCharts.length);
    const mark = await entries.first().boundingBox();
    expect(mark?.width ?? 0).toBeGreaterThan(0);
    expect(await page.locator('#symbol-pnl tbody tr').count()).toBe(report.trading?.bySymbol?.length);
    expect(await page.locator('#trades-all tbody tr, #trades-best tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#refusals tbody tr td').nth(2).textContent()).toContain('risk.maxOpenTradesPerSymbol');
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('report.html header in Chromium', () => {
  it('shows the outcome of every acceptance and trading row, a failed trading row by name, in the fail colour', async () => {
    const file = join(dir, 'report-failing.html');
    // Every fleet row passes; quotes 30 s old fail the trading row 'Quote coverage'.
    writeFileSync(file, renderHtml(buildReport(campaignRun({ quoteAgeSec: 30 }))));
    const { page, errors } = await watchedPage(await sharedBrowser());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(await page.locator('#outcome b').textContent()).toBe('10/11 pass');
    const failed = page.locator('#outcome-failed');
    expect(await failed.isVisible()).toBe(true);
    expect(await failed.textContent()).toBe('failed: Quote coverage');
    const colour = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(await colour('#outcome-failed')).toBe(await colour('#trading-acceptance td.fail'));
    expect(await colour('#outcome b')).toBe(await colour('#trading-acceptance td.fail'));
    const [header, table] = await Promise.all([failed.boundingBox(), page.locator('#acceptance').boundingBox()]);
    expect(header!.y).toBeLessThan(table!.y);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the live page in Chromium', () => {
  let server: Server;
  let served = 0;

  beforeAll(async () => {
    const run = realisticRun();
    run.campaign.status = 'RUNNING';
    delete run.campaign.endedAt;
    for (const s of run.shards) s.status = 'RUNNING';
    const id = run.campaign.campaignId;
    server = createServer((request, response) => {
      if (request.url === `/campaigns/${id}/live`) {
        served++;
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(renderLivePage({ campaign: run.campaign, shards: run.shards, now: T0 + 3600 * SEC + served * SEC }));
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('shows a row per shard, refreshes itself, and logs no error', async () => {
    const { port } = server.address() as AddressInfo;
    const { page, errors, requests } = await watchedPage(await sharedBrowser());
    const url = `http://127.0.0.1:${port}/campaigns/c-report/live`;
    await page.goto(url, { waitUntil: 'load' });

    expect(await page.locator('#live-shards td[data-shard]').count()).toBe(4);
    expect(await page.locator('#campaign-status').textContent()).toBe('RUNNING');
    const first = await page.locator('p.muted').textContent();
    await page.waitForEvent('load', { timeout: (LIVE_REFRESH_SEC + 5) * 1000 });
    expect(served).toBeGreaterThanOrEqual(2);
    expect(await page.locator('p.muted').textContent()).not.toBe(first);

    expect(requests.filter((r) => r !== url)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
