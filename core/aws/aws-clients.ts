import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Every AWS client arbfleet uses is built here, so all of them honour the same settings:
 * `AWS_ENDPOINT_URL` (and the SDK's per-service `AWS_ENDPOINT_URL_<SERVICE>`) to reach LocalStack
 * or moto's server, the region, bounded retries with the SDK's backoff and jitter, and timeouts
 * so that a hung connection cannot stall a Lambda or an engine's heartbeat.
 */
export interface AwsClientSettings {
  region: string;
  /** An emulator or a private endpoint; undefined for real AWS. */
  endpoint?: string;
  /** Attempts per call, the first included (the SDK's standard retry mode, with jitter). */
  maxAttempts: number;
  /** Milliseconds to open a connection and to get a response. */
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Settings from the environment, with defaults that suit Lambda and Fargate. */
export function awsClientSettings(env: NodeJS.ProcessEnv = process.env): AwsClientSettings {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    maxAttempts: Number(env.ARBFLEET_AWS_MAX_ATTEMPTS ?? 4),
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
  };
}

function clientConfig(settings: AwsClientSettings) {
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts,
    retryMode: 'standard' as const,
    requestHandler: { connectionTimeout: settings.connectionTimeoutMs, requestTimeout: settings.requestTimeoutMs },
  };
}

/** The AWS clients of one process, built lazily and shared. */
export class AwsClients {
  private dynamo?: DynamoDBDocumentClient;
  private sqsClient?: SQSClient;
  private ecsClient?: ECSClient;
  private s3Client?: S3Client;

  constructor(readonly settings: AwsClientSettings = awsClientSettings()) {}

  /** DynamoDB through the document client: native JS values, `undefined` attributes dropped. */
  get documents(): DynamoDBDocumentClient {
    this.dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(this.settings)), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    return this.dynamo;
  }

  get sqs(): SQSClient {
    this.sqsClient ??= new SQSClient(clientConfig(this.settings));
    return this.sqsClient;
  }

  get ecs(): ECSClient {
    this.ecsClient ??= new ECSClient(clientConfig(this.settings));
    return this.ecsClient;
  }

  /** S3 with path-style addressing when an emulator endpoint is set (moto, LocalStack). */
  get s3(): S3Client {
    this.s3Client ??= new S3Client({ ...clientConfig(this.settings), forcePathStyle: this.settings.endpoint !== undefined });
    return this.s3Client;
  }

  destroy(): void {
    this.s3Client?.destroy();
    this.dynamo?.destroy();
    this.sqsClient?.destroy();
    this.ecsClient?.destroy();
  }
}
