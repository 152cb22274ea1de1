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
}

export function newActor(name: string): SimActor {
  return { name, epoch: 0, alive: true, frozenUntil: 0, partitionedUntil: 0 };
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
}

/** An error the simulation injected: a timeout, a reset connection, a partition (retryable). */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/** Counts of what was injected, for the run's summary. */
export interface FaultCounts {
  failBefore: number;
  failAfter: number;
  partitioned: number;
  duplicated: number;
  reordered: number;
}

/**
 * Wraps real ports so that every call crosses a simulated network: it takes virtual time, may fail before or after it is applied (the real adapter does the applying), may be
 * duplicated or delayed (queue sends), is refused while its caller is partitioned, and is never
 * answered once its caller has crashed. The adapters themselves are the real ones.
 */
export class FaultInjector {
  readonly counts: FaultCounts = { failBefore: 0, failAfter: 0, partitioned: 0, duplicated: 0, reordered: 0 };
  /** While false (the storm is over), calls only take their latency. */
  storming = true;

  constructor(
    private readonly loop: SimLoop,
    private readonly rng: Prng,
    private readonly faults: CallFaults,
  ) {}

  /**
   * `target` seen from `actor`: each listed method goes through `call`. Other members pass through.
   * `port` names it in the trace.
   */
  wrap<T extends object>(target: T, port: string, actor: SimActor, methods: readonly (keyof T & string)[]): T {
    const wrapped = Object.create(target) as T;
    for (const method of methods) {
      const original = (target[method] as unknown as (...args: unknown[]) => Promise<unknown>).bind(target);
      (wrapped as Record<string, unknown>)[method] = (...args: unknown[]) =>
        this.call(actor, `${port}.${method}`, (extra) => {
          if (method === 'send' && port === 'queue' && extra > 0) {
            const delay = typeof args[1] === 'number' ? args[1] : 0;
            return original(args[0], Math.min(900, delay + extra));
          }
          return original(...args);
        });
    }
    return wrapped;
  }

  /** One call from `actor`: request leg, faults, the real `apply`, answer leg. */
  async call<R>(actor: SimActor, what: string, apply: (extraDelaySec: number) => Promise<R>): Promise<R> {
    const epoch = actor.epoch;
    await this.leg(actor, epoch, true);
    const storm = this.storming;
    if (storm && actor.partitionedUntil > this.loop.now()) {
      this.counts.partitioned++;
      throw new InjectedFault(`${what}: partitioned (injected)`);
    }
    if (storm && this.rng.chance(this.faults.failBefore)) {
      this.counts.failBefore++;
      this.loop.note(actor.name, `${what} failed before applying (injected)`);
      throw new InjectedFault(`${what}: connection reset before it was applied (injected)`);
    }
    let extra = 0;
    if (storm && what === 'queue.send' && this.rng.chance(this.faults.reorder)) {
      extra = this.rng.int(1, 5);
      this.counts.reordered++;
    }
    let result: R | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await apply(extra);
      if (storm && what === 'queue.send' && this.rng.chance(this.faults.duplicate)) {
        this.counts.duplicated++;
        await apply(0);
      }
    } catch (caught) {
      failed = true;
      error = caught;
    }
    if (storm && this.rng.chance(this.faults.failAfter)) {
      this.counts.failAfter++;
      this.loop.note(actor.name, `${what} applied${failed ? ' (and failed)' : ''}, answer lost (injected)`);
      await this.leg(actor, epoch);
      throw new InjectedFault(`${what}: timed out after it was applied (injected)`);
    }
    await this.leg(actor, epoch);
    if (failed) throw error;
    return result as R;
  }

  /**
   * One network leg: the request's latency (`withLatency`; the answer's is folded into it, one
   * event per call), then waits out a freeze; never returns to a crashed caller.
   */
  private async leg(actor: SimActor, epoch: number, withLatency = false): Promise<void> {
    if (withLatency) await this.loop.sleep(this.faults.maxLatencyMs > 0 ? this.rng.int(0, this.faults.maxLatencyMs) : 0);
    for (;;) {
      if (actor.epoch !== epoch) return new Promise<void>(() => undefined);
      if (actor.frozenUntil <= this.loop.now()) return;
      await this.loop.sleep(actor.frozenUntil - this.loop.now());
    }
  }
}
