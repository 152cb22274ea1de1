// Measures the two ways a live feed can read Upbit's and Binance's public streams (docs/live-feeds.md):
// ccxt's `pro` (watch*) exchanges against the venues' own protocols over `ws` (core/data/live/).
// Three figures for each: bundle size (esbuild, node, ESM), start-up (import + construct the two
// venue clients, in a fresh process) and decode cost per frame on the recorded frames of
// test/fixtures/live/ (ccxt: JSON.parse + handleMessage, as its WebSocket client does; ours:
// VenueProtocol.decode). Nothing reaches the internet: ccxt's markets are set by hand.
//
// ccxt is not a dependency; install it beside, then run from the repository root:
//   mkdir -p /tmp/ccxt-measure && (cd /tmp/ccxt-measure && npm init -y >/dev/null && npm install --save-exact ccxt@4.5.84 protobufjs@7.6.6)
//   node scripts/measure-live-clients.mjs /tmp/ccxt-measure
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ccxtHome = resolve(process.argv[2] ?? '/tmp/ccxt-measure');
const out = mkdtempSync(join(tmpdir(), 'arbfleet-live-measure-'));
const repo = process.cwd();

// 1. Bundles: what each choice adds to the engine's bundle (engine-task/build.mjs settings).
const entries = {
  ours: `import { LiveFeed } from '${repo}/core/data/live/live-feed.ts';\nexport { LiveFeed };\n`,
  ccxt: `import ccxt from 'ccxt';\nexport const make = () => [new ccxt.pro.upbit(), new ccxt.pro.binance()];\n`,
};
const bundles = {};
for (const [name, source] of Object.entries(entries)) {
  const entry = join(out, `${name}-entry.mjs`);
  writeFileSync(entry, source);
  for (const minify of [false, true]) {
    const outfile = join(out, `${name}${minify ? '.min' : ''}.mjs`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      minify,
      nodePaths: [join(ccxtHome, 'node_modules'), join(repo, 'node_modules')],
      // ws's optional native helpers stay out; ccxt's bundle needs its peer protobufjs (its dYdX and MEXC code imports it statically).
      external: ['bufferutil', 'utf-8-validate'],
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'error',
    });
    bundles[`${name}${minify ? ' (minified)' : ''}`] = statSync(outfile).size;
  }
}

// 2. Start-up: import the bundle and build the two venue clients, in a fresh process, 7 times.
const startScripts = {
  ours: `const t = performance.now(); await import('${join(out, 'ours.mjs')}'); await import('ws'); console.log(performance.now() - t);`,
  ccxt: `const t = performance.now(); const m = await import('${join(out, 'ccxt.mjs')}'); m.make(); console.log(performance.now() - t);`,
};
const startup = {};
for (const [name, script] of Object.entries(startScripts)) {
  const runs = [];
  for (let i = 0; i < 7; i++) runs.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' }).trim()));
  startup[name] = median(runs);
}

// 3. Decode: every recorded frame, many times over, as a Buffer (as `ws` hands it over).
const upbitFrames = lines('test/fixtures/live/upbit-orderbook-frames.jsonl').map((l) => Buffer.from(l));
const binanceFrames = lines('test/fixtures/live/binance-bookticker-frames.jsonl').map((l) => Buffer.from(l));
const binanceRaw = binanceFrames.map((b) => Buffer.from(JSON.stringify(JSON.parse(b.toString()).data))); // ccxt subscribes to raw /ws streams
const decode = {};
{
  const { upbitProtocol, binanceProtocol } = await import(join(out, 'protocol.mjs')).catch(async () => {
    await build({
      entryPoints: [`${repo}/core/data/live/venue-protocol.ts`],
      outfile: join(out, 'protocol.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'error',
    });
    return import(join(out, 'protocol.mjs'));
  });
  const scratch = { code: '', bid: 0, ask: 0 };
  decode['ours upbit'] = nsPerFrame(upbitFrames, (f) => upbitProtocol.decode(f, scratch));
  decode['ours binance'] = nsPerFrame(binanceFrames, (f) => binanceProtocol.decode(f, scratch));
  decode['JSON.parse alone upbit'] = nsPerFrame(upbitFrames, (f) => JSON.parse(f.toString('utf8')));
  decode['JSON.parse alone binance'] = nsPerFrame(binanceFrames, (f) => JSON.parse(f.toString('utf8')));
}
{
  const { make } = await import(join(out, 'ccxt.mjs'));
  const [upbit, binance] = make();
  const market = (id, base, quote) => ({
    id,
    symbol: `${base}/${quote}`,
    base,
    quote,
    baseId: base,
    quoteId: quote,
    type: 'spot',
    spot: true,
    active: true,
    precision: {},
    limits: {},
  });
  upbit.setMarkets([market('KRW-BTC', 'BTC', 'KRW')]);
  binance.setMarkets([market('BTCUSDT', 'BTC', 'USDT')]);
  const upbitClient = upbit.client('wss://api.upbit.com/websocket/v1');
  const binanceClient = binance.client('wss://stream.binance.com:9443/ws');
  upbit.handleMessage(upbitClient, { ...JSON.parse(upbitFrames[0].toString()), stream_type: 'SNAPSHOT' });
  decode['ccxt upbit'] = nsPerFrame(upbitFrames, (f) => upbit.handleMessage(upbitClient, JSON.parse(f.toString('utf8'))));
  decode['ccxt binance'] = nsPerFrame(binanceRaw, (f) => binance.handleMessage(binanceClient, JSON.parse(f.toString('utf8'))));
}

console.log(JSON.stringify({ node: process.version, bundlesBytes: bundles, startupMsMedianOf7: startup, decodeNsPerFrame: decode }, null, 2));

function lines(path) {
  return readFileSync(join(repo, path), 'utf8').trim().split('\n');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
}

/** Median of 5 rounds of ~200k decodes each, after a warm-up round. */
function nsPerFrame(frames, fn) {
  const perRound = Math.ceil(200_000 / frames.length);
  const rounds = [];
  for (let r = 0; r < 6; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) for (const f of frames) fn(f);
    const ns = Number(process.hrtime.bigint() - t) / (perRound * frames.length);
    if (r > 0) rounds.push(ns);
  }
  return Math.round(median(rounds));
}
