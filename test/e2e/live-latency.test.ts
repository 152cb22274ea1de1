/**
 * A venue's latency on a live feed (issue 19), through the real `arbfleet run` against the local
 * stand-ins of Upbit's and Binance's streams: with `execution: { model: depth, latency: { a: 0, b:
 * 300ms } }`, an order decided at t fills on Upbit at once and on Binance against Binance's book as
 * it is at t + 300 ms (`engine-task/src/execution/execution-model.ts` states the rule: every frame
 * that arrived by the due time applied, none after; the fill stamped with it). The market rises
 * 0.5 bps every 20 ms on both venues, Upbit 60 bps over Binance, so the book moves between the
 * decision and the fill. Each fill is checked against the session the feed recorded (arrival
 * times, as the engine's clock had them): the decision price is Binance's quote at t, the fill
 * price its quote at t + 300 ms. The report's execution section shows the latency assumed, the
 * sizes read live and the slippage on Binance's legs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIZED_HEADER } from '../../core/data/live/replay-recorder.js';
import type { Fill } from '../../core/model/fill.js';
import { openRunStore, readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { VenueWsServer } from '../support/venue-ws-server.js';

const FX = 1380;
const LATENCY_B_MS = 300;
/** How long the market plays once the engine has subscribed (ms): several trades of 1 s each. */
const PLAY_MS = 5_000;

const servers: VenueWsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Plays a rising market every 20 ms once the engine has subscribed; resolves when done. */
async function playRisingMarket(s: VenueWsServer): Promise<void> {
  await waitFor(
    'the engine subscribed to both venues',
    () => (s.subscribed('upbit').some((c) => c.codes.has('KRW-BTC')) && s.subscribed('binance').length > 0 ? true : undefined),
    60_000,
  );
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const midB = 95_000 * (1 + 5e-5 * n);
    const midA = midB * FX * 1.006;
    s.quote('binance', 'BTCUSDT', midB * (1 - 1e-4), midB * (1 + 1e-4));
    s.quote('upbit', 'KRW-BTC', Math.round(midA * (1 - 1e-4)), Math.round(midA * (1 + 1e-4)));
  }, 20);
  await new Promise((resolve) => setTimeout(resolve, PLAY_MS));
  clearInterval(timer);
}

/** Venue B's quotes of the recorded session, `[ts, bid, ask]` in arrival order. */
function recordedB(path: string): [number, number, number][] {
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return rows
    .map((line) => line.split(','))
    .filter((cells) => cells[1] === 'BTC' && cells[2] === 'B')
    .map((cells) => [Number(cells[0]), Number(cells[3]), Number(cells[4])]);
}

/** The quote in force at `at`: the last recorded at or before it. */
function quoteAt(rows: [number, number, number][], at: number): [number, number, number] {
  let found: [number, number, number] | undefined;
  for (const row of rows) if (row[0] <= at) found = row;
  if (found === undefined) throw new Error(`no Binance quote recorded by ${at}`);
  return found;
}

describe('latency on a live feed (issue 19)', () => {
  it('fills Binance’s leg against Binance’s book 300 ms after the decision, as the recorded session shows it; the report shows the latency', async () => {
    const s = await VenueWsServer.start();
    servers.push(s);
    const runDir = runFolder();
    const config = join(runDir, 'live.yaml');
    const record = join(runDir, 'session.csv');
    writeFileSync(
      config,
      [
        'name: live-latency',
        'symbols: [BTC]',
        'venues:',
        '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }',
        '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
        `fx: { pair: USDT/KRW, rate: ${FX} }`,
        // Never a reversion, take-profit or stop: each trade closes at max holding, and the next opens.
        'strategy: { entryBps: 25, exitBps: -1000, takeProfitBps: 1000, stopLossBps: 1000, maxHolding: 1s, orderNotional: 1000, maxQuoteAge: 5s }',
        `execution: { model: depth, latency: { a: 0, b: ${LATENCY_B_MS}ms } }`,
        'feed:',
        '  kind: live',
        '  fx: { source: fixed }',
        `  record: ${record}`,
        '  silentAfter: 10s',
        `  endpoints: { a: "${s.endpoints.upbit}", b: "${s.endpoints.binance}" }`,
        // A cap: the run is stopped (SIGINT, as a person's Ctrl-C) once the market has played, which begins when the engine has subscribed.
        'duration: 90s',
        'clock: real',
      ].join('\n'),
    );
    const cli = startCli(['run', config, '--no-dashboard', '--out', runDir]);
    await playRisingMarket(s);
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    if (exit.code !== 0) throw new Error(`arbfleet exited ${exit.code ?? exit.signal}\n--- stderr ---\n${cli.stderr().slice(-4000)}`);
    const report = readReport(runDir);
    const store = await openRunStore(runDir);
    const fills: Fill[] = await store.readLedger({ campaignId: report.campaign.id, shardId: 'shard-000' });
    store.close();

    // Trades were made while the market played (a trade still open at the stop stays open).
    const played = fills;
    const legsB = played.filter((f) => f.venue === 'B');
    expect(legsB.length, JSON.stringify(report.trading?.refusals)).toBeGreaterThanOrEqual(4);
    expect(report.campaign.status).toBe('CANCELLED'); // the stop above, not the cap
    // The session is recorded with its sizes (the depth model keeps them), so it replays with them.
    expect(readFileSync(record, 'utf8').split('\n')[0]).toBe(SIZED_HEADER);
    const rows = recordedB(record);
    for (const f of played) {
      const decided = f.eventTs as number;
      if (f.venue === 'A') {
        expect(f.ts, `A leg ${f.seq}`).toBe(decided); // no latency on Upbit: filled at the decision
        continue;
      }
      // Decided at t on what had arrived by then (the last quote before t, or one that arrived in t's millisecond);
      // filled on the quote in force at t + 300 ms, stamped then: every frame that arrived by the due time, none after.
      expect(f.ts, `B leg ${f.seq}`).toBe(decided + LATENCY_B_MS);
      const side = (q: [number, number, number]) => (f.side === 'BUY' ? q[2] : q[1]);
      const before = rows.filter((q) => q[0] < decided).at(-1);
      const seen = [...(before ? [before] : []), ...rows.filter((q) => q[0] === decided)].map(side);
      expect(seen, `B leg ${f.seq} decision`).toContain(f.decisionPrice);
      const [, bidAtFill, askAtFill] = quoteAt(rows, f.ts);
      expect(f.price, `B leg ${f.seq} fill`).toBe(f.side === 'BUY' ? askAtFill : bidAtFill);
      expect(f.unsized, `B leg ${f.seq}`).toBeUndefined(); // Binance's top sizes came through the live feed
    }
    // The market rose between decision and fill: the fills took the moved price.
    expect(legsB.filter((f) => f.price !== f.decisionPrice).length).toBeGreaterThan(0);

    const execution = report.execution;
    expect(execution).toMatchObject({ model: 'depth', latencyMs: { a: 0, b: LATENCY_B_MS }, sizes: 'recorded' });
    expect(execution?.total.slippageBpsA).toBeCloseTo(0, 6);
    expect(execution?.total.slippageBpsB ?? 0).not.toBe(0);
    expect(readFileSync(join(runDir, 'report.md'), 'utf8')).toContain(`latency assumed A 0 ms, B ${LATENCY_B_MS} ms`);
  }, 120_000);
});
