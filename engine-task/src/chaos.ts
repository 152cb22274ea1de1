/**
 * Faults an engine can inject into itself, for the fleet's fault tests (`--chaos`). Faults
 * from outside (SIGKILL, SIGSTOP) need no help from the engine and are not here.
 */
import { ArbfleetError } from '../../core/errors.js';

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

/** Thrown by the runner when an `exit` fault fires: the entrypoint exits 1 at once, flushing nothing. */
export class ChaosExit extends ArbfleetError {
  override readonly name = 'ChaosExit';
  readonly kind = 'chaos-exit';
}
