import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClientSettings, sdkClientConfig, shapeClient, type AwsClientHooks, type AwsClientSettings } from './aws-client-settings.js';

/**
 * DynamoDB through the document client (native JS values, `undefined` attributes dropped), with
 * the shared settings and bounded attempts of `aws-client-settings.ts`.
 */
export function createDocumentClient(settings: AwsClientSettings, hooks: AwsClientHooks = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(shapeClient(new DynamoDBClient(sdkClientConfig(settings)), settings, hooks), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * The DynamoDB client of one process, built on first use and shared: all an engine task needs
 * (its store is `DynamoDbCampaignStore`), so the engine bundle inlines no other AWS client.
 * `ControlPlaneClients` and `AwsClients` extend it with the services the Lambdas use.
 */
export class DynamoDbClients {
  private dynamo?: DynamoDBDocumentClient;

  constructor(
    readonly settings: AwsClientSettings = awsClientSettings(),
    protected readonly hooks: AwsClientHooks = {},
  ) {}

  /** DynamoDB through the document client: native JS values, `undefined` attributes dropped. */
  get documents(): DynamoDBDocumentClient {
    this.dynamo ??= createDocumentClient(this.settings, this.hooks);
    return this.dynamo;
  }

  /** Closes the sockets of every client built so far. */
  destroy(): void {
    this.dynamo?.destroy();
  }
}
