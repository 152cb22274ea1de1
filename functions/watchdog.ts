/**
 * `watchdog` Lambda (EventBridge, every minute): one pass of the same watchdog policy the local
 * fleet runs, over the index of active shards, then the fleet's gauges as EMF metrics.
 */
import { publishFleetGauges } from '../core/aws/emf-metrics.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';

export async function runWatchdog(runtime: FleetRuntime): Promise<{ verdicts: Record<string, number> }> {
  const results = await runtime.watchdog.pass();
  const verdicts: Record<string, number> = {};
  for (const { verdict } of results) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
  publishFleetGauges(await runtime.store.listActiveShards(), runtime.context.clock.now());
  return { verdicts };
}

export const handler = async (): Promise<{ verdicts: Record<string, number> }> => runWatchdog(fleetRuntime());
