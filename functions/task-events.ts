/**
 * `task-events` Lambda (EventBridge rule: ECS Task State Change, STOPPED, this cluster): the
 * immediate path of the watchdog. Events arrive at least once and out of order; one for another
 * generation or task, or a duplicate after the restart, finds nothing to do.
 */
import { parseTaskStateChange } from '../core/aws/ecs-task-event.js';
import type { Context } from 'aws-lambda';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';
import { correlationIdOf } from './lambda-log.js';

export async function handleTaskEvent(runtime: FleetRuntime, event: unknown): Promise<{ verdict: string }> {
  const parsed = parseTaskStateChange(event);
  if (!parsed) return { verdict: 'not ours' };
  // Restarts and failures decided here are published by the watchdog service itself (FleetContext.events).
  const verdict = await runtime.watchdog.onTaskStopped(parsed.event);
  runtime.context.log.log('info', 'task stopped', {
    ...parsed.event.key,
    generation: parsed.event.generation,
    taskId: parsed.event.taskId,
    detailVersion: parsed.detailVersion,
    verdict,
  });
  return { verdict };
}

/** Every line logged while an event is handled carries its EventBridge event id as `correlation_id`. */
export const handler = async (event: unknown, context?: Context): Promise<{ verdict: string }> => {
  const runtime = fleetRuntime();
  return runtime.log.correlated(correlationIdOf(event), () => handleTaskEvent(runtime, event), context);
};
