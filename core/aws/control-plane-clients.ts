import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbClients } from './dynamodb-client.js';
import { createEcsClient } from './ecs-client.js';
import { createSqsClient } from './sqs-client.js';

/**
 * The clients of the fleet's services (`functions/fleet-runtime.ts`): DynamoDB for the store, SQS
 * for the launch queue, ECS for the task launcher; each built on first use and shared. Every
 * Lambda runs those services, so every Lambda bundle inlines these three; S3 is the reporter's
 * alone (`AwsClients`).
 */
export class ControlPlaneClients extends DynamoDbClients {
  private sqsClient?: SQSClient;
  private ecsClient?: ECSClient;

  get sqs(): SQSClient {
    this.sqsClient ??= createSqsClient(this.settings, this.hooks);
    return this.sqsClient;
  }

  get ecs(): ECSClient {
    this.ecsClient ??= createEcsClient(this.settings, this.hooks);
    return this.ecsClient;
  }

  override destroy(): void {
    super.destroy();
    this.sqsClient?.destroy();
    this.ecsClient?.destroy();
  }
}
