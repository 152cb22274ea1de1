import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { createLaunchQueues, SqsLaunchQueue, type LaunchQueues } from '../../../core/aws/sqs-launch-queue.js';
import { ValidationError } from '../../../core/errors.js';
import type { Logger } from '../../../core/log.js';
import type { LaunchMessage } from '../../../core/ports.js';

const clients = new AwsClients();
afterAll(() => clients.destroy());

const launch = (shardId: string, generation = 0): LaunchMessage => ({ campaignId: 'c1', shardId, generation });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let queueCount = 0;
/** A fresh queue pair per test (unique names, so the tests also run against LocalStack or AWS). */
async function freshQueues(settings: { maxReceives: number; visibilityTimeoutSec: number }): Promise<LaunchQueues> {
  return createLaunchQueues(clients, `arbfleet-launch-${process.pid}-${Date.now()}-${queueCount++}`, settings);
}

function capturingLog(): Logger & { lines: { level: string; event: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  return { lines, log: (level, event, fields = {}) => lines.push({ level, event, fields }) };
}

/** Receives until `count` messages have arrived or `timeoutMs` has passed. */
async function receiveAtLeast(queue: SqsLaunchQueue, count: number, timeoutMs = 10_000) {
  const got = [];
  const deadline = performance.now() + timeoutMs;
  while (got.length < count && performance.now() < deadline) got.push(...(await queue.receive(10)));
  return got;
}

describe('SqsLaunchQueue over the wire', () => {
  it('creates the launch queue with a redrive policy to its DLQ after maxReceives deliveries', async () => {
    const queues = await freshQueues({ maxReceives: 3, visibilityTimeoutSec: 45 });
    const { Attributes = {} } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'] }),
    );
    expect(JSON.parse(Attributes.RedrivePolicy as string)).toEqual({ deadLetterTargetArn: queues.deadLetterQueueArn, maxReceiveCount: 3 });
    expect(Attributes.VisibilityTimeout).toBe('45');
    expect(queues.deadLetterQueueArn).toMatch(/^arn:aws:sqs:[^:]+:\d+:arbfleet-launch-.+-dlq$/);
  });

  it('caps a delay above 15 minutes at SQS maximum instead of failing, and refuses a negative one', async () => {
    const queues = await freshQueues({ maxReceives: 3, visibilityTimeoutSec: 30 });
    const queue = new SqsLaunchQueue({ clients, queueUrl: queues.queueUrl, waitTimeSec: 0 });
    await queue.send(launch('much-later'), 3_600);
    expect(await queue.receive(10)).toEqual([]);
    await expect(queue.send(launch('x'), -1)).rejects.toThrow(ValidationError);
    await expect(queue.send({ campaignId: '', shardId: 's', generation: 0 })).rejects.toThrow(/campaignId/);
  });

  it('finds the DLQ from the redrive policy when it is not configured', async () => {
    const queues = await freshQueues({ maxReceives: 1, visibilityTimeoutSec: 1 });
    const queue = new SqsLaunchQueue({ clients, queueUrl: queues.queueUrl });
    await queue.send(launch('once'));
    expect(await receiveAtLeast(queue, 1)).toHaveLength(1);
    await sleep(1_200);
    expect(await queue.receive(10)).toEqual([]);
    expect(await queue.deadLetters()).toEqual([launch('once')]);
  });

  it('reports a malformed body instead of throwing, leaves it out of the batch, and lets it reach the DLQ', async () => {
    const queues = await freshQueues({ maxReceives: 1, visibilityTimeoutSec: 1 });
    const log = capturingLog();
    const queue = new SqsLaunchQueue({ clients, queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl, log });
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: '{"campaignId":"c1","shardId":"s0","generation":"one"}' }));
    await queue.send(launch('good'));

    const received = await receiveAtLeast(queue, 1);
    await sleep(500);
    received.push(...(await queue.receive(10)));
    expect(received.map((m) => m.body)).toEqual([launch('good')]);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'warn', event: 'malformed launch message', fields: { receiveCount: 1 } });
    expect(String(log.lines[0]?.fields.error)).toMatch(/generation/);

    await queue.delete(received[0]?.receipt as string);
    await sleep(1_200);
    expect(await queue.receive(10)).toEqual([]);
    expect(await queue.deadLetters()).toEqual([]); // the malformed dead letter is reported, not listed
    expect(log.lines.length).toBeGreaterThanOrEqual(2);
  });
});
