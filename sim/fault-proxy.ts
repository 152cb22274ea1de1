import { AsyncLocalStorage } from 'node:async_hooks';
import { asEpochMs, type Clock, type EpochMs } from '../core/clock.js';
import type { FaultLedger } from './fault-ledger.js';
import type { Prng } from './prng.js';
import type { SimLoop } from './sim-loop.js';

/**
 * One process of the simulated fleet (the control plane, or one task). `epoch` goes up when it
 * crashes: a call it made before is never answered (the process that waited for it is gone).
 */
export interface SimActor {
  name: string;
  epoch: number;
  alive: boolean;
  /** Frozen (SIGSTOP) until then, ms: it does nothing, and answers reach it only after. */
  frozenUntil: number;
  /** Cut off from every port until then, ms: its calls fail. */
  partitionedUntil: number;
  /** How far its wall clock runs ahead of true (virtual) time, ms (negative: behind). */
  skewMs: number;
}

export function newActor(name: string, skewMs = 0): SimActor {
  return { name, epoch: 0, alive: true, frozenUntil: 0, partitionedUntil: 0, skewMs };
}

/**
 * The wall clock the store stamps records with (`receivedAt`, `updatedAt`): the clock of the
 * process making the call (each process has its own clock). The caller's skew rides with the call
 * through every `await` before the store reads the clock (`AsyncLocalStorage`): set only around the
 * call's synchronous start, it was gone by the time a wrapper that awaits first (the ledger
 * oracle's status read) reached the store, and every engine's heartbeat was stamped in true time.
 */
export class CallerWallClock implements Clock {
  private readonly caller = new AsyncLocalStorage<number>();
  constructor(private readonly loop: SimLoop) {}
  now(): EpochMs {
    return asEpochMs(this.loop.now() + (this.caller.getStore() ?? 0));
  }
  /** Runs `apply`, and everything it awaits, on a clock `skewMs` off true time. */
  as<R>(skewMs: number, apply: () => Promise<R>): Promise<R> {
    return this.caller.run(skewMs, apply);
  }
}

/** `actor`'s wall clock: true time plus its skew. */
export function actorClock(loop: SimLoop, actor: SimActor): Clock {
  return { now: () => asEpochMs(loop.now() + actor.skewMs) };
}

/** What a port call may suffer, per call (probabilities in [0, 1], latency in ms). */
export interface CallFaults {
  /** The call fails before it reaches the port: nothing applied. */
  failBefore: number;
  /** The call is applied, then its answer is lost: the caller sees an error. */
  failAfter: number;
  /** Latency of each leg (request, answer): uniform in [0, maxLatencyMs]. */
  maxLatencyMs: number;
  /** A queue `send` is delivered twice. */
  duplicate: number;
  /** A queue `send` is held back 1 to 5 s more than asked (deliveries reorder). */
  reorder: number;
  /**
   * A call whose caller died (crashed, killed, a Lambda timed out) while its request was on the
   * wire is applied anyway, up to 3 s later, and never answered.
   */
  landAfterDeath: number;
}

/** An error the simulation injected: a timeout, a reset connection, a partition (retryable). */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/**
 * A store call refused by an injected store stall, carrying the code the real store answers with
 * (`SQLITE_BUSY` for a lock held past the caller's lock wait, `ProvisionedThroughputExceededException`
 * for throttling), so `storeTroubleOf` reads it as the product reads the real one.
 */
export class InjectedStoreStall extends InjectedFault {
  constructor(
    message: string,
    readonly code: 'SQLITE_BUSY' | 'ProvisionedThroughputExceededException',
  ) {
    super(message);
  }
}

/** Counts of what was injected, for the run's summary. */
export interface FaultCounts {
  failBefore: number;
  failAfter: number;
  partitioned: number;
  duplicated: number;
  reordered: number;
  landedAfterDeath: number;
  /** Store calls refused by a store stall. */
  stalled: number;
}

/**
 * Wraps real ports so that every call crosses a simulated network: it takes virtual time, may fail before or after it is applied (the real adapter does the applying), may be
 * duplicated or delayed (queue sends), is refused while its caller is partitioned, and is never
 * answered once its caller has crashed. The adapters themselves are the real ones.
 */
export class FaultInjector {
  readonly counts: FaultCounts = { failBefore: 0, failAfter: 0, partitioned: 0, duplicated: 0, reordered: 0, landedAfterDeath: 0, stalled: 0 };
  /**
   * How long a store call waits for a held lock before SQLITE_BUSY, ms: the control plane's
   * connection (`CONTROL_PLANE_LOCK_WAIT_SEC`) and an engine's (`engineLockWaitSec`), set by the simulation.
   */
  storeLockWaitMs = { cp: 10_000, engine: 0 };
  /** While false (the storm is over), calls only take their latency. */
  storming = true;
  /** The launcher refuses every launch until then, ms (an injected RunTask outage). */
  launcherDownUntil = 0;

  /**
   * @param streams the PRNG stream of an actor's calls (one per caller, so one caller's extra call
   *   does not shift another's faults)
   */
  constructor(
    private readonly loop: SimLoop,
    private readonly streams: (actor: string) => Prng,
    private readonly faults: CallFaults,
    private readonly ledger: FaultLedger,
    private readonly wall: CallerWallClock,
  ) {}

  /**
   * `target` seen from `actor`: each listed method goes through `call`. Other members pass through.
   * `port` names it in the trace.
   */
  wrap<T extends object>(target: T, port: string, actor: SimActor, methods: readonly (keyof T & string)[]): T {
    const wrapped = Object.create(target) as T;
    for (const method of methods) {
      const original = (target[method] as unknown as (...args: unknown[]) => Promise<unknown>).bind(target);
      const what = `${port}.${method}`;
      (wrapped as Record<string, unknown>)[method] = (...args: unknown[]) =>
        this.call(
          actor,
          what,
          (extra) => {
            if (what === 'launcher.launch' && this.storming && this.launcherDownUntil > this.loop.now()) {
              return Promise.reject(
                new InjectedFault(`launcher.launch: RunTask refused, no capacity (injected outage until ${this.launcherDownUntil - this.loop.start} ms)`),
              );
            }
            if (method === 'send' && port === 'queue' && extra > 0) {
              const delay = typeof args[1] === 'number' ? args[1] : 0;
              return original(args[0], Math.min(900, delay + extra));
            }
            return original(...args);
          },
          what === 'launcher.stop' && typeof args[0] === 'string' ? args[0] : undefined,
        );
    }
    return wrapped;
  }

  /**
   * One call from `actor`: request leg, faults, the real `apply` (under the caller's wall clock),
   * answer leg. `stopsTask` names the task a `launcher.stop` is for (a late landing is a fault on it).
   */
  async call<R>(actor: SimActor, what: string, apply: (extraDelaySec: number) => Promise<R>, stopsTask?: string): Promise<R> {
    const epoch = actor.epoch;
    const rng = this.streams(`calls ${actor.name}`);
    const queueRng = this.streams('queue');
    await this.leg(actor, epoch, true);
    if (actor.epoch !== epoch) return this.landAfterDeath(actor, what, rng, () => apply(0), stopsTask);
    const storm = this.storming;
    const now = this.loop.now();
    if (storm && actor.partitionedUntil > now) {
      this.counts.partitioned++;
      this.ledger.add(actor.name, 'call-fault', now, now, `${what} partitioned`);
      throw new InjectedFault(`${what}: partitioned (injected)`);
    }
    if (storm && what.startsWith('store.')) await this.stallGate(actor, epoch, what);
    if (storm && rng.chance(this.faults.failBefore)) {
      this.counts.failBefore++;
      this.ledger.add(actor.name, 'call-fault', now, now, `${what} failed before applying`);
      this.loop.note(actor.name, `${what} failed before applying (injected)`);
      throw new InjectedFault(`${what}: connection reset before it was applied (injected)`);
    }
    let extra = 0;
    if (storm && what === 'queue.send' && queueRng.chance(this.faults.reorder)) {
      extra = queueRng.int(1, 5);
      this.counts.reordered++;
    }
    let result: R | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await this.asCaller(actor, () => apply(extra));
      if (storm && what === 'queue.send' && queueRng.chance(this.faults.duplicate)) {
        this.counts.duplicated++;
        await this.asCaller(actor, () => apply(0));
      }
    } catch (caught) {
      failed = true;
      error = caught;
    }
    if (storm && rng.chance(this.faults.failAfter)) {
      this.counts.failAfter++;
      this.ledger.add(actor.name, 'call-fault', this.loop.now(), this.loop.now(), `${what} applied, answer lost`);
      this.loop.note(actor.name, `${what} applied${failed ? ' (and failed)' : ''}, answer lost (injected)`);
      await this.leg(actor, epoch);
      throw new InjectedFault(`${what}: timed out after it was applied (injected)`);
    }
    await this.leg(actor, epoch);
    if (failed) throw error;
    return result as R;
  }

  /**
   * A store call under the store stalls that hold `actor`'s calls (`StoreStall`): a held lock keeps
   * it waiting up to the caller's lock wait, then it fails with SQLITE_BUSY if the lock is still
   * held; throttling refuses it at once. Never answers a caller that died while it waited.
   */
  private async stallGate(actor: SimActor, epoch: number, what: string): Promise<void> {
    const who = actor.name === 'cp' ? 'cp' : 'engines';
    const held = () => this.ledger.stalls.find((s) => (s.scope === who || s.scope === 'both') && s.from <= this.loop.now() && this.loop.now() < s.to);
    let stall = held();
    if (!stall) return;
    if (stall.mode === 'lock') {
      const gives = this.loop.now() + (who === 'cp' ? this.storeLockWaitMs.cp : this.storeLockWaitMs.engine);
      while (stall && stall.mode === 'lock' && this.loop.now() < gives) {
        await this.loop.sleep(Math.min(stall.to, gives) - this.loop.now());
        if (actor.epoch !== epoch) return new Promise<void>(() => undefined);
        stall = held();
      }
      if (!stall) return;
    }
    this.counts.stalled++;
    const code = stall.mode === 'lock' ? 'SQLITE_BUSY' : 'ProvisionedThroughputExceededException';
    this.loop.note(actor.name, `${what} refused: ${code} (injected store stall until ${stall.to - this.loop.start})`);
    throw new InjectedStoreStall(
      `${what}: ${code}: the store is ${stall.mode === 'lock' ? 'locked by another process' : 'throttling'} (injected store stall)`,
      code,
    );
  }

  /** Runs `apply` with the store's wall clock set to `actor`'s. */
  private asCaller<R>(actor: SimActor, apply: () => Promise<R>): Promise<R> {
    return this.wall.as(actor.skewMs, apply);
  }

  /**
   * The caller died with this request on the wire: it lands anyway (with `landAfterDeath`'s
   * chance), up to 3 s later, unanswered; a `launcher.stop` so landing is a fault on its task.
   */
  private landAfterDeath<R>(actor: SimActor, what: string, rng: Prng, apply: () => Promise<R>, stopsTask: string | undefined): Promise<R> {
    if (this.storming && rng.chance(this.faults.landAfterDeath)) {
      const at = this.loop.now() + rng.int(0, 3_000);
      this.counts.landedAfterDeath++;
      this.loop.at(at, () => {
        this.loop.note(actor.name, `${what} lands after its caller died (injected)`);
        this.ledger.add(actor.name, 'call-fault', at, at, `${what} landed after its caller died`);
        if (stopsTask !== undefined) this.ledger.add(stopsTask, 'late-stop', at, at, `stop from ${actor.name}, which had died`);
        void this.asCaller(actor, apply).catch(() => undefined);
      });
    }
    return new Promise<R>(() => undefined);
  }

  /**
   * One network leg: the request's latency (`withLatency`; the answer's is folded into it, one
   * event per call), then waits out a freeze; never returns to a crashed caller.
   */
  private async leg(actor: SimActor, epoch: number, withLatency = false): Promise<void> {
    if (withLatency) {
      await this.loop.sleep(this.faults.maxLatencyMs > 0 ? this.streams(`latency ${actor.name}`).int(0, this.faults.maxLatencyMs) : 0);
      if (actor.epoch !== epoch) return; // the caller died with the request on the wire: `call` decides whether it lands
    }
    for (;;) {
      if (actor.epoch !== epoch) return new Promise<void>(() => undefined);
      if (actor.frozenUntil <= this.loop.now()) return;
      await this.loop.sleep(actor.frozenUntil - this.loop.now());
    }
  }
}
