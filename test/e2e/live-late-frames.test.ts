/**
 * Issue 19's burst case (`../shared/cases/from-public-reports/live-backlog-stamped-fresh/`), through
 * the real `arbfleet run` on a live feed: a local stand-in of Upbit (its real binary order-book
 * frames, each with Upbit's own `timestamp`) freezes BTC's book for 4 s, during which an 80 bps
 * premium over Binance exists for 1 s, then delivers the held frames late in a burst, each with its
 * own older timestamp (a TCP stall, then catch-up, 10 frames every 20 ms). With `maxQuoteAge: 2s`, no
 * entry may be made on them: by exchange time the premium's frames are 2.5 s or more old when they arrive. The same frames delivered on time
 * do trade, so the test fails both ways: were quotes aged by arrival, the held run would trade the
 * stale premium at the burst; were the premium unreachable, the on-time run would not trade.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { VenueQuality } from '../../core/model/progress.js';
import type { CampaignReport } from '../../core/report/report-schema.js';
import { readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { VenueWsServer } from '../support/venue-ws-server.js';

const FX = 1380.5;
const BTC = 95_000;
/** The schedule after the engine has subscribed (ms): live, then Upbit's BTC book frozen, the premium inside the freeze, then live again. */
const LIVE_MS = 2_000;
const FREEZE_MS = 4_000;
const PREMIUM_FROM_MS = 500;
const PREMIUM_TO_MS = 1_500;
const AFTER_MS = 3_000;
/** Held frames sent per 20 ms tick once the freeze ends: the engine decides once per arrival time, so a burst in one piece would be decided on its last, fresh frame alone. */
const CATCH_UP = 10;

const servers: VenueWsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * Plays the market every 20 ms: Binance's BTCUSDT and Upbit's KRW-USDT always; Upbit's KRW-BTC with
 * the premium between `PREMIUM_FROM_MS` and `PREMIUM_TO_MS` into the freeze. `hold`: the frozen
 * frames are sent when the freeze ends, with their own timestamps; otherwise as they are made.
 * Resolves with what it sent once the schedule has run.
 */
async function playMarket(s: VenueWsServer, hold: boolean): Promise<{ premiumFrames: number; heldFrames: number; premiumLateMs: number[] }> {
  await waitFor(
    'the engine subscribed to both venues',
    () => (s.subscribed('upbit').some((c) => c.codes.has('KRW-BTC')) && s.subscribed('binance').length > 0 ? true : undefined),
    60_000,
  );
  let n = 0;
  const held: [number, number, number, boolean][] = [];
  /** `premiumLateMs`: how late each of the premium's frames went out (held: the catch-up's time minus the frame's own). */
  const sent = { premiumFrames: 0, heldFrames: 0, premiumLateMs: [] as number[] };
  const started = Date.now();
  const tick = () => {
    n++;
    const now = Date.now();
    const phase = now - started;
    const frozen = phase >= LIVE_MS && phase < LIVE_MS + FREEZE_MS;
    const premium = phase >= LIVE_MS + PREMIUM_FROM_MS && phase < LIVE_MS + PREMIUM_TO_MS ? 0.008 : 0;
    const wiggle = 1e-4 * Math.sin(n / 7);
    const midA = BTC * FX * (1 + premium + wiggle);
    const midB = BTC * (1 + wiggle);
    s.quote('upbit', 'KRW-USDT', FX - 0.05, FX + 0.05, now);
    s.quote('binance', 'BTCUSDT', midB * (1 - 1e-4), midB * (1 + 1e-4));
    const frame: [number, number, number, boolean] = [midA * (1 - 1e-4), midA * (1 + 1e-4), now, premium > 0];
    if (premium > 0) sent.premiumFrames++;
    if (hold && (frozen || held.length > 0)) {
      // Frozen, or still catching up: frames queue behind the backlog, in order, as on a TCP stream.
      held.push(frame);
      if (frozen) return;
      // The catch-up: the backlog goes out CATCH_UP frames a tick, so its frames arrive in several batches, some ending on a premium frame.
      for (const [bid, ask, ts, withPremium] of held.splice(0, CATCH_UP)) {
        sent.heldFrames++;
        if (withPremium) sent.premiumLateMs.push(now - ts);
        s.quote('upbit', 'KRW-BTC', bid, ask, ts);
      }
      return;
    }
    if (frame[3]) sent.premiumLateMs.push(0);
    s.quote('upbit', 'KRW-BTC', frame[0], frame[1], frame[2]);
  };
  const timer = setInterval(tick, 20);
  await new Promise((resolve) => setTimeout(resolve, LIVE_MS + FREEZE_MS + AFTER_MS));
  clearInterval(timer);
  return sent;
}

/** Runs a live campaign against a fresh stand-in while the market plays; returns the report and what was sent. */
async function runLive(hold: boolean): Promise<{
  report: CampaignReport;
  markdown: string;
  sent: Awaited<ReturnType<typeof playMarket>>;
  /** Venue A in the shard's last heartbeat, and in its last monitor `data quality` line. */
  heartbeatA: VenueQuality | undefined;
  monitorA: Record<string, unknown> | undefined;
}> {
  const s = await VenueWsServer.start();
  servers.push(s);
  const runDir = runFolder();
  const config = join(runDir, 'live.yaml');
  writeFileSync(
    config,
    [
      `name: late-frames-${hold ? 'held' : 'on-time'}`,
      'symbols: [BTC]',
      'venues:',
      '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }',
      '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
      'fx: { pair: USDT/KRW, rate: 1380 }',
      'strategy: { entryBps: 25, exitBps: 5, takeProfitBps: 30, stopLossBps: 60, maxHolding: 2m, orderNotional: 1000, maxQuoteAge: 2s }',
      'feed:',
      '  kind: live',
      '  fx: { source: upbit }',
      '  silentAfter: 10s',
      `  endpoints: { a: "${s.endpoints.upbit}", b: "${s.endpoints.binance}" }`,
      // Long enough for a slow start on a loaded machine plus the 9 s schedule, which begins once the engine has subscribed.
      'duration: 30s',
      'clock: real',
    ].join('\n'),
  );
  const cli = startCli(['run', config, '--no-dashboard', '--out', runDir]);
  const [sent, exit] = await Promise.all([playMarket(s, hold), cli.exited]);
  if (exit.code !== 0) throw new Error(`arbfleet exited ${exit.code ?? exit.signal}\n--- stderr ---\n${cli.stderr().slice(-4000)}`);
  const report = readReport(runDir);
  const store = new SqliteCampaignStore(join(runDir, 'fleet.db'), systemClock);
  const beats = await store.readHeartbeats({ campaignId: report.campaign.id, shardId: 'shard-000' });
  store.close();
  const monitorLines = readFileSync(join(runDir, 'tasks', 'shard-000.g0.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"event":"data quality"'));
  const monitorA = (JSON.parse(monitorLines.at(-1) ?? '{}') as { a?: Record<string, unknown> }).a;
  return { report, markdown: readFileSync(join(runDir, 'report.md'), 'utf8'), sent, heartbeatA: beats.at(-1)?.progress.venues?.a, monitorA };
}

describe('late frames on a live feed (issue 19: exchange time)', () => {
  it('enters on no frame older than maxQuoteAge by Upbit’s own time, counts the late burst and shows the lag; the same frames on time do trade', async () => {
    const [held, onTime] = await Promise.all([runLive(true), runLive(false)]);

    // The market did what the case says: the premium's frames were held and came 2.5 s or more late.
    expect(held.sent.premiumFrames).toBeGreaterThan(10);
    expect(held.sent.heldFrames).toBeGreaterThanOrEqual(held.sent.premiumFrames);
    expect(held.sent.premiumLateMs).toHaveLength(held.sent.premiumFrames);
    expect(Math.min(...held.sent.premiumLateMs)).toBeGreaterThan(2_000);
    expect(onTime.sent.heldFrames).toBe(0);
    expect(onTime.sent.premiumLateMs.every((ms) => ms === 0)).toBe(true);

    // Held: no entry; the stale premium was refused by exchange time, and the burst is counted and shown.
    const t = held.report.trading;
    expect(t?.trades ?? [], JSON.stringify(t?.refusals)).toHaveLength(0);
    expect(t?.refusals['stale-quote-a'] ?? 0).toBeGreaterThan(0);
    const upbit = t?.venues.find((v) => v.venue === 'a');
    expect(upbit).toMatchObject({ agedBy: 'exchange' });
    expect(upbit?.lateFrames ?? 0).toBeGreaterThanOrEqual(held.sent.premiumFrames);
    // One burst at the flush (the held frames come oldest first, the last ones on time); more only if the machine stalled the engine over 2 s.
    expect(upbit?.lateBursts ?? 0).toBeGreaterThanOrEqual(1);
    expect(upbit?.lagP99Ms ?? 0).toBeGreaterThan(2_000);
    expect(t?.venues.find((v) => v.venue === 'b')).toMatchObject({ agedBy: 'arrival', lateFrames: 0 });
    expect(t?.acceptance.find((r) => r.id === 'no-stale-entry')?.result).toMatch(
      /late frames \(older than the age bound by exchange time on arrival\): upbit \d+ in \d+ burst/,
    );
    expect(held.markdown).toContain('| Arrival lag p50 / p99 |');
    // The same figures in the shard's last heartbeat and monitor line.
    expect(held.heartbeatA?.lag?.lateFrames).toBe(upbit?.lateFrames);
    expect(held.heartbeatA?.lag?.p99Ms ?? 0).toBeGreaterThan(2_000);
    expect(held.monitorA).toMatchObject({ timeBy: 'exchange' });
    expect(held.monitorA?.lateFrames as number).toBeGreaterThanOrEqual(held.sent.premiumFrames);

    // On time: the same premium, fresh by Upbit's clock, is traded; nothing is late.
    const o = onTime.report.trading;
    expect((o?.trades ?? []).length, JSON.stringify(o?.refusals)).toBeGreaterThan(0);
    expect(o?.acceptance.find((r) => r.id === 'no-stale-entry')).toMatchObject({ pass: true });
    // Nothing late but for a stall of the engine over 2 s on a loaded machine: never the premium's frames, all late when held.
    const onTimeUpbit = o?.venues.find((v) => v.venue === 'a');
    expect(onTimeUpbit).toMatchObject({ agedBy: 'exchange' });
    expect(onTimeUpbit?.lateFrames ?? 0).toBeLessThan(held.sent.premiumFrames);
  }, 180_000);
});
