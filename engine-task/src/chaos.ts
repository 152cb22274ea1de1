/**
 * Faults an engine can inject into itself, for the fleet's fault tests (`--chaos`): what they are,
 * how the fleet passes them (`ARBFLEET_CHAOS`), and `EngineChaos`, which fires them for the runner,
 * so the runner's loop holds no fault code of its own. Faults from outside (SIGKILL, SIGSTOP) need
 * no help from the engine and are not here.
 */
import { ArbfleetError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

export const ENGINE_FAULTS = ['stall', 'exit', 'leak'] as const;
export type EngineFault = (typeof ENGINE_FAULTS)[number];

/** One fault at an absolute time (ms since the epoch, engine clock). */
export interface ScheduledFault {
  fault: EngineFault;
  at: number;
}

/**
 * Parses `stall@1767225600000,leak@1767225610000` (the form the fleet passes in
 * `ARBFLEET_CHAOS`). Throws naming the bad entry.
 */
export function parseEngineChaos(spec: string): ScheduledFault[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((entry) => {
    const match = /^(\w+)@(\d+)$/.exec(entry.trim());
    if (!match || !(ENGINE_FAULTS as readonly string[]).includes(match[1] as string)) {
      throw new Error(`ARBFLEET_CHAOS: "${entry}" is not <fault>@<epoch-ms> with a fault among ${ENGINE_FAULTS.join(', ')}`);
    }
    return { fault: match[1] as EngineFault, at: Number(match[2]) };
  });
}

/** Thrown when an `exit` fault fires (`EngineChaos.fire`): the entrypoint exits 1 at once, flushing nothing. */
export class ChaosExit extends ArbfleetError {
  override readonly name = 'ChaosExit';
  readonly kind = 'chaos-exit';
}

/**
 * The faults of one engine process, fired by the runner's real-time loop (`ShardRunner.runReal`)
 * once per turn, before it takes ticks: `exit` throws `ChaosExit`; `stall` stops the loop taking
 * ticks for the rest of the process (its timers, heartbeats included, live on, so the watchdog
 * sees progress stand still); `leak` retains 8 MiB every 100 ms (about 80 MB/s) until the task is
 * recycled or killed. Each fault fires once, logged as `chaos`. Every fault given is this task's:
 * the fleet hands a launch only the faults due at or after it (`engineChaosEnv`), so one that fell
 * due while the process was still booting fires at the first turn.
 */
export class EngineChaos {
  private readonly faults: ScheduledFault[];
  private stall = false;
  private readonly leaked: Buffer[] = [];

  constructor(
    faults: readonly ScheduledFault[],
    private readonly log: Logger,
  ) {
    this.faults = faults.map((f) => ({ ...f }));
  }

  /** A `stall` has fired: the loop takes no more ticks (and counts no more turns). */
  get stalled(): boolean {
    return this.stall;
  }

  /**
   * Fires every fault due at `now` (wall ms) that has not fired yet.
   * @throws ChaosExit when an `exit` fault is due: the entrypoint exits 1 at once, flushing nothing.
   */
  fire(now: number): void {
    if (this.faults.length === 0) return;
    for (const fault of this.faults) {
      if (fault.at > now || fault.at < 0) continue;
      fault.at = -1; // fired
      this.log.log('warn', 'chaos', { fault: fault.fault });
      if (fault.fault === 'exit') throw new ChaosExit('chaos: exit fault injected');
      if (fault.fault === 'stall') this.stall = true;
      if (fault.fault === 'leak') this.startLeak();
    }
  }

  /** Holds on to memory (8 MiB, touched, every 100 ms: ~80 MB/s) until the task is recycled or killed. */
  private startLeak(): void {
    const timer = setInterval(() => this.leaked.push(Buffer.alloc(8 * 1024 * 1024, 1)), 100);
    timer.unref();
  }
}
