/**
 * The launcher Lambda's handler when a launch fails: the record is a batch item failure and its
 * message is made visible again after `launchRetryDelaySec`, not after the queue's visibility
 * timeout (54 min), so the five deliveries before the dead-letter queue take minutes. The SQS
 * side (`SqsLaunchQueue.retryAfter`) is tested over the wire in the LaunchQueue contract.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { launcherHandlerFor, launchRetryDelaySec } from '../../../functions/launcher.js';
import type { FleetRuntime } from '../../../functions/fleet-runtime.js';
import { createLambdaLog } from '../../../functions/lambda-log.js';

function record(messageId: string, receiveCount: number, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:launch',
    awsRegion: 'us-east-1',
  } as unknown as SQSRecord;
}

function runtime(handle: (m: { shardId: string }) => Promise<string>) {
  const retried: [string, number][] = [];
  const log = createLambdaLog();
  const fake = {
    launches: { handle },
    log,
    context: { log: log.port, queue: { retryAfter: async (receipt: string, delaySec: number) => void retried.push([receipt, delaySec]) } },
  } as unknown as FleetRuntime;
  return { handler: launcherHandlerFor(fake), retried };
}

describe('the launcher when a launch fails', () => {
  it('reports the record failed and brings its message back after 30 s × its deliveries; a launch that succeeds is left alone', async () => {
    const { handler, retried } = runtime(async (m) => {
      if (m.shardId === 'shard-001') throw new Error('ECS: RunTask refused (AccessDeniedException)');
      return 'launched';
    });
    const launch = (shardId: string) => ({ campaignId: 'c-1', shardId, generation: 0 });
    const event = { Records: [record('m-0', 1, launch('shard-000')), record('m-1', 3, launch('shard-001'))] } as SQSEvent;

    const response = await handler(event);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(retried).toEqual([['receipt-m-1', 90]]);
  });

  it('spends the five deliveries before the dead-letter queue in 5 minutes, never waiting more than SQS allows', () => {
    expect([1, 2, 3, 4].map(launchRetryDelaySec)).toEqual([30, 60, 90, 120]);
    expect(launchRetryDelaySec(1000)).toBe(900);
    expect(launchRetryDelaySec(Number.NaN)).toBe(30);
  });
});
