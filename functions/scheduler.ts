/**
 * `scheduler` Lambda (EventBridge, every minute): starts due campaigns, ends campaigns at their
 * maximum runtime, completes them when every shard is terminal. The report is stored by `reporter`.
 * One campaign that cannot advance never stops the others: it is logged, returned in `failed`,
 * and tried again on the next tick.
 */
import type { SchedulerTick } from '../core/fleet/scheduler-service.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';

export async function runScheduler(runtime: FleetRuntime): Promise<SchedulerTick> {
  const tick = await runtime.scheduler.tick();
  if (tick.finished.length > 0) runtime.context.log.log('info', 'campaigns finished', { finished: tick.finished });
  return tick;
}

export const handler = async (): Promise<SchedulerTick> => runScheduler(fleetRuntime());
