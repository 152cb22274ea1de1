import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { createLaunchQueues, SqsLaunchQueue } from '../../../core/aws/sqs-launch-queue.js';
import { describeLaunchQueueContract } from '../../contract/launch-queue.contract.js';

const clients = new AwsClients();
afterAll(() => clients.destroy());

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let queueCount = 0;

/**
 * A fresh queue pair per case (unique names, so the suite also runs against LocalStack or AWS).
 * Receives short-poll (`waitTimeSec: 0`): a long poll could outlast a delay the suite expects to
 * be still running. Time passes for real.
 */
describeLaunchQueueContract(
  'SqsLaunchQueue',
  async (settings) => {
    const queues = await createLaunchQueues(clients, `arbfleet-contract-${process.pid}-${Date.now()}-${queueCount++}`, settings);
    return {
      queue: new SqsLaunchQueue({ clients, queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl, waitTimeSec: 0 }),
      advance: sleep,
      now: () => Date.now(),
      async cleanup() {
        await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl }));
        await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queues.deadLetterQueueUrl }));
      },
    };
  },
  { toleranceMs: 400 },
);
