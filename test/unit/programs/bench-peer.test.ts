/**
 * The backtest bench's peer (engine-task/bench/peer.ts, issue 19), without nautilus_trader: what
 * the campaign gives the peer script, when the peer is skipped and why (with how to install it),
 * how its result is read, and the targets flagged from it. The peer itself is a benchmark
 * (`npm run bench -- --peer`), never run by the tests.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCampaignFile } from '../../../core/config/load-config.js';
import { type BacktestResult, targetsMissed } from '../../../engine-task/bench/backtest.js';
import { parseBenchCommandLine } from '../../../engine-task/bench/bench-command-line.js';
import { type PeerSpec, type PeerTiming, peerPython, peerSpecOf, runPeer } from '../../../engine-task/bench/peer.js';

const dir = mkdtempSync(join(tmpdir(), 'arbfleet-bench-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An executable shell script standing in for a Python. */
function fakePython(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const candles5m = () => loadCampaignFile('configs/real-btc-candles-5m.yaml');

describe('the peer spec: what the campaign gives peer_nautilus.py', () => {
  it('the 5-minute candles: their files, fees, thresholds in ms and the notional cap per symbol', () => {
    const spec = peerSpecOf(candles5m()) as PeerSpec;
    expect(spec).not.toHaveProperty('skipped');
    expect(spec.sources.a.path).toMatch(/test\/fixtures\/real\/upbit-KRW-BTC-5m\.csv\.gz$/);
    expect(spec.sources.b.path).toMatch(/test\/fixtures\/real\/binance-BTC-USDT-5m\.csv\.gz$/);
    expect(spec.sources.fx.path).toMatch(/test\/fixtures\/real\/USD-KRW-daily\.csv$/);
    for (const source of Object.values(spec.sources)) expect(existsSync(source.path)).toBe(true);
    expect(spec.sources.a.halfSpreadBps).toBe(1);
    expect(spec.venues).toEqual({ a: { name: 'upbit', quote: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quote: 'USDT', takerFeeBps: 10 } });
    expect(spec.fxRate).toBe(1380);
    expect(spec.durationMs).toBe(91 * 86_400_000);
    expect(spec.strategy).toEqual({
      entryBps: 25,
      exitBps: 5,
      takeProfitBps: 30,
      stopLossBps: 60,
      maxHoldingMs: 120_000,
      orderNotional: 1000,
      maxQuoteAgeMs: 1_200_000,
      fxJumpBps: 300,
    });
    expect(spec.risk).toEqual({ maxOpenTrades: 20, maxOpenTradesPerSymbol: 2, maxNotionalPerSymbol: 2000 });
  });

  it('a campaign the peer does not replicate is skipped, naming what it lacks', () => {
    const c = candles5m();
    const ewma = { ...c, config: { ...c.config, strategy: { ...c.config.strategy, premiumBaseline: { kind: 'ewma' as const, halfLife: 3600 } } } };
    expect(peerSpecOf(ewma)).toEqual({ skipped: expect.stringContaining('premiumBaseline: none') });
    const depth = { ...c, config: { ...c.config, execution: { ...c.config.execution, model: 'depth' as const } } };
    expect(peerSpecOf(depth)).toEqual({ skipped: expect.stringContaining('execution: top') });
    expect(peerSpecOf(loadCampaignFile('configs/real-btc-candles.yaml'))).toEqual({ skipped: expect.stringContaining('feed.from') });
  });
});

describe('the peer Python', () => {
  it('none given: skipped, saying how to install it', () => {
    expect(peerPython(undefined, {})).toEqual({ skipped: expect.stringContaining('bash scripts/peer-venv.sh') });
    expect(peerPython(undefined, { ARBFLEET_PEER_PYTHON: '' })).toEqual({ skipped: expect.stringContaining('--peer-python or ARBFLEET_PEER_PYTHON') });
  });

  it('one that does not run, or cannot import nautilus_trader: skipped, naming it and the error', () => {
    expect(peerPython(join(dir, 'no-such-python'), {})).toEqual({ skipped: expect.stringMatching(/no-such-python does not run .*peer-venv\.sh/) });
    const bare = fakePython('bare-python', `echo "ModuleNotFoundError: No module named 'nautilus_trader'" >&2; exit 1`);
    expect(peerPython(bare, {})).toEqual({
      skipped: expect.stringContaining("cannot import nautilus_trader (ModuleNotFoundError: No module named 'nautilus_trader')"),
    });
  });

  it('--peer-python wins over ARBFLEET_PEER_PYTHON; the version is what nautilus_trader says', () => {
    const good = fakePython('good-python', 'echo 1.221.0');
    expect(peerPython(good, { ARBFLEET_PEER_PYTHON: join(dir, 'no-such-python') })).toEqual({ python: good, version: '1.221.0' });
    expect(peerPython(undefined, { ARBFLEET_PEER_PYTHON: good })).toEqual({ python: good, version: '1.221.0' });
  });
});

describe("the peer's run", () => {
  const spec = peerSpecOf(candles5m()) as PeerSpec;
  const printed = { nautilusTrader: '1.221.0', trades: 4309, tradeDigest: 'ab'.repeat(32), seconds: { import: 1, load: 0.5, run: 9, total: 10.5 } };

  it('reads the last line the script printed, beside the process time', () => {
    const python = fakePython('prints-result', `echo "some log line"; echo '${JSON.stringify(printed)}'`);
    const run = runPeer(python, spec) as PeerTiming;
    expect(run).toMatchObject(printed);
    expect(run.wallMs).toBeGreaterThan(0);
  });

  it('a failed run is skipped with the end of what it wrote', () => {
    const python = fakePython('fails', 'echo "peer: the campaign\'s duration ends before the candles do" >&2; exit 1');
    expect(runPeer(python, spec)).toEqual({ skipped: expect.stringMatching(/exited 1: peer: the campaign's duration ends before the candles do$/) });
    const silent = fakePython('prints-no-json', 'echo done');
    expect(runPeer(silent, spec)).toEqual({ skipped: expect.stringContaining('printed no JSON result on its last line, found: done') });
  });
});

describe("issue 19's targets on the 5-minute candles", () => {
  const digest = 'cd'.repeat(32);
  const base = {
    engine: { trades: 4309, tradeDigest: digest },
    fleet: { wallMs: 3000, daysPerSec: 30 },
    fleetToEngine: 1.5,
  } as unknown as Pick<BacktestResult, 'engine' | 'fleet' | 'fleetToEngine' | 'peer' | 'peerToFleet'>;
  const peer = { wallMs: 20_000, trades: 4309, tradeDigest: digest } as PeerTiming;

  it('met: the fleet within 5 s and 2× the engine, 5× faster than the peer, the very same trades', () => {
    expect(targetsMissed(base)).toEqual([]);
    expect(targetsMissed({ ...base, peer, peerToFleet: 5 })).toEqual([]);
  });

  it('the fleet less than 5× faster than the peer is flagged', () => {
    expect(targetsMissed({ ...base, peer, peerToFleet: 4.99 })).toEqual(['fleet < 5× faster than the peer']);
  });

  it("the peer's trades not the engine's (count or digest) are flagged; a skipped peer flags nothing of its own", () => {
    expect(targetsMissed({ ...base, peer: { ...peer, tradeDigest: 'ef'.repeat(32) }, peerToFleet: 6 })).toEqual([
      "trades differ: the peer's 4309 (digest efefefefefef), the engine's 4309 (cdcdcdcdcdcd)",
    ]);
    expect(targetsMissed({ ...base, peer: { ...peer, trades: 8526 }, peerToFleet: 6 })[0]).toMatch(/^trades differ: the peer's 8526/);
    expect(targetsMissed({ ...base, fleet: { wallMs: 5001, daysPerSec: 18 }, peer: { skipped: 'no Python' } })).toEqual(['fleet > 5 s']);
  });
});

describe('the command line', () => {
  it('--peer and --peer-python', () => {
    expect(parseBenchCommandLine(['--peer', '--peer-python', '/tmp/nautilus-venv/bin/python', '--runs', '1'], { out: () => {}, err: () => {} })).toMatchObject({
      peer: true,
      peerPython: '/tmp/nautilus-venv/bin/python',
      runs: 1,
    });
  });
});
