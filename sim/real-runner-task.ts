import { campaignFromObject } from '../core/config/load-config.js';
import type { Checkpoint } from '../core/model/checkpoint.js';
import type { Fill } from '../core/model/fill.js';
import type { ShardPersistence } from '../core/ports.js';
import { endOfError, endOfOutcome, type EngineEnd } from '../engine-task/src/engine-exit.js';
import { ShardRunner, type RunnerTimers } from '../engine-task/src/runner.js';
import { actorClock, type SimActor } from './fault-proxy.js';
import type { LedgerOracle } from './ledger-oracle.js';
import type { EngineHost } from './sim-engine.js';
import type { SimLoop } from './sim-loop.js';

/** What a real-runner task is started with: what the fleet's launch gives the engine's entrypoint (`engine-task/src/main.ts`). */
export interface RealRunnerSettings {
  /** `<campaignId>/<shardId>`, the oracle's name for the shard. */
  shard: string;
  /** The campaign's config as the store holds it (`ARBFLEET_CONFIG_FROM=store`). */
  config: Record<string, unknown>;
  shardIndex: number;
  symbols: string[];
  /** `ARBFLEET_STARTED_AT` and `ARBFLEET_ENDS_AT`, wall ms. */
  startAt: number;
  endsAt: number;
  /** Bad input: the task is given a config the engine refuses (it exits 2, as the model does). */
  badInput: boolean;
}

/**
 * One task running the real engine (`ShardRunner`, `engine-task/src/runner.ts` + `engine.ts`) in
 * real-time mode on the simulation's virtual time: its wall clock is its actor's (true time plus
 * its skew), its timers' clock the loop's, and its timers (`RunnerTimers`) are this process's: they
 * take virtual time, are held up by a freeze and never fire once the task has died. Its feed is the
 * engine's own synthetic feed (`feed.kind: synthetic`, seeded by the config), so trades and fills
 * happen; its store port is the fault-injected one the model gets (`startEngine`,
 * `sim/simulation.ts`). It ends as `main.ts` ends the process, through the same mapping
 * (`engine-task/src/engine-exit.ts`): the code and last stderr line the fleet then reads. A stop
 * the launcher asks for reaches it as SIGTERM (`runner.stop`), as main.ts's signal handler does.
 *
 * The oracle is told of each commit whose answer reached the engine (the fills, the last seq, and
 * the cash of every fill up to it: realised P&L of the closed trades plus the entry cash of the
 * open ones, `Checkpoint.openTrades[].entryCashMicros`, which is what the ledger up to that seq sums to).
 */
export async function runRealRunnerTask(
  loop: SimLoop,
  port: ShardPersistence,
  host: EngineHost,
  settings: RealRunnerSettings,
  oracle: LedgerOracle,
): Promise<void> {
  const { actor } = host;
  const told = toldPort(port, settings.shard, oracle);
  let end: EngineEnd;
  // A clean end or a fence writes no last words to stderr: the trace then names the run's end and reason, as its summary line does.
  let summary = '';
  try {
    const config = settings.badInput ? { ...settings.config, feed: { ...(settings.config.feed as object), ticksPerSecond: -1 } } : settings.config;
    const campaign = campaignFromObject(config, `campaign ${settings.shard.split('/')[0]} in the store`);
    const runner = new ShardRunner({
      campaign,
      shardIndex: settings.shardIndex,
      symbols: settings.symbols,
      persistence: told,
      mode: 'real',
      log: { log: (level, event, fields) => traceLine(loop, actor, level, event, fields) },
      clock: actorClock(loop, actor),
      monotonic: () => loop.now(),
      timers: processTimers(loop, actor),
      startAt: settings.startAt,
      endsAt: settings.endsAt,
      memory: () => ({ rssBytes: host.rssBytes(), heapUsedBytes: 20_000_000 }),
    });
    host.onSignal?.((signal) => runner.stop(signal));
    const outcome = await runner.run();
    summary = `${outcome.end}: ${outcome.reason}; ${outcome.fillsCommitted} fill(s) committed`;
    end = endOfOutcome(outcome);
  } catch (error) {
    end = endOfError(error);
  }
  host.exit({ code: end.code, message: end.lastWords ?? summary });
}

/**
 * The timers of one simulated process: `sleep` takes virtual time, then waits out a freeze
 * (SIGSTOP), and never returns once the process has died (its epoch moved on); `yield` is a
 * sleep of 0 (one turn of the simulation's loop). A delay below 1 ms (or not a number, or past
 * 2³¹ − 1) is 1 ms, as Node's `setTimeout` makes it: a loop that waits 0 ms in a real process
 * polls at 1 kHz, where on virtual time it would never let the clock move.
 */
export function processTimers(loop: SimLoop, actor: SimActor): RunnerTimers {
  const sleep = async (ms: number, yielding = false): Promise<void> => {
    const epoch = actor.epoch;
    await loop.sleep(yielding ? 0 : ms >= 1 && ms <= 2_147_483_647 ? ms : 1);
    for (;;) {
      if (actor.epoch !== epoch) return new Promise<void>(() => undefined);
      if (actor.frozenUntil <= loop.now()) return;
      await loop.sleep(actor.frozenUntil - loop.now());
    }
  };
  return {
    sleep,
    timeout(fire, ms) {
      let cancelled = false;
      void sleep(ms).then(() => {
        if (!cancelled) fire();
      });
      return () => {
        cancelled = true;
      };
    },
    yield: () => sleep(0, true),
  };
}

/** `port` with every commit whose success reached the engine told to the oracle (fills, last seq, cash up to it). */
function toldPort(port: ShardPersistence, shard: string, oracle: LedgerOracle): ShardPersistence {
  const wrapped = Object.create(port) as ShardPersistence & { commit: ShardPersistence['commit'] };
  wrapped.commit = async (fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> => {
    await port.commit(fills, checkpoint);
    if (!checkpoint) return;
    const realised = checkpoint.symbols.reduce((sum, s) => sum + s.realizedPnlMicros, 0);
    const open = checkpoint.openTrades.reduce((sum, t) => sum + t.entryCashMicros, 0);
    oracle.toldCommitted(shard, { generation: port.generation, fills: [...fills], committedSeq: checkpoint.lastFillSeq, pnlMicros: realised + open });
  };
  return wrapped;
}

/** The runner's log lines worth a trace line (not the monitor's per-symbol lines, not debug). */
function traceLine(loop: SimLoop, actor: SimActor, level: string, event: string, fields: Record<string, unknown> | undefined): void {
  if (level === 'debug' || event === 'monitor') return;
  const rest = fields ? Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`) : [];
  loop.note(actor.name, `${level} ${event}${rest.join('')}`);
}
