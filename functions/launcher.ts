/**
 * `launcher` Lambda (SQS launch queue): launches the task of (campaign, shard, generation) when
 * that generation is still current. A stale message is dropped (deleted) with a log line; only
 * an error is reported back as a batch item failure, so one bad message does not redeliver the batch,
 * and its message is made visible again soon (`launchRetryDelaySec`), not after the visibility timeout.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseLaunchMessage } from '../core/aws/sqs-launch-queue.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';

/**
 * How long a launch that failed waits before its message is delivered again (s): 30 s times its
 * deliveries so far, instead of the queue's visibility timeout (six times the launcher's timeout,
 * 54 min). The 5 deliveries before the dead-letter queue (`LAUNCH_MAX_RECEIVES`) are then spent
 * within about 5 minutes (30 + 60 + 90 + 120 s and the launches), so the watchdog reports a launch
 * that truly fails with its own cause, well inside the overdue-launch deadline (8 launch
 * timeouts: 24 min with the default `launchTimeout`).
 */
export function launchRetryDelaySec(receiveCount: number): number {
  const deliveries = Number.isFinite(receiveCount) && receiveCount >= 1 ? receiveCount : 1;
  return Math.min(900, 30 * deliveries);
}

export function launcherHandlerFor(runtime: FleetRuntime): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  // Every line logged while a record is handled, however deep in LaunchService, carries its SQS message id as `correlation_id`.
  const launchOne = (record: SQSRecord): Promise<string> => runtime.log.correlated(record.messageId, () => launchRecord(record));
  const launchRecord = async (record: SQSRecord): Promise<string> => {
    runtime.context.log.log('debug', 'launch message received', { receiveCount: Number(record.attributes.ApproximateReceiveCount) });
    try {
      const message = parseLaunchMessage(record.body);
      const outcome = await runtime.launches.handle(message);
      if (outcome === 'retry') throw new Error(`launch of ${message.campaignId}/${message.shardId} g${message.generation} to be retried`);
      return outcome;
    } catch (error) {
      const delaySec = launchRetryDelaySec(Number(record.attributes.ApproximateReceiveCount));
      // Best effort: if this fails too, the message comes back at the end of its visibility timeout.
      await runtime.context.queue.retryAfter(record.receiptHandle, delaySec).catch(() => undefined);
      throw error;
    }
  };
  // One at a time: two deliveries of one message in a batch must not race to launch.
  return (event) => processPartialResponse(event, launchOne, processor, { processInParallel: false });
}

let cached: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  const runtime = fleetRuntime();
  cached ??= launcherHandlerFor(runtime);
  const launch = cached;
  return runtime.log.correlated(undefined, () => launch(event), context);
};
