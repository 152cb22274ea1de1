/**
 * `scheduler` Lambda (EventBridge, every minute): starts due campaigns, ends campaigns at their
 * maximum runtime, completes them when every shard is terminal. The report is stored by `reporter`.
 */
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';

export async function runScheduler(runtime: FleetRuntime): Promise<{ finished: string[] }> {
  const finished = await runtime.scheduler.tick();
  if (finished.length > 0) runtime.context.log.log('info', 'campaigns finished', { finished });
  return { finished };
}

export const handler = async (): Promise<{ finished: string[] }> => runScheduler(fleetRuntime());
