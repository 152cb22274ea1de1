import { ECSClient } from '@aws-sdk/client-ecs';
import { sdkClientConfig, shapeClient, type AwsClientHooks, type AwsClientSettings } from './aws-client-settings.js';

/** An ECS client with the shared settings and bounded attempts of `aws-client-settings.ts`. */
export function createEcsClient(settings: AwsClientSettings, hooks: AwsClientHooks = {}): ECSClient {
  return shapeClient(new ECSClient(sdkClientConfig(settings)), settings, hooks);
}
