import type { S3Client } from '@aws-sdk/client-s3';
import { ControlPlaneClients } from './control-plane-clients.js';
import { createS3Client } from './s3-client.js';

export {
  awsClientSettings,
  sdkRetryBackoffBudgetMs,
  worstCallMs,
  type AwsClientHooks,
  type AwsClientSettings,
  type AwsRequest,
} from './aws-client-settings.js';

/**
 * Every AWS client arbfleet uses (DynamoDB, SQS, ECS, S3), built lazily and shared: for the
 * reporter Lambda, the tests and the benchmarks. A bundle that needs fewer imports the narrower
 * class (`DynamoDbClients` for the engine, `ControlPlaneClients` for the other Lambdas), so that
 * esbuild leaves the clients it never builds out. Settings, timeouts and hooks:
 * `aws-client-settings.ts`.
 */
export class AwsClients extends ControlPlaneClients {
  private s3Client?: S3Client;

  /** S3 with path-style addressing when an emulator endpoint is set (moto, LocalStack). */
  get s3(): S3Client {
    this.s3Client ??= createS3Client(this.settings, this.hooks);
    return this.s3Client;
  }

  override destroy(): void {
    this.s3Client?.destroy();
    super.destroy();
  }
}
