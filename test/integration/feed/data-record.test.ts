import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIZED_HEADER } from '../../../core/data/live/replay-recorder.js';
import { ReplayFeed } from '../../../engine-task/src/feed/replay-feed.js';
import { startCli } from '../../support/cli-process.js';
import { waitFor } from '../../support/engine-process.js';
import { type TestBook, VenueWsServer } from '../../support/venue-ws-server.js';

let server: VenueWsServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function liveConfig(dir: string, s: VenueWsServer): string {
  const path = join(dir, 'live.yaml');
  writeFileSync(
    path,
    [
      'name: live-record',
      'symbols: [BTC, ETH]',
      'venues:',
      '  a: { name: upbit, quoteCurrency: KRW, takerFeeBps: 5 }',
      '  b: { name: binance, quoteCurrency: USDT, takerFeeBps: 10 }',
      'fx: { pair: USDT/KRW, rate: 1380 }',
      'feed:',
      '  kind: live',
      `  endpoints: { a: "${s.endpoints.upbit}", b: "${s.endpoints.binance}" }`,
    ].join('\n'),
  );
  return path;
}

describe('arbfleet data record', () => {
  it('records the streams of the campaign symbols it is asked for, for the duration given, into a file that replays', async () => {
    server = await VenueWsServer.start();
    server.play({ 'KRW-USDT': 1380.5, 'KRW-BTC': 131_000_000, BTCUSDT: 95_000, 'KRW-ETH': 4_400_000, ETHUSDT: 3200 }, 20);
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-record-'));
    dirs.push(dir);
    const out = join(dir, 'btc.csv');
    const cli = startCli(['data', 'record', liveConfig(dir, server), '-o', out, '--duration', '1.5s', '--symbols', 'BTC', '--json']);
    const exit = await cli.exited;
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });
    const events = cli
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; rows?: number; a?: string; b?: string; fx?: string });
    const done = events.find((e) => e.event === 'recorded');
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(done?.rows).toBe(rows.length - 1);
    expect(done?.a).toMatch(/^upbit connected quotes \d+ reconnects 0$/);
    expect(rows.slice(1).every((r) => /,(BTC,[AB]|FX,),/.test(r))).toBe(true); // ETH was not asked for
    const replay = new ReplayFeed({ feed: { path: out }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } });
    const sink = { n: 0, onQuote: () => sink.n++, onFx: () => sink.n++ };
    expect(replay.emitUntil(Infinity, 1_000_000, sink)).toBe(rows.length - 1);
    expect(sink.n).toBeGreaterThan(10);
  });

  it('records book sizes with --levels (the size columns, Upbit subscribed at 15 units), a file that replays', async () => {
    server = await VenueWsServer.start();
    const book = {
      bids: [
        [131_000_000, 0.0206],
        [130_999_000, 0.5],
        [130_998_000, 1.25],
      ],
      asks: [[131_001_000, 0.0046]],
    } satisfies TestBook;
    const venues = server;
    const ticker = setInterval(() => {
      venues.quote('upbit', 'KRW-USDT', 1380, 1381);
      venues.quote('upbit', 'KRW-BTC', 131_000_000, 131_001_000, Date.now(), book);
      venues.quote('binance', 'BTCUSDT', 94_999, 95_000);
    }, 20);
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-record-'));
    dirs.push(dir);
    const out = join(dir, 'btc-sized.csv');
    const cli = startCli(['data', 'record', liveConfig(dir, server), '-o', out, '--duration', '1.5s', '--symbols', 'BTC', '--levels', '15', '--json']);
    const s = server;
    const upbit = await waitFor('Upbit subscribed to KRW-BTC', () => s.subscribed('upbit').find((c) => c.units.has('KRW-BTC')));
    expect(upbit.units.get('KRW-BTC')).toBe(15);
    const exit = await cli.exited;
    clearInterval(ticker);
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });
    const [header, ...rows] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe(SIZED_HEADER);
    // Upbit's book above: its top's sizes, then the two bid levels below the top; Binance's top sizes (the stand-in's 3.06 and 8.61).
    const a = rows.find((r) => r.includes(',BTC,A,'))?.split(',');
    expect(a?.slice(6)).toEqual(['0.0206', '0.0046', '130999000:0.5|130998000:1.25', '']);
    expect(
      rows
        .find((r) => r.includes(',BTC,B,'))
        ?.split(',')
        .slice(6, 8),
    ).toEqual(['3.06', '8.61']);
    const replay = new ReplayFeed({ feed: { path: out }, shardSymbols: ['BTC'], quotes: { a: 'KRW', b: 'USDT' } });
    const sink = { n: 0, onQuote: () => sink.n++, onFx: () => sink.n++ };
    expect(replay.emitUntil(Infinity, 1_000_000, sink)).toBe(rows.length);
  });

  it('exits 2 naming the option when the output is missing', async () => {
    server = await VenueWsServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-record-'));
    dirs.push(dir);
    const cli = startCli(['data', 'record', liveConfig(dir, server)]);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toContain('--out: give the CSV to record into');
    const levels = startCli(['data', 'record', liveConfig(dir, server), '-o', join(dir, 'x.csv'), '--levels', '21']);
    expect((await levels.exited).code).toBe(2);
    expect(levels.stderr()).toContain('--levels: expected a whole number of levels a side from 0 to 20, got "21"');
  });
});
