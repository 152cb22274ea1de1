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
    public settings: AwsClientSettings = awsClientSettings(),
    protected readonly hooks: AwsClientHooks = {},
  ) {}

  /**
   * Lowers the SDK's attempts per call to at most `maxAttempts` (never raises them): the client
   * built so far is closed and the next call builds one with the new settings. For an engine, once
   * its campaign's timeouts are known (`engineSdkMaxAttempts`).
   */
  capAttempts(maxAttempts: number): void {
    if (maxAttempts >= this.settings.maxAttempts) return;
    this.settings = { ...this.settings, maxAttempts };
    this.dynamo?.destroy();
    this.dynamo = undefined;
  }

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
