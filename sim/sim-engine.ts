import { asEpochMs, type EpochMs } from '../core/clock.js';
import { FencedOutError, isRetryable } from '../core/errors.js';
import { ENGINE_EXIT } from '../core/exit-codes.js';
import { describeStoreTrouble, noteStoreTrouble, STORE_UNAVAILABLE_PREFIX, storeTroubleOf, type StoreTrouble } from '../core/fleet/store-trouble.js';
import type { Checkpoint } from '../core/model/checkpoint.js';
import { fillCashMicros, type Fill } from '../core/model/fill.js';
import type { EngineStop, Progress } from '../core/model/progress.js';
import { epochMs, micros, ZERO_MICROS } from '../core/model/units.js';
import type { ShardPersistence } from '../core/ports.js';
import type { SimActor } from './fault-proxy.js';
import type { LedgerOracle } from './ledger-oracle.js';
import type { Prng } from './prng.js';
import type { SimLoop } from './sim-loop.js';

/** What a simulated engine is told at launch (from its campaign's config and the task environment). */
export interface EngineSettings {
  shard: string;
  symbols: string[];
  heartbeatMs: number;
  flushMs: number;
  /** One turn of the engine's loop, ms: a chance of a trade each turn. */
  turnMs: number;
  /** No heartbeat written this long and the engine fences itself (`selfFenceSec`, `core/fleet/timeouts.ts`), ms. */
  selfFenceMs: number;
  /** No commit this long and the engine stops trading (`commitBoundSec`), ms. */
  commitBoundMs: number;
  /** A failed heartbeat is tried again this soon while the store is in trouble (`storeRetrySec`), ms. */
  storeRetryMs: number;
  /** When the campaign ends: the engine commits and exits 0. */
  endsAt: number;
  tradeChance: number;
  /** Bad input: the engine refuses it and exits 2 at once. */
  badInput: boolean;
  /** The exit code for a store busy or unreachable past the self-fence or commit bound: 4 (`ENGINE_EXIT.STORE_UNAVAILABLE`) unless a planted bug says otherwise. */
  storeUnavailableExit: number;
}

/** How a simulated engine's process ended: an exit code (null when killed) and its last words. */
export interface EngineExit {
  code: number | null;
  message: string;
}

/** The process around an engine: its actor (crash, freeze), stop requests, its exit. */
export interface EngineHost {
  actor: SimActor;
  stopRequested(): boolean;
  /** Resident memory now, bytes. */
  rssBytes(): number;
  exit(exit: EngineExit): void;
  /** Registers the process's SIGTERM handler: called with the signal when its launcher asks it to stop (the model polls `stopRequested` instead). */
  onSignal?(handler: (signal: string) => void): void;
}

/**
 * A simulated engine, after `engine-task/src/runner.ts`: restores from checkpoint + ledger tail
 * through the real `ShardPersistence` port, makes deterministic fills (four per trade), commits
 * them with a checkpoint every `flushMs`, heartbeats every `heartbeatMs`, and ends as the real
 * runner does: exit 0 at the campaign's end or on a stop once everything is committed; exit 3
 * when fenced out or when it could not heartbeat for `selfFenceMs`; exit 1 when no commit
 * succeeded for `commitBoundMs` or a commit was refused for good (never exit 0 with fills
 * uncommitted); exit 4 instead of 3 or 1 when the store was busy or unreachable meanwhile
 * (`storeTroubleOf`: the heartbeats' and the commits' trouble kept apart, each cleared by its own
 * success), its last words naming what it waited on; exit 2 on bad input. As the runner's writes
 * run beside its loop, a write in flight does not hold up the self-fence and commit-bound checks;
 * a failed heartbeat is tried again after `storeRetryMs` while the store is in trouble.
 */
export class SimEngine {
  private fills: Fill[] = [];
  private committedSeq = -1;
  private nextSeq = 0;
  private nextTradeId = 0;
  private pnlMicros = 0;
  private committedPnlMicros = 0;
  private fillsA = 0;
  private fillsB = 0;
  private turns = 0;
  private startedAt = 0;
  private lastHeartbeatOk = 0;
  private lastCommitOk = 0;
  private refused: string | undefined;
  /** The current run of busy or unreachable answers to heartbeats, and to commits (`core/fleet/store-trouble.ts`). */
  private storeTrouble: StoreTrouble | undefined;
  private commitTrouble: StoreTrouble | undefined;

  constructor(
    private readonly loop: SimLoop,
    private readonly rng: Prng,
    private readonly port: ShardPersistence,
    private readonly host: EngineHost,
    private readonly settings: EngineSettings,
    private readonly oracle: LedgerOracle,
  ) {}

  async run(): Promise<void> {
    const exit = await this.lifetime().catch((error: unknown) =>
      error instanceof FencedOutError
        ? { code: ENGINE_EXIT.FENCED_OUT, message: `fenced: ${error.message}` }
        : error instanceof StoreGaveUp
          ? { code: this.settings.storeUnavailableExit, message: error.message }
          : { code: ENGINE_EXIT.FATAL, message: `crashed: ${String(error)}` },
    );
    this.host.exit(exit);
  }

  private async lifetime(): Promise<EngineExit> {
    const s = this.settings;
    if (s.badInput) return { code: ENGINE_EXIT.BAD_INPUT, message: `config ${s.shard}: symbols[0]: bad input (simulated); exit 2` };
    this.startedAt = this.loop.now();
    await this.restore();
    this.lastHeartbeatOk = this.lastCommitOk = this.loop.now();
    let nextFlush = this.loop.now() + s.flushMs;
    let nextHeartbeat = this.loop.now();
    let nextTurn = this.loop.now();
    for (;;) {
      const now = this.loop.now();
      if (this.host.stopRequested()) return this.finish('stopped by its launcher', { by: 'signal', signal: 'SIGTERM' });
      if (this.wallNow() >= s.endsAt) return this.finish('campaign end', { by: 'deadline' });
      if (now - this.lastHeartbeatOk > s.selfFenceMs) {
        const why = `no heartbeat written for ${now - this.lastHeartbeatOk}ms`;
        if (this.storeTrouble)
          return { code: this.settings.storeUnavailableExit, message: `${STORE_UNAVAILABLE_PREFIX}${describeStoreTrouble(this.storeTrouble, now)}; ${why}` };
        return { code: ENGINE_EXIT.FENCED_OUT, message: `self-fenced: ${why}` };
      }
      const failure = this.commitFailure(now);
      if (failure) return this.commitFailureExit(failure);
      if (now >= nextTurn) {
        this.turns++;
        if (this.rng.chance(s.tradeChance)) this.trade(this.wallNow());
        nextTurn = asEpochMs(now + s.turnMs);
      }
      if (now >= nextFlush) {
        const ok = await this.bounded(this.commit());
        // As the runner: a commit that failed on the store's trouble is tried again after the store retry, not a flush later.
        nextFlush = this.loop.now() + (ok !== true && this.commitTrouble ? s.storeRetryMs : s.flushMs);
      }
      if (this.loop.now() >= nextHeartbeat) {
        const ok = await this.bounded(this.heartbeat());
        nextHeartbeat = asEpochMs(this.loop.now() + (ok !== true && this.storeTrouble ? s.storeRetryMs : s.heartbeatMs));
      }
      // Wake for the next turn, timer, or fence deadline, whichever comes first (the runner looks every 50 ms).
      const at = this.loop.now();
      await this.sleep(Math.max(1, Math.min(nextTurn, nextFlush, nextHeartbeat, this.fenceDeadline() + 1) - at));
    }
  }

  /** When the self-fence or the commit bound passes, whichever comes first (ms). */
  private fenceDeadline(): number {
    return Math.min(this.lastHeartbeatOk + this.settings.selfFenceMs, this.lastCommitOk + this.settings.commitBoundMs);
  }

  /**
   * A write as the runner's loop sees it: its answer, or undefined once the self-fence or commit
   * bound passes with it still in flight (it carries on; the loop's checks end the run).
   */
  private async bounded<T>(write: Promise<T>): Promise<T | undefined> {
    const wait = this.fenceDeadline() + 1 - this.loop.now();
    if (wait <= 0) return write;
    return Promise.race([write, this.sleep(wait).then(() => undefined)]);
  }

  /** How a run that must stop for its commits ends: exit 4 while the store is in trouble (not refused), else 1. */
  private commitFailureExit(failure: string): EngineExit {
    if (this.refused === undefined && this.commitTrouble) return { code: this.settings.storeUnavailableExit, message: `${STORE_UNAVAILABLE_PREFIX}${failure}` };
    return { code: ENGINE_EXIT.FATAL, message: failure };
  }

  /** Restores, retrying a failing store for up to `selfFenceMs`. */
  private async restore(): Promise<void> {
    for (;;) {
      try {
        const point = await this.port.restore();
        const cp = point.checkpoint;
        this.committedSeq = cp?.lastFillSeq ?? -1;
        this.nextTradeId = cp?.nextTradeId ?? 0;
        this.fillsA = cp?.fillsA ?? 0;
        this.fillsB = cp?.fillsB ?? 0;
        this.pnlMicros = (cp?.symbols ?? []).reduce((sum, c) => sum + c.realizedPnlMicros, 0);
        for (const fill of point.ledgerTail) {
          this.pnlMicros += fillCashMicros(fill);
          this.committedSeq = fill.seq;
          this.nextTradeId = Math.max(this.nextTradeId, fill.tradeId + 1);
          if (fill.venue === 'A') this.fillsA++;
          else this.fillsB++;
        }
        this.nextSeq = this.committedSeq + 1;
        this.committedPnlMicros = this.pnlMicros;
        return;
      } catch (error) {
        if (error instanceof FencedOutError) throw error;
        if (this.loop.now() - this.startedAt > this.settings.selfFenceMs) {
          const trouble = storeTroubleOf(error);
          // As main.ts: a store busy or unreachable is exit 4 with its words, anything else a crash.
          if (trouble) throw new StoreGaveUp(`${STORE_UNAVAILABLE_PREFIX}${trouble.code}: could not restore: ${String(error)}`);
          throw new Error(`could not restore: ${String(error)}`);
        }
        await this.sleep(250);
      }
    }
  }

  /** One trade: open and close on both venues, four fills with deterministic content. */
  private trade(now: number): void {
    const tradeId = this.nextTradeId++;
    const symbol = this.rng.pick(this.settings.symbols);
    const qty = this.rng.int(1, 1000) / 1000;
    const priceB = 100 + this.rng.int(0, 100_000) / 1000;
    const fxRate = 1380;
    const spread = this.rng.int(-30, 60) / 10_000;
    const legs: [Fill['venue'], Fill['side'], Fill['kind'], number][] = [
      ['A', 'BUY', 'OPEN', priceB * fxRate],
      ['B', 'SELL', 'OPEN', priceB * (1 + spread)],
      ['A', 'SELL', 'CLOSE', priceB * fxRate * (1 + spread / 2)],
      ['B', 'BUY', 'CLOSE', priceB],
    ];
    for (const [venue, side, kind, price] of legs) {
      const fee = (qty * price * (venue === 'A' ? 5 : 10)) / 10_000;
      const fill: Fill = {
        seq: this.nextSeq++,
        tradeId,
        symbol,
        venue,
        side,
        kind,
        reason: kind === 'OPEN' ? 'ENTRY' : 'REVERSION',
        qty,
        price,
        fee,
        fxRate,
        ts: now,
        eventTs: now,
        wallTs: now,
        generation: this.port.generation,
      };
      this.fills.push(fill);
      this.pnlMicros += fillCashMicros(fill);
      if (venue === 'A') this.fillsA++;
      else this.fillsB++;
      this.oracle.fillsMade++;
    }
  }

  /** Commits every fill not yet committed, with a checkpoint; a failure is retried at the next flush. */
  private async commit(): Promise<boolean> {
    const batch = this.fills.slice();
    const last = batch.length > 0 ? (batch[batch.length - 1] as Fill).seq : this.committedSeq;
    const pnl = this.committedPnlMicros + batch.reduce((sum, f) => sum + fillCashMicros(f), 0);
    if (batch.length === 0) {
      this.lastCommitOk = this.loop.now();
      this.commitTrouble = undefined;
      return true;
    }
    try {
      await this.port.commit(batch, this.checkpoint(last, pnl, batch));
    } catch (error) {
      if (error instanceof FencedOutError) throw error;
      this.commitTrouble = noteStoreTrouble(this.commitTrouble, error, this.loop.now()) ?? this.commitTrouble;
      if (!isRetryable(error)) this.refused ??= String(error);
      return false;
    }
    this.commitTrouble = undefined;
    this.fills = this.fills.filter((f) => f.seq > last);
    this.committedSeq = last;
    this.committedPnlMicros = pnl;
    this.lastCommitOk = this.loop.now();
    this.oracle.toldCommitted(this.settings.shard, { generation: this.port.generation, fills: batch, committedSeq: last, pnlMicros: pnl });
    return true;
  }

  private checkpoint(lastFillSeq: number, pnlMicros: number, batch: Fill[]): Checkpoint {
    const [first, ...rest] = this.settings.symbols;
    const counters = (symbol: string, pnl: number) => ({
      symbol,
      ticks: this.turns,
      trades: 0,
      tradesClosed: 0,
      rejectedEntries: 0,
      realizedPnlMicros: micros(pnl, 'checkpoint.symbols[].realizedPnlMicros'),
    });
    const pending = this.fills.filter((f) => f.seq > lastFillSeq);
    return {
      version: 1,
      generation: this.port.generation,
      writtenAt: this.wallNow(),
      lastFillSeq,
      nextTradeId: batch.length > 0 ? Math.max(...batch.map((f) => f.tradeId)) + 1 : this.nextTradeId,
      fillsA: this.fillsA - pending.filter((f) => f.venue === 'A').length,
      fillsB: this.fillsB - pending.filter((f) => f.venue === 'B').length,
      symbols: [counters(first as string, pnlMicros), ...rest.map((s) => counters(s, 0))],
      openTrades: [],
      feed: {},
    };
  }

  /** One heartbeat; true when it was written. */
  private async heartbeat(stop?: EngineStop): Promise<boolean> {
    try {
      await this.port.heartbeat(stop === undefined ? this.progress() : { ...this.progress(), stop });
      this.lastHeartbeatOk = this.loop.now();
      this.storeTrouble = undefined;
      return true;
    } catch (error) {
      if (error instanceof FencedOutError) throw error;
      this.storeTrouble = noteStoreTrouble(this.storeTrouble, error, this.loop.now()) ?? this.storeTrouble;
      return false;
    }
  }

  /**
   * The last commit: tried until it succeeds or the commit bound passes; then the heartbeat saying why the engine stopped (`stop`, as the real runner's final heartbeat does).
   */
  private async finish(why: string, stop: EngineStop): Promise<EngineExit> {
    for (;;) {
      if (await this.commit()) break;
      const failure = this.commitFailure(this.loop.now());
      if (failure) {
        const exit = this.commitFailureExit(failure);
        return { code: exit.code, message: exit.message.startsWith(STORE_UNAVAILABLE_PREFIX) ? exit.message : `${why}: ${failure}` };
      }
      await this.sleep(200);
    }
    // As the runner: the final heartbeat (why it stopped) is tried again through a store stall until the self-fence would fall.
    while (!(await this.heartbeat(stop)) && this.storeTrouble && this.loop.now() - this.lastHeartbeatOk < this.settings.selfFenceMs) {
      await this.sleep(this.settings.storeRetryMs);
    }
    return { code: ENGINE_EXIT.OK, message: `${why}: ${this.committedSeq + 1} fill(s) committed` };
  }

  private commitFailure(now: number): string | undefined {
    if (this.refused !== undefined) return `commit refused: ${this.refused}`;
    if (now - this.lastCommitOk <= this.settings.commitBoundMs) return undefined;
    const trouble = this.commitTrouble ? `${describeStoreTrouble(this.commitTrouble, now)}; ` : '';
    return `${trouble}no commit succeeded for ${now - this.lastCommitOk}ms; ${this.fills.length} fill(s) uncommitted`;
  }

  /** This process's wall clock (true time plus its skew): what timestamps and `endsAt` are read on; its timers are monotonic. */
  private wallNow(): EpochMs {
    return asEpochMs(this.loop.now() + this.host.actor.skewMs);
  }

  private progress(): Progress {
    const uptimeSec = (this.loop.now() - this.startedAt) / 1000;
    const now = this.wallNow();
    return {
      at: epochMs(now, 'progress.at'),
      uptimeSec,
      ticks: this.turns,
      ticksPerSec: uptimeSec > 0 ? this.turns / uptimeSec : 0,
      trades: 0,
      tradesClosed: 0,
      openTrades: 0,
      fillsA: this.fillsA,
      fillsB: this.fillsB,
      lastFillSeq: this.committedSeq,
      rejectedEntries: 0,
      realizedPnlMicros: micros(this.pnlMicros, 'progress.realizedPnlMicros'),
      unrealizedPnlMicros: ZERO_MICROS,
      latencyP50Us: 1,
      latencyP99Us: 1,
      latencyMaxUs: 1,
      rssBytes: this.host.rssBytes(),
      heapUsedBytes: 20_000_000,
      symbols: this.settings.symbols.map((symbol) => ({
        symbol,
        ticks: this.turns,
        trades: 0,
        openTrades: 0,
        realizedPnlMicros: ZERO_MICROS,
        latencyP99Us: 1,
      })),
      turns: this.turns,
    };
  }

  /** A timer of this process: virtual time, held up by a freeze, never firing after a crash. */
  private async sleep(ms: number): Promise<void> {
    const { actor } = this.host;
    const epoch = actor.epoch;
    await this.loop.sleep(ms);
    for (;;) {
      if (actor.epoch !== epoch) return new Promise<void>(() => undefined);
      if (actor.frozenUntil <= this.loop.now()) return;
      await this.loop.sleep(actor.frozenUntil - this.loop.now());
    }
  }
}

/** The engine gave up on a busy or unreachable store before it could restore (exit 4, as `engine-task/src/main.ts`). */
class StoreGaveUp extends Error {
  override readonly name = 'StoreGaveUp';
}
