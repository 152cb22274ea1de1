/**
 * The peer of issue 19's backtest target: nautilus_trader's BacktestEngine running arbfleet's
 * shipped rule on the same real candles (`peer_nautilus.py` beside this file, which states what is
 * the same and what differs), measured in the same run as the fleet (`npm run bench -- --backtest
 * --peer`, or `--peer` alone for the 5-minute candles only). Its wall time is the whole Python
 * process, spawn to exit (import, load and run; nautilus' optional post-run statistics off), as
 * the fleet's is `arbfleet run`'s; the script's own phases come beside it.
 *
 * The Python is `--peer-python PATH`, else `ARBFLEET_PEER_PYTHON`; without either, or when it
 * cannot import nautilus_trader, the peer is skipped with how to install it
 * (`scripts/peer-venv.sh`). A benchmark, not a test: never part of `npm test` or CI.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Campaign } from '../../core/config/resolve-campaign.js';
import { timed } from './timed.js';

/** How to get a Python with nautilus_trader, for the skip message. */
export const PEER_INSTALL =
  'install it outside the repository with `bash scripts/peer-venv.sh` (a venv in /tmp/nautilus-venv, nautilus_trader pinned), ' +
  'then pass the Python it prints: `npm run bench -- --backtest --peer --peer-python /tmp/nautilus-venv/bin/python` or ARBFLEET_PEER_PYTHON=…';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'peer_nautilus.py');

/** What the peer measured: the process's wall and CPU time, and what the script printed. */
export interface PeerTiming {
  wallMs: number;
  cpuSec?: number;
  nautilusTrader: string;
  python: string;
  bars: number;
  decisions: number;
  /** Entries made, each closed (two market orders in, two out). */
  trades: number;
  orders: number;
  ordersFilled: number;
  /** Entries refused, by arbfleet's reason names (`Progress.refusals`). */
  refusals: Record<string, number>;
  /** Closes by reason (`max-holding`, `reversion`, …). */
  exits: Record<string, number>;
  /** SHA-256 of the trades' opens and closes, as the bench's engine alone makes it (`backtest.ts`, `DiscardingPersistence`). */
  tradeDigest: string;
  /** The script's phases, seconds: nautilus' import, the candles' load and the engine's set-up, the run. */
  seconds: { import: number; load: number; run: number; total: number };
}

/** What `peer_nautilus.py` reads (`--spec`): the campaign's files and values, times in ms. */
export interface PeerSpec {
  sources: { a: { path: string; halfSpreadBps: number }; b: { path: string; halfSpreadBps: number }; fx: { path: string } };
  venues: Record<'a' | 'b', { name: string; quote: string; takerFeeBps: number }>;
  /** The configured rate, until the first one from the file. */
  fxRate: number;
  durationMs: number;
  strategy: {
    entryBps: number;
    exitBps: number;
    takeProfitBps: number;
    stopLossBps: number;
    maxHoldingMs: number;
    orderNotional: number;
    maxQuoteAgeMs: number;
    fxJumpBps: number;
  };
  risk: { maxOpenTrades: number; maxOpenTradesPerSymbol: number; maxNotionalPerSymbol: number };
}

/** A peer that did not run, and why (with how to install it when it is missing). */
export interface PeerSkipped {
  skipped: string;
}

/**
 * The values `peer_nautilus.py` needs from a campaign, or why it cannot run it: the peer replays
 * one symbol, two `ccxt-ohlcv` sources and an `fx-daily` one, under the shipped rule
 * (`premiumBaseline: none`), the `top` execution model without latency, and no `maxFxAge`.
 */
export function peerSpecOf(campaign: Campaign): PeerSpec | PeerSkipped {
  const c = campaign.config;
  const feed = c.feed;
  if (feed.kind !== 'replay' || feed.sources === undefined) return { skipped: 'the peer replays feed.sources (ccxt-ohlcv candles and fx-daily rates) only' };
  const source = (venue: string) => feed.sources?.find((s) => s.venue === venue);
  const a = source('a');
  const b = source('b');
  const fx = source('fx');
  if (campaign.symbols.length !== 1) return { skipped: `the peer trades one symbol, the campaign has ${campaign.symbols.length}` };
  if (a?.format !== 'ccxt-ohlcv' || b?.format !== 'ccxt-ohlcv' || fx?.format !== 'fx-daily' || feed.sources.length !== 3)
    return { skipped: 'the peer reads venue a and b as ccxt-ohlcv candles and venue fx as fx-daily rates, one source each' };
  if (a.halfSpreadBps === undefined || b.halfSpreadBps === undefined) return { skipped: 'ccxt-ohlcv sources need halfSpreadBps' };
  if (c.strategy.premiumBaseline.kind !== 'none') return { skipped: 'the peer runs the shipped rule (strategy.premiumBaseline: none)' };
  if (c.execution.model !== 'top' || c.execution.latency.a !== 0 || c.execution.latency.b !== 0)
    return { skipped: 'the peer fills at the top without latency (execution: top, latency 0)' };
  if (c.strategy.maxFxAge !== undefined) return { skipped: 'the peer has no FX age bound (strategy.maxFxAge)' };
  if (feed.from !== undefined || feed.to !== undefined) return { skipped: 'the peer replays the whole files (no feed.from or feed.to)' };
  const s = c.strategy;
  const r = c.risk;
  return {
    sources: { a: { path: a.path, halfSpreadBps: a.halfSpreadBps }, b: { path: b.path, halfSpreadBps: b.halfSpreadBps }, fx: { path: fx.path } },
    venues: {
      a: { name: c.venues.a.name, quote: c.venues.a.quoteCurrency, takerFeeBps: c.venues.a.takerFeeBps },
      b: { name: c.venues.b.name, quote: c.venues.b.quoteCurrency, takerFeeBps: c.venues.b.takerFeeBps },
    },
    fxRate: campaign.fxRate,
    durationMs: c.duration * 1000,
    strategy: {
      entryBps: s.entryBps,
      exitBps: s.exitBps,
      takeProfitBps: s.takeProfitBps,
      stopLossBps: s.stopLossBps,
      maxHoldingMs: s.maxHolding * 1000,
      orderNotional: s.orderNotional,
      maxQuoteAgeMs: s.maxQuoteAge * 1000,
      fxJumpBps: s.fxJumpBps,
    },
    risk: {
      maxOpenTrades: r.maxOpenTrades,
      maxOpenTradesPerSymbol: r.maxOpenTradesPerSymbol,
      maxNotionalPerSymbol: r.maxNotionalPerSymbol ?? s.orderNotional * r.maxOpenTradesPerSymbol,
    },
  };
}

/**
 * The Python to run the peer with (`option`, else `ARBFLEET_PEER_PYTHON`) and nautilus_trader's
 * version in it, or why there is none.
 */
export function peerPython(option: string | undefined, env: NodeJS.ProcessEnv = process.env): { python: string; version: string } | PeerSkipped {
  const python = option ?? env.ARBFLEET_PEER_PYTHON;
  if (python === undefined || python === '')
    return { skipped: `no Python with nautilus_trader given (--peer-python or ARBFLEET_PEER_PYTHON): ${PEER_INSTALL}` };
  const probe = spawnSync(python, ['-c', 'import nautilus_trader; print(nautilus_trader.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { skipped: `${python} does not run (${probe.error.message}): ${PEER_INSTALL}` };
  if (probe.status !== 0) return { skipped: `${python} cannot import nautilus_trader (${probe.stderr.trim().split('\n').pop()}): ${PEER_INSTALL}` };
  return { python, version: probe.stdout.trim() };
}

/** Runs the peer once on `spec` and reads its result (the last line it printed); a failed run is skipped, with its stderr's end. */
export function runPeer(python: string, spec: PeerSpec): PeerTiming | PeerSkipped {
  const run = timed([python, SCRIPT, '--spec', JSON.stringify(spec)], process.cwd());
  if (run.status !== 0) return { skipped: `${python} ${SCRIPT} exited ${run.status}: ${run.stderr.trim().slice(-1000)}` };
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return { wallMs: run.wallMs, ...(run.cpuSec !== undefined ? { cpuSec: run.cpuSec } : {}), ...(JSON.parse(last) as Omit<PeerTiming, 'wallMs' | 'cpuSec'>) };
  } catch {
    return { skipped: `${SCRIPT} printed no JSON result on its last line, found: ${last.slice(0, 300)}` };
  }
}
