/**
 * `launcher` Lambda (SQS launch queue): launches the task of (campaign, shard, generation) when
 * that generation is still current. A stale message is dropped (deleted) with a log line; only
 * an error is reported back as a batch item failure, so one bad message does not redeliver the batch.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseLaunchMessage } from '../core/aws/sqs-launch-queue.js';
import { fleetRuntime, type FleetRuntime } from './fleet-runtime.js';

export function launcherHandlerFor(runtime: FleetRuntime): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const launchOne = async (record: SQSRecord): Promise<string> => {
    const message = parseLaunchMessage(record.body);
    const outcome = await runtime.launches.handle(message);
    if (outcome === 'retry') throw new Error(`launch of ${message.campaignId}/${message.shardId} g${message.generation} to be retried`);
    return outcome;
  };
  // One at a time: two deliveries of one message in a batch must not race to launch.
  return (event) => processPartialResponse(event, launchOne, processor, { processInParallel: false });
}

let cached: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  cached ??= launcherHandlerFor(fleetRuntime());
  return cached(event);
};
