/**
 * The live dashboard as a web page: one row per shard from its latest heartbeat (the engine's
 * word: its columns are labelled engine-reported; the report gives the ledger's counts), reloading
 * itself every `LIVE_REFRESH_SEC` seconds (a meta refresh: no script, so nothing to fail in the
 * console) until the campaign has ended. The `api` Lambda's `GET /` (API Gateway cannot stream
 * server-sent events); the local API (`arbfleet serve`, `run --api-port`) serves the live
 * console instead (`console-page.ts`, `console-sections.ts`).
 */
import type { CampaignRecord, CampaignStatus, ShardRecord } from '../model/records.js';
import type { ScheduleRecord } from '../model/schedule-record.js';
import { sumMicros } from '../model/units.js';
import { cell, htmlDocument, htmlTable } from './html-page.js';
import { escapeHtml } from './html-text.js';
import { reportConfigOf } from './report-config.js';
import { formatBytes, formatCount, formatInstant, formatLatencyUs, formatMoney, formatNumber, formatSeconds } from './report-format.js';

/** How often the live page reloads itself, in seconds. */
export const LIVE_REFRESH_SEC = 2;

const ENDED: readonly CampaignStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

/** What the live page shows: a campaign and its shards as the control plane sees them, at `now`. */
export interface LiveView {
  campaign: CampaignRecord;
  shards: ShardRecord[];
  now: number;
  /** The control plane's schedules, listed under the shards with their next runs (`arbfleet serve`). */
  schedules?: ScheduleRecord[];
}

/** Renders the live dashboard of `view.campaign` as a complete HTML document. */
export function renderLivePage(view: LiveView): string {
  const { campaign, now } = view;
  const ended = ENDED.includes(campaign.status);
  const shards = [...view.shards].sort((a, b) => a.index - b.index || a.shardId.localeCompare(b.shardId));
  const elapsedSec = campaign.startedAt === undefined ? 0 : ((campaign.endedAt ?? now) - campaign.startedAt) / 1000;
  const remaining =
    campaign.endsAt === undefined || ended ? '' : campaign.endsAt > now ? `, ${formatSeconds((campaign.endsAt - now) / 1000)} to go` : ', ending';
  const config = reportConfigOf(campaign);
  const live = shards.flatMap((s) => (s.heartbeat ? [s.heartbeat.progress] : []));
  const totals = [
    `<td><b>total</b></td>`,
    cell(''),
    cell(''),
    cell(`${campaign.symbols.length} symbols`),
    cell(
      formatNumber(
        live.reduce((sum, p) => sum + p.ticksPerSec, 0),
        1,
      ),
      true,
    ),
    cell(formatCount(live.reduce((sum, p) => sum + p.trades, 0)), true),
    cell(
      formatMoney(
        sumMicros(
          live.map((p) => p.realizedPnlMicros),
          'progress.realizedPnlMicros',
        ),
        config.currency,
      ),
      true,
    ),
    cell(live.length > 0 ? formatLatencyUs(Math.max(...live.map((p) => p.latencyP99Us))) : '—', true),
    cell(''),
    cell(
      shards.reduce((sum, s) => sum + s.restarts.length, 0),
      true,
    ),
    cell(''),
  ];
  const body = [
    `<h1>${escapeHtml(campaign.name)}</h1>`,
    `<p><span class="status-${escapeHtml(campaign.status)}" id="campaign-status">${escapeHtml(campaign.status)}</span>` +
      `${campaign.endReason ? ` (${escapeHtml(campaign.endReason)})` : ''} · started ${escapeHtml(formatInstant(campaign.startedAt))} · ` +
      `running ${escapeHtml(formatSeconds(elapsedSec))}${escapeHtml(remaining)}</p>`,
    `<div id="live-shards">${htmlTable(
      [
        'Shard',
        'Status',
        'Gen',
        'Symbols',
        'Ticks/s (engine-reported)',
        'Trades (engine-reported)',
        'Realised P&L (engine-reported)',
        'Latency p99 (engine-reported)',
        'Heartbeat age',
        'Restarts',
        'RSS',
      ],
      [...shards.map((s) => shardRow(s, now, config.currency, ended ? undefined : config.staleAfterSec)), totals],
    )}</div>`,
    ...(campaign.scheduleId !== undefined
      ? [
          `<p id="campaign-schedule">Run of schedule <b>${escapeHtml(campaign.scheduleId)}</b>, occurrence ${escapeHtml(formatInstant(campaign.occurrence))}</p>`,
        ]
      : []),
    ...(view.schedules !== undefined ? [renderSchedulesSection(view.schedules)] : []),
    `<p class="muted">As of ${escapeHtml(formatInstant(now))}. ${ended ? 'The campaign has ended: this page no longer refreshes.' : `Refreshes every ${LIVE_REFRESH_SEC} s.`}</p>`,
  ].join('\n');
  return htmlDocument(`${campaign.name}: live`, body, ended ? undefined : LIVE_REFRESH_SEC);
}

/** One shard's row; its heartbeat age is marked when older than `staleAfterSec` (while the campaign runs). */
function shardRow(shard: ShardRecord, now: number, currency: string, staleAfterSec: number | undefined): string[] {
  const p = shard.heartbeat?.progress;
  const ageSec = shard.heartbeat ? Math.max(0, (now - shard.heartbeat.receivedAt) / 1000) : undefined;
  const stale = staleAfterSec !== undefined && shard.status === 'RUNNING' && (ageSec === undefined || ageSec > staleAfterSec);
  return [
    `<td data-shard="${escapeHtml(shard.shardId)}">${escapeHtml(shard.shardId)}</td>`,
    `<td class="status-${escapeHtml(shard.status)}">${escapeHtml(shard.status)}</td>`,
    cell(shard.generation, true),
    cell(shard.symbols.join(', ')),
    cell(p ? formatNumber(p.ticksPerSec, 1) : '—', true),
    cell(p ? formatCount(p.trades) : '—', true),
    cell(p ? formatMoney(p.realizedPnlMicros, currency) : '—', true),
    cell(p ? formatLatencyUs(p.latencyP99Us) : '—', true),
    `<td class="num${stale ? ' fail' : ''}">${escapeHtml(ageSec === undefined ? 'never' : `${formatNumber(ageSec, 1)} s`)}</td>`,
    cell(shard.restarts.length, true),
    cell(p ? formatBytes(p.rssBytes) : '—', true),
  ];
}

/**
 * The schedules section: one row per schedule with its calendar, state, next run and counts
 * (runs started, occurrences skipped by the overlap policy, occurrences missed while down).
 */
export function renderSchedulesSection(schedules: readonly ScheduleRecord[]): string {
  if (schedules.length === 0) return '<h2>Schedules</h2><p id="live-schedules" class="muted">No schedules.</p>';
  const rows = schedules.map((s) => [
    `<td data-schedule="${escapeHtml(s.scheduleId)}">${escapeHtml(s.scheduleId)}</td>`,
    cell(`${s.spec.cron} (${s.spec.timezone})`),
    cell(s.spec.overlap),
    `<td class="${s.paused ? 'status-STOPPING' : 'status-RUNNING'}">${escapeHtml(s.paused ? `paused${s.note ? `: ${s.note}` : ''}` : 'active')}</td>`,
    cell(s.nextRunAt === null ? 'none' : formatInstant(s.nextRunAt)),
    cell(s.runs, true),
    cell(s.skipped, true),
    `<td class="num${s.missed > 0 ? ' fail' : ''}">${escapeHtml(String(s.missed))}</td>`,
    cell(s.lastCampaignId ?? '—'),
  ]);
  return `<h2>Schedules</h2><div id="live-schedules">${htmlTable(['Schedule', 'Cron', 'Overlap', 'State', 'Next run', 'Runs', 'Skipped', 'Missed', 'Last run'], rows)}</div>`;
}
