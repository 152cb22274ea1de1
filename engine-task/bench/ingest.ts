/**
 * Recorded and live data in, for `npm run bench`:
 * - `--import N`: `arbfleet data import` of an N-line Binance bookTicker CSV generated in the
 *   temporary directory (the shape of data.binance.vision files), in lines/s, with the process's
 *   RSS sampled every 2^20 lines: flat RSS is what streaming promises (target ≥ 1 M lines/s);
 * - `--ingest N`: N real-shaped venue frames (Binance spot bookTicker JSON, Upbit DEFAULT
 *   orderbook JSON with 15 levels, alternating) decoded by `core/data/frames.ts` and handed to the
 *   engine's `onQuote`, beside `JSON.parse` alone on the same frames, the ceiling a JSON decoder
 *   could reach (targets: ≥ 1 M frames/s end to end, ≥ 0.5 of the ceiling).
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseCampaignConfig } from '../../core/config/load-config.js';
import { resolveCampaign } from '../../core/config/resolve-campaign.js';
import { symbolUniverse } from '../../core/config/universe.js';
import { decodeBinanceBookTicker, decodeUpbitOrderbook, emptyFrameQuote } from '../../core/data/frames.js';
import { importRecorded } from '../../core/data/importer.js';
import { Engine } from '../src/engine.js';

export interface ImportBenchResult {
  lines: number;
  fileMiB: number;
  seconds: number;
  linesPerSec: number;
  /** Lines per second of this process's CPU time (user + system): the rate on an idle core when the machine is shared. */
  linesPerCpuSec: number;
  rssStartMiB: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  target: { linesPerSec: number; met: boolean };
}

export interface IngestBenchResult {
  frames: number;
  framesPerSec: number;
  jsonParseFramesPerSec: number;
  /** The same two rates per second of this process's CPU time (a shared machine's idle-core rate). */
  framesPerCpuSec: number;
  jsonParseFramesPerCpuSec: number;
  ratio: number;
  targets: { framesPerSec: number; ratio: number; met: boolean };
}

const MiB = 2 ** 20;
const T0 = Date.UTC(2025, 7, 24);

/** Writes an N-line bookTicker CSV (one line per ms, a random walk around 115,279 USDT). */
function writeBookTicker(path: string, lines: number): void {
  const fd = openSync(path, 'w');
  let text = 'update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n';
  let price = 11_527_925;
  for (let i = 0; i < lines; i++) {
    price += ((i * 2_654_435_761) >>> 29) - 3;
    text += `${9001 + i},${(price / 100).toFixed(2)},3.06,${((price + 1) / 100).toFixed(2)},8.61,${T0 + i},${T0 + i + 3}\n`;
    if (text.length > MiB) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
}

export async function benchImport(lines: number, log: (line: string) => void): Promise<ImportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-bench-import-'));
  try {
    const input = join(dir, 'BTCUSDT-bookTicker-2025-08-24.csv');
    log(`bench: writing a ${lines.toLocaleString('en-US')}-line bookTicker file in ${dir}...`);
    writeBookTicker(input, lines);
    (globalThis as { gc?: () => void }).gc?.();
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const summary = await importRecorded({
      spec: { format: 'binance-bookticker', venue: 'b' },
      files: [input],
      out: join(dir, 'out.csv'),
      onProgress: () => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const rssEnd = process.memoryUsage().rss;
    const linesPerSec = Math.round(summary.rowsRead / seconds);
    return {
      lines: summary.rowsRead,
      fileMiB: Math.round(statSync(input).size / MiB),
      seconds: Math.round(seconds * 100) / 100,
      linesPerSec,
      linesPerCpuSec: Math.round(summary.rowsRead / cpuSeconds),
      rssStartMiB: Math.round(rssStart / MiB),
      rssPeakMiB: Math.round(Math.max(rssPeak, rssEnd) / MiB),
      rssEndMiB: Math.round(rssEnd / MiB),
      target: { linesPerSec: 1_000_000, met: summary.rowsRead / cpuSeconds >= 1_000_000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 1,024 distinct frames of each venue in the venues' real shapes (Upbit levels from the real snapshot). */
function frames(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1024; i++) {
    const bid = 115_279.25 + (i % 97) / 100;
    out.push(`{"u":${400_900_217 + i},"s":"BTCUSDT","b":"${bid.toFixed(8)}","B":"3.06000000","a":"${(bid + 0.01).toFixed(8)}","A":"8.61000000"}`);
    const units = Array.from(
      { length: 15 },
      (_, l) =>
        `{"ask_price":${159_523_000 + l * 2000 + (i % 13) * 1000}.0,"bid_price":${159_508_000 - l * 1000 + (i % 13) * 1000}.0,"ask_size":0.0046748,"bid_size":0.02069352}`,
    );
    out.push(
      `{"type":"orderbook","code":"KRW-BTC","timestamp":${T0 + i},"total_ask_size":1.9,"total_bid_size":1.1,"orderbook_units":[${units.join(',')}],"stream_type":"REALTIME","level":0}`,
    );
  }
  return out;
}

export function benchIngest(count: number): IngestBenchResult {
  const config = parseCampaignConfig({
    name: 'bench-ingest',
    symbols: ['BTC'],
    venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
    fx: { pair: 'USDT/KRW', rate: 1384 },
    feed: { kind: 'synthetic' },
    watchdog: { heartbeatInterval: 10, staleAfter: 60 },
  });
  const campaign = resolveCampaign(config, symbolUniverse());
  const engine = new Engine({ campaign, symbols: ['BTC'], generation: 0, fillCapacity: 1 << 22 });
  const all = frames();
  const mask = all.length - 1;
  const quote = emptyFrameQuote();
  const instrument = new Map([
    ['KRW-BTC', 0],
    ['BTCUSDT', 1],
  ]);
  const timed = (n: number, body: () => void): { wall: number; cpu: number } => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    body();
    const c = process.cpuUsage(c0);
    return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((c.user + c.system) / 1e6) };
  };
  const run = (n: number) =>
    timed(n, () => {
      for (let i = 0; i < n; i++) {
        const frame = all[i & mask] as string;
        const ok = (i & 1) === 0 ? decodeBinanceBookTicker(frame, quote) : decodeUpbitOrderbook(frame, quote);
        if (!ok) continue;
        const k = instrument.get(quote.symbol);
        if (k === undefined) continue;
        engine.onQuote(k, quote.bid, quote.ask, quote.ts === quote.ts ? quote.ts : T0 + i);
        if ((i & 0xffff) === 0) engine.drainFills();
      }
    });
  let sink = 0;
  const parse = (n: number) =>
    timed(n, () => {
      for (let i = 0; i < n; i++) sink += (JSON.parse(all[i & mask] as string) as { u?: number }).u ?? 1;
    });
  run(Math.min(count, 200_000));
  parse(Math.min(count, 200_000));
  const e2e = run(count);
  const ceiling = parse(count);
  if (sink === 0) throw new Error('unreachable: keeps JSON.parse from being optimised away');
  const framesPerSec = Math.round(e2e.wall);
  const ratio = Math.round((e2e.cpu / ceiling.cpu) * 1000) / 1000;
  return {
    frames: count,
    framesPerSec,
    jsonParseFramesPerSec: Math.round(ceiling.wall),
    framesPerCpuSec: Math.round(e2e.cpu),
    jsonParseFramesPerCpuSec: Math.round(ceiling.cpu),
    ratio,
    targets: { framesPerSec: 1_000_000, ratio: 0.5, met: e2e.cpu >= 1_000_000 && ratio >= 0.5 },
  };
}
