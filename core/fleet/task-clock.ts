import { isVirtualClock } from '../model/records.js';

/**
 * The clock a campaign's engines run on, as the launchers pass it to every task
 * (`ARBFLEET_CLOCK`): `virtual` runs each shard on the recorded time as fast as the CPU allows (a
 * backtest through the fleet), `real` on the wall clock. Read from the stored config's `clock`;
 * a config from before the field is `real`.
 */
export function taskClockEnvironment(config: Record<string, unknown>): { ARBFLEET_CLOCK: 'real' | 'virtual' } {
  return { ARBFLEET_CLOCK: isVirtualClock(config) ? 'virtual' : 'real' };
}
