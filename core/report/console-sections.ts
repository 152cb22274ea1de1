/**
 * What the live console (`console-page.ts`) shows, as HTML sections each with the id of the element
 * it fills: the page is built from them once, and the local API's event stream (`GET /events`,
 * `core/api/event-streams.ts`) sends again each section whose HTML changed. One renderer, on the
 * server: the page's script only puts a section where its id says.
 *
 * - the list of runs (`GET /`): one row per campaign, newest first, with its status, trades and
 *   realised P&L summed over its shards' latest heartbeats (the engines' word, labelled
 *   engine-reported: the campaign's report and blotter give the ledger's, which a heartbeat may
 *   trail by an interval or, from an engine that miscounts, contradict), started/ended and a link to its page; the schedules with their
 *   next runs in their own zone beside UTC and Pause / Resume / Trigger buttons;
 * - one campaign (`GET /?campaignId=`): its status and a Stop button, its shards (status,
 *   generation, heartbeat age), its restarts with their causes, and its trade blotter
 *   (`tradeRowsOf` over the ledgers: open trades, then the newest closed ones, at most
 *   {@link BLOTTER_ROWS}).
 *
 * Every text from data goes through `escapeHtml`; every id in a URL through `encodeURIComponent`.
 * A button carries the API path it posts to in `data-action` (the page's script sends it with the
 * `X-Arbfleet-Client` header the local request guard asks of state-changing requests).
 */
import type { Fill } from '../model/fill.js';
import type { CampaignRecord, CampaignStatus, ShardRecord } from '../model/records.js';
import type { ScheduleRecord } from '../model/schedule-record.js';
import { type Micros, sumMicros } from '../model/units.js';
import type { CampaignView, ShardKey } from '../ports.js';
import { cell, htmlTable } from './html-page.js';
import { escapeHtml } from './html-text.js';
import { filledText } from './render-trading.js';
import { reportConfigOf } from './report-config.js';
import { formatBytes, formatCount, formatInstant, formatLatencyUs, formatMoney, formatNumber, formatSeconds } from './report-format.js';
import { causeEvidence } from './restart-evidence.js';
import { tradeRowsOf } from './trade-blotter.js';
import type { TradeRow } from './trading-schema.js';
import { relative, utcMinute, zonedTime } from './zoned-time.js';

/** The blotter lists at most this many trades (open ones first); `arbfleet trades` and the report have them all. */
export const BLOTTER_ROWS = 100;

/** How many upcoming runs of each schedule are listed. */
export const NEXT_RUNS = 3;

const ENDED: readonly CampaignStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

/** One part of the page: the element `id` and its inner HTML. */
export interface ConsoleSection {
  id: string;
  html: string;
}

/** A page of the console: its title and its sections, in page order. */
export interface ConsoleView {
  title: string;
  /** The link back to the list of runs (absent where there is no list: `arbfleet run --api-port`). */
  backToRuns: boolean;
  sections: ConsoleSection[];
}

/** What the console reads: the fleet's campaigns, the ledgers, the schedules where they are served. */
export interface ConsoleSource {
  listCampaigns(): Promise<CampaignRecord[]>;
  getCampaign(campaignId: string): Promise<CampaignView>;
  readLedger(key: ShardKey): Promise<Fill[]>;
  /** The schedules and their next runs (`arbfleet serve`); absent: no schedules section. */
  schedules?: {
    listSchedules(): Promise<ScheduleRecord[]>;
    getSchedule(scheduleId: string, next?: number): Promise<{ next: string[] }>;
  };
  /** Serve this campaign only (`arbfleet run --api-port`): `GET /` is its page and there is no list of runs. */
  only?: string;
  now(): number;
}

/**
 * The console's pages. Keeps what cannot change any more: an ended campaign's run summary and
 * blotter are read once per record version, so a long list of past runs costs one read of the
 * campaign table per refresh.
 */
export class Console {
  private readonly endedRuns = new Map<string, { version: number; row: string[] }>();
  private readonly endedBlotters = new Map<string, { version: number; html: string }>();

  constructor(private readonly source: ConsoleSource) {}

  /** The list of runs, or the campaign `campaignId` (or the only one); `NotFoundError` from the fleet for an unknown id. */
  async view(campaignId: string | undefined): Promise<ConsoleView> {
    const id = campaignId ?? this.source.only;
    if (id !== undefined) return this.campaignView(id);
    const now = this.source.now();
    const sections = [{ id: 'console-runs', html: await this.runsHtml(now) }];
    if (this.source.schedules) sections.push({ id: 'console-schedules', html: await this.schedulesHtml(now) });
    return { title: 'arbfleet console', backToRuns: false, sections };
  }

  private async campaignView(campaignId: string): Promise<ConsoleView> {
    const view = await this.source.getCampaign(campaignId);
    const now = this.source.now();
    const { campaign } = view;
    const currency = reportConfigOf(campaign).currency;
    return {
      title: `${campaign.name}: console`,
      backToRuns: this.source.only === undefined,
      sections: [
        { id: 'console-campaign', html: campaignHeaderHtml(campaign, now) },
        { id: 'console-shards', html: shardsHtml(view, now) },
        { id: 'console-restarts', html: restartsHtml(view.shards) },
        { id: 'console-trades', html: await this.blotterHtml(view, currency) },
      ],
    };
  }

  private async runsHtml(now: number): Promise<string> {
    const campaigns = [...(await this.source.listCampaigns())].sort((a, b) => b.createdAt - a.createdAt || a.campaignId.localeCompare(b.campaignId));
    if (campaigns.length === 0)
      return '<h1>arbfleet console</h1><h2>Runs</h2><p class="muted">No campaigns yet: start one with POST /campaigns or a schedule.</p>';
    const rows: string[][] = [];
    for (const campaign of campaigns) {
      const kept = this.endedRuns.get(campaign.campaignId);
      if (kept !== undefined && kept.version === campaign.version) {
        rows.push(kept.row);
        continue;
      }
      const view = await this.source.getCampaign(campaign.campaignId);
      const row = runRow(view, now);
      if (ENDED.includes(view.campaign.status)) this.endedRuns.set(campaign.campaignId, { version: view.campaign.version, row });
      rows.push(row);
    }
    return `<h1>arbfleet console</h1><h2>Runs</h2>${htmlTable(['Campaign', 'Status', 'Started (UTC)', 'Ended (UTC)', 'Ran', 'Shards', 'Trades (engine-reported)', 'Realised P&L (engine-reported)', 'Restarts', 'Schedule'], rows)}`;
  }

  private async blotterHtml(view: CampaignView, currency: string): Promise<string> {
    const { campaign } = view;
    const kept = this.endedBlotters.get(campaign.campaignId);
    if (kept !== undefined && kept.version === campaign.version) return kept.html;
    const ledgers: Record<string, Fill[]> = {};
    for (const shard of view.shards) ledgers[shard.shardId] = await this.source.readLedger({ campaignId: campaign.campaignId, shardId: shard.shardId });
    const html = blotterHtml(campaign.campaignId, tradeRowsOf(ledgers), currency);
    if (ENDED.includes(campaign.status)) this.endedBlotters.set(campaign.campaignId, { version: campaign.version, html });
    return html;
  }

  private async schedulesHtml(now: number): Promise<string> {
    const source = this.source.schedules;
    if (!source) return '';
    const schedules = (await source.listSchedules()).filter((s) => s.deletedAt === undefined);
    if (schedules.length === 0) return '<h2>Schedules</h2><p class="muted">No schedules: create one with arbfleet schedule create FILE.</p>';
    const rows: string[][] = [];
    for (const s of schedules) {
      const next = s.paused || s.nextRunAt === null ? [] : (await source.getSchedule(s.scheduleId, NEXT_RUNS)).next.map((iso) => Date.parse(iso));
      rows.push(scheduleRow(s, next, now));
    }
    return `<h2>Schedules</h2>${htmlTable(['Schedule', 'Cron', 'State', `Next runs (its zone · UTC)`, 'Runs', 'Skipped', 'Missed', 'Last run', 'Actions'], rows)}`;
  }
}

/** The campaign's link on the list: its page on this console. */
function campaignLink(campaign: CampaignRecord): string {
  return `<a href="/?campaignId=${encodeURIComponent(campaign.campaignId)}">${escapeHtml(campaign.name)}</a> <span class="muted">${escapeHtml(campaign.campaignId)}</span>`;
}

function statusCell(status: string): string {
  return `<td class="status-${escapeHtml(status)}" data-status="${escapeHtml(status)}">${escapeHtml(status)}</td>`;
}

/** A signed amount, coloured: green above zero, red below. */
function moneyCell(amount: Micros, currency: string): string {
  const tone = amount > 0 ? ' pass' : amount < 0 ? ' fail' : '';
  return `<td class="num${tone}">${escapeHtml(formatMoney(amount, currency, { signed: true }))}</td>`;
}

function ranSec(campaign: CampaignRecord, now: number): number {
  return campaign.startedAt === undefined ? 0 : ((campaign.endedAt ?? now) - campaign.startedAt) / 1000;
}

function runRow(view: CampaignView, now: number): string[] {
  const { campaign, shards } = view;
  const progress = shards.flatMap((s) => (s.heartbeat ? [s.heartbeat.progress] : []));
  const currency = reportConfigOf(campaign).currency;
  return [
    `<td data-campaign="${escapeHtml(campaign.campaignId)}">${campaignLink(campaign)}</td>`,
    statusCell(campaign.status),
    cell(formatInstant(campaign.startedAt)),
    cell(formatInstant(campaign.endedAt)),
    cell(campaign.startedAt === undefined ? '—' : formatSeconds(ranSec(campaign, now)), true),
    cell(campaign.shardCount, true),
    cell(formatCount(progress.reduce((sum, p) => sum + p.trades, 0)), true),
    moneyCell(
      sumMicros(
        progress.map((p) => p.realizedPnlMicros),
        'progress.realizedPnlMicros',
      ),
      currency,
    ),
    cell(
      shards.reduce((sum, s) => sum + s.restarts.length, 0),
      true,
    ),
    cell(campaign.scheduleId ?? '—'),
  ];
}

/** The campaign's heading: status, times, the Stop button while it can be stopped, the report's link. */
function campaignHeaderHtml(campaign: CampaignRecord, now: number): string {
  const ended = ENDED.includes(campaign.status);
  const stoppable = !ended && campaign.status !== 'STOPPING';
  const id = encodeURIComponent(campaign.campaignId);
  const remaining =
    campaign.endsAt === undefined || ended ? '' : campaign.endsAt > now ? `, ${formatSeconds((campaign.endsAt - now) / 1000)} to go` : ', ending';
  const stop = stoppable
    ? ` <button type="button" id="stop-campaign" data-action="/campaigns/${id}/stop" data-confirm="Stop campaign ${escapeHtml(campaign.name)}? Its engines commit and stop; it ends CANCELLED." data-done="Stop asked: the campaign ends CANCELLED once its engines have committed.">Stop</button>`
    : '';
  return (
    `<h1>${escapeHtml(campaign.name)}</h1>` +
    `<p><span class="status-${escapeHtml(campaign.status)}" id="campaign-status">${escapeHtml(campaign.status)}</span>` +
    `${campaign.endReason ? ` (${escapeHtml(campaign.endReason)})` : ''} · ${escapeHtml(campaign.campaignId)} · started ${escapeHtml(formatInstant(campaign.startedAt))}` +
    `${campaign.endedAt === undefined ? '' : ` · ended ${escapeHtml(formatInstant(campaign.endedAt))}`} · ran ${escapeHtml(formatSeconds(ranSec(campaign, now)))}${escapeHtml(remaining)}${stop}</p>` +
    (campaign.scheduleId === undefined
      ? ''
      : `<p>Run of schedule <b>${escapeHtml(campaign.scheduleId)}</b>, occurrence ${escapeHtml(formatInstant(campaign.occurrence))}</p>`) +
    `<p><a href="/campaigns/${id}/report">report (JSON)</a> · <a href="/campaigns/${id}">record (JSON)</a></p>`
  );
}

/** One row per shard; the heartbeat age is to `now` while the campaign runs, to its end once it ended (so an ended page is still). */
function shardsHtml(view: CampaignView, now: number): string {
  const { campaign } = view;
  const config = reportConfigOf(campaign);
  const ended = ENDED.includes(campaign.status);
  const at = ended ? (campaign.endedAt ?? now) : now;
  const shards = [...view.shards].sort((a, b) => a.index - b.index || a.shardId.localeCompare(b.shardId));
  const rows = shards.map((s) => shardRow(s, at, config.currency, ended ? undefined : config.staleAfterSec));
  return `<h2>Shards</h2>${htmlTable(['Shard', 'Status', 'Generation', 'Symbols', 'Heartbeat age', 'Ticks/s (engine-reported)', 'Trades (engine-reported)', 'Realised P&L (engine-reported)', 'Latency p99 (engine-reported)', 'Restarts', 'RSS'], rows)}`;
}

function shardRow(shard: ShardRecord, at: number, currency: string, staleAfterSec: number | undefined): string[] {
  const p = shard.heartbeat?.progress;
  const ageSec = shard.heartbeat ? Math.max(0, (at - shard.heartbeat.receivedAt) / 1000) : undefined;
  const stale = staleAfterSec !== undefined && shard.status === 'RUNNING' && (ageSec === undefined || ageSec > staleAfterSec);
  return [
    `<td data-shard="${escapeHtml(shard.shardId)}">${escapeHtml(shard.shardId)}</td>`,
    statusCell(shard.status),
    cell(shard.generation, true),
    cell(shard.symbols.join(', ')),
    `<td class="num${stale ? ' fail' : ''}">${escapeHtml(ageSec === undefined ? 'never' : `${formatNumber(ageSec, 0)} s`)}</td>`,
    cell(p ? formatNumber(p.ticksPerSec, 1) : '—', true),
    cell(p ? formatCount(p.trades) : '—', true),
    p ? moneyCell(p.realizedPnlMicros, currency) : cell('—', true),
    cell(p ? formatLatencyUs(p.latencyP99Us) : '—', true),
    cell(shard.restarts.length, true),
    cell(p ? formatBytes(p.rssBytes) : '—', true),
  ];
}

/** Every restart of every shard, oldest first, with its cause and the evidence behind it. */
function restartsHtml(shards: readonly ShardRecord[]): string {
  const restarts = shards.flatMap((s) => s.restarts.map((r) => ({ shardId: s.shardId, r }))).sort((x, y) => x.r.detectedAt - y.r.detectedAt);
  if (restarts.length === 0) return '<h2>Restarts</h2><p class="muted">No restarts.</p>';
  const rows = restarts.map(({ shardId, r }) => [
    cell(shardId),
    cell(`${r.fromGeneration} → ${r.fromGeneration + 1}`),
    `<td class="fail">${escapeHtml(r.cause)}</td>`,
    cell(formatInstant(r.detectedAt)),
    cell(`${formatNumber(r.detectionDelaySec, 1)} s`, true),
    cell(r.downtimeSec === undefined ? 'not yet back' : `${formatNumber(r.downtimeSec, 1)} s`, true),
    `<td>${escapeHtml(causeEvidence(r.detail))}${r.detail.stderrTail ? `<pre>${escapeHtml(lastLines(r.detail.stderrTail, 3))}</pre>` : ''}</td>`,
  ]);
  return `<h2>Restarts</h2>${htmlTable(['Shard', 'Generation', 'Cause', 'Detected (UTC)', 'Detection delay', 'Downtime', 'Evidence'], rows)}`;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** A price to 8 significant digits, as `arbfleet trades` prints it. */
function price(value: number | null): string {
  return value === null ? '—' : String(Number(value.toPrecision(8)));
}

/** The blotter: open trades, then closed ones newest first, at most {@link BLOTTER_ROWS}; the closed trades' P&L summed exactly. */
function blotterHtml(campaignId: string, trades: readonly TradeRow[], currency: string): string {
  if (trades.length === 0) return '<h2>Trades</h2><p class="muted">No trades yet.</p>';
  const open = trades.filter((t) => t.closedAt === null);
  const closed = trades.filter((t) => t.closedAt !== null).reverse();
  const shown = [...open, ...closed].slice(0, BLOTTER_ROWS);
  const pnlMicros = sumMicros(
    closed.map((t) => t.pnlMicros ?? 0),
    'trades[].pnlMicros',
  );
  const rows = shown.map((t) => [
    cell(formatInstant(t.openedAt)),
    cell(t.closedAt === null ? 'open' : formatInstant(t.closedAt)),
    cell(t.shardId),
    cell(t.symbol),
    cell(t.tradeId, true),
    cell(t.direction),
    cell(price(t.entryA), true),
    cell(price(t.entryB), true),
    cell(price(t.exitA), true),
    cell(price(t.exitB), true),
    cell(filledText(t), true),
    cell(t.quoteAgeASec === null ? '—' : formatNumber(t.quoteAgeASec, 3), true),
    cell(t.quoteAgeBSec === null ? '—' : formatNumber(t.quoteAgeBSec, 3), true),
    cell(t.exitReason ?? 'open'),
    t.pnlMicros === null ? cell('—', true) : moneyCell(t.pnlMicros, currency),
  ]);
  const more = trades.length > shown.length ? ` · the ${formatCount(shown.length)} shown; all with arbfleet trades or the report` : '';
  return (
    `<h2>Trades</h2><p id="trades-summary">${formatCount(trades.length)} trade(s): ${formatCount(open.length)} open, ${formatCount(closed.length)} closed, ` +
    `closed P&L ${escapeHtml(formatMoney(pnlMicros, currency))}${escapeHtml(more)} <span class="muted">(${escapeHtml(campaignId)}'s ledger)</span></p>` +
    htmlTable(
      [
        'Opened (UTC)',
        'Closed (UTC)',
        'Shard',
        'Symbol',
        'Trade',
        'Direction',
        'Entry A',
        'Entry B',
        'Exit A',
        'Exit B',
        'Filled A / B',
        'Quote age A s',
        'Quote age B s',
        'Exit reason',
        'P&L',
      ],
      rows,
    )
  );
}

/** A schedule's row: its next runs in its zone beside UTC (none while paused) and the buttons its state allows. */
function scheduleRow(s: ScheduleRecord, next: readonly number[], now: number): string[] {
  const zone = s.spec.timezone;
  const id = encodeURIComponent(s.scheduleId);
  const state = s.paused ? `paused${s.note ? `: ${s.note}` : ''}` : s.nextRunAt === null ? 'ended' : 'active';
  const nextHtml =
    next.length === 0
      ? `<span class="muted">${s.paused ? 'none while paused' : 'none'}</span>`
      : next
          .map((ms) => `${escapeHtml(zonedTime(ms, zone))} · ${escapeHtml(utcMinute(ms))} <span class="muted">(${escapeHtml(relative(ms, now))})</span>`)
          .join('<br>');
  const button = (action: string, label: string, done: string) =>
    `<button type="button" data-action="/schedules/${id}/${action}" data-done="${escapeHtml(done)}">${label}</button>`;
  const actions = [
    s.paused
      ? button('resume', 'Resume', `Schedule ${s.scheduleId} resumed.`)
      : button('pause', 'Pause', `Schedule ${s.scheduleId} paused: no run starts until it is resumed.`),
    button('trigger', 'Trigger', `Schedule ${s.scheduleId} triggered: a run starts now (under its overlap policy).`),
  ].join(' ');
  return [
    `<td data-schedule="${escapeHtml(s.scheduleId)}">${escapeHtml(s.scheduleId)}</td>`,
    cell(`${s.spec.cron} (${zone})`),
    `<td class="${s.paused ? 'status-STOPPING' : 'status-RUNNING'}" data-state="${s.paused ? 'paused' : 'active'}">${escapeHtml(state)}</td>`,
    `<td>${nextHtml}</td>`,
    cell(s.runs, true),
    cell(s.skipped, true),
    `<td class="num${s.missed > 0 ? ' fail' : ''}">${escapeHtml(String(s.missed))}</td>`,
    cell(s.lastCampaignId ?? '—'),
    `<td>${actions}</td>`,
  ];
}
