import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkClientConfig, shapeClient, type AwsClientHooks, type AwsClientSettings } from './aws-client-settings.js';

/** An SQS client with the shared settings and bounded attempts of `aws-client-settings.ts`. */
export function createSqsClient(settings: AwsClientSettings, hooks: AwsClientHooks = {}): SQSClient {
  return shapeClient(new SQSClient(sdkClientConfig(settings)), settings, hooks);
}
