import { S3Client } from '@aws-sdk/client-s3';
import { sdkClientConfig, shapeClient, type AwsClientHooks, type AwsClientSettings } from './aws-client-settings.js';

/**
 * An S3 client with the shared settings and bounded attempts of `aws-client-settings.ts`;
 * path-style addressing when an emulator endpoint is set (moto, LocalStack).
 */
export function createS3Client(settings: AwsClientSettings, hooks: AwsClientHooks = {}): S3Client {
  return shapeClient(new S3Client({ ...sdkClientConfig(settings), forcePathStyle: settings.endpoint !== undefined }), settings, hooks);
}
