import type { CampaignView } from '../core/ports.js';
import type { ShardRecord } from '../core/model/records.js';
import { currencyDecimals, formatMoney, type Micros, sumMicros, ZERO_MICROS } from '../core/model/units.js';

const COLUMNS = ['shard', 'status', 'gen', 'symbols', 'ticks/s', 'trades', 'P&L', 'p99 µs', 'hb age', 'restarts', 'RSS MiB', 'feed', 'last restart'] as const;

/**
 * The feed as the last heartbeat saw it: `done` (the replay ran out), `quiet:12s` (nothing
 * delivered since, in recorded seconds: a quiet market, not a stall), `flowing`, `-` before a
 * heartbeat that says.
 */
export function feedCell(p: { feedDone?: boolean; feedIdleSince?: number; eventTime?: number } | undefined): string {
  if (!p) return '-';
  if (p.feedDone) return 'done';
  if (p.feedIdleSince !== undefined && p.eventTime !== undefined) return `quiet:${Math.max(0, (p.eventTime - p.feedIdleSince) / 1000).toFixed(0)}s`;
  return p.eventTime !== undefined ? 'flowing' : '-';
}

/**
 * The shard's last restart: its cause and what named it, `PREEMPTED:SIGTERM` (a signal from
 * outside), `PREEMPTED:TerminationNotice` (an ECS stop code), `CRASHED:exit-1`, `LOST`; `-` before
 * any restart.
 */
export function lastRestartCell(restarts: ShardRecord['restarts']): string {
  const last = restarts.at(-1);
  if (!last) return '-';
  const d = last.detail;
  const named = d.signal ?? d.stopCode ?? (d.exitCode !== undefined && d.exitCode !== null ? `exit-${d.exitCode}` : undefined);
  return named === undefined ? last.cause : `${last.cause}:${named}`;
}

/**
 * A realised P&L for a table cell: signed, thousands separated, the currency's decimals
 * (`formatMoney`, two for USDT: `+1,234.50`, `-3.10`, `0.00`), without the currency (the header names it).
 */
export function pnlCell(amount: Micros, currency: string): string {
  return formatMoney(amount, '', { signed: true, decimals: currencyDecimals(currency) });
}

/** One dashboard row per shard, as cells (shared by the terminal table and the compact lines); `currency` sets the P&L's decimals. */
export function shardRow(shard: ShardRecord, now: number, currency = ''): string[] {
  const p = shard.heartbeat?.progress;
  const age = shard.heartbeat ? `${((now - shard.heartbeat.receivedAt) / 1000).toFixed(1)}s` : '-';
  const symbols = shard.symbols.length > 3 ? `${shard.symbols.slice(0, 3).join(',')}+${shard.symbols.length - 3}` : shard.symbols.join(',');
  return [
    shard.shardId,
    shard.status,
    String(shard.generation),
    symbols,
    p ? Math.round(p.ticksPerSec).toLocaleString('en-US') : '-',
    p ? String(p.trades) : '-',
    p ? pnlCell(p.realizedPnlMicros, currency) : '-',
    p ? p.latencyP99Us.toFixed(2) : '-',
    age,
    String(shard.restarts.length),
    p ? (p.rssBytes / 2 ** 20).toFixed(0) : '-',
    feedCell(p),
    lastRestartCell(shard.restarts),
  ];
}

/**
 * The live table: a header line, then one row per shard, aligned. Trades and P&L are the engines'
 * latest heartbeats, so the header says engine-reported: the report gives the ledger's.
 */
export function renderDashboard(view: CampaignView, now: number): string[] {
  const c = view.campaign;
  const elapsed = c.startedAt ? Math.max(0, (now - c.startedAt) / 1000) : 0;
  const total = typeof c.config['duration'] === 'number' ? (c.config['duration'] as number) : 0;
  const currency = quoteCurrencyOf(c.config);
  const rows = [COLUMNS as readonly string[], ...view.shards.map((s) => shardRow(s, now, currency))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
  const trades = view.shards.reduce((sum, s) => sum + (s.heartbeat?.progress.trades ?? 0), 0);
  const pnl = sumMicros(
    view.shards.map((s) => s.heartbeat?.progress.realizedPnlMicros ?? ZERO_MICROS),
    'progress.realizedPnlMicros',
  );
  return [
    `${c.name} (${c.campaignId})  ${c.status}  ${elapsed.toFixed(0)}s / ${total}s  engine-reported trades ${trades}  P&L ${pnlCell(pnl, currency)}${currency ? ` ${currency}` : ''}`,
    ...lines,
  ];
}

/** `venues.b.quoteCurrency` of a stored config: the reporting currency (empty when absent). */
function quoteCurrencyOf(config: Record<string, unknown>): string {
  const venues = config['venues'] as { b?: { quoteCurrency?: unknown } } | undefined;
  return typeof venues?.b?.quoteCurrency === 'string' ? venues.b.quoteCurrency : '';
}

/** Terminal output: redraws in place on a TTY, prints compact lines every `everyMs` otherwise. */
export class DashboardWriter {
  private drawn = 0;
  private lastCompact = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly everyMs = 5000,
  ) {}

  write(view: CampaignView, now: number): void {
    if (this.out.isTTY) {
      const lines = renderDashboard(view, now);
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
      this.out.write(`${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
      this.drawn = lines.length;
      return;
    }
    if (now - this.lastCompact < this.everyMs) return;
    this.lastCompact = now;
    for (const shard of view.shards) {
      const [id, status, gen, , tps, trades, pnl, p99, age, restarts, rss, feed, last] = shardRow(shard, now);
      this.out.write(
        `${id} ${status} g${gen} ticks/s=${tps} trades=${trades} pnl=${pnl} p99=${p99}µs hb=${age} restarts=${restarts} rss=${rss}MiB feed=${feed} last=${last}\n`,
      );
    }
  }
}
