/**
 * Events in the shapes AWS delivers them to a Lambda: API Gateway's REST proxy integration
 * (payload 1.0), an SQS batch, an EventBridge scheduled event and an ECS Task State Change.
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '@aws-sdk/client-ecs';
import type { Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';

const ACCOUNT = '123456789012';

/** An API Gateway REST API proxy event (IAM-authorised caller), as the `{proxy+}`-less resource `resource` sees it. */
export function apiGatewayProxyEvent(request: {
  method: string;
  path: string;
  resource: string;
  pathParameters?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  region: string;
}): APIGatewayProxyEvent {
  const body = request.body === undefined ? null : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Host: `abc123.execute-api.${request.region}.amazonaws.com`,
    'User-Agent': 'arbfleet-cli',
    'X-Amzn-Trace-Id': `Root=1-${Date.now().toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    'X-Forwarded-Proto': 'https',
    ...(body !== null ? { 'Content-Type': 'application/json' } : {}),
    ...request.headers,
  };
  const requestId = randomUUID();
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      resourceId: 'res123',
      resourcePath: request.resource,
      httpMethod: request.method,
      extendedRequestId: requestId,
      requestTime: new Date().toUTCString(),
      path: `/prod${request.path}`,
      accountId: ACCOUNT,
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: 'abc123',
      requestTimeEpoch: Date.now(),
      requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: ACCOUNT,
        cognitoIdentityId: null,
        caller: 'AIDAEXAMPLE',
        sourceIp: '203.0.113.7',
        principalOrgId: null,
        accessKey: 'AKIAEXAMPLE',
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: `arn:aws:iam::${ACCOUNT}:user/operator`,
        userAgent: 'arbfleet-cli',
        user: 'AIDAEXAMPLE',
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName: `abc123.execute-api.${request.region}.amazonaws.com`,
      apiId: 'abc123',
      authorizer: null,
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

/** The batch the SQS event source mapping hands the launcher for messages it received. */
export function sqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? 'AROAEXAMPLE',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/** What an EventBridge schedule rule delivers. */
export function scheduledEvent(ruleArn: string, region: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

/** ECS's Task State Change event for a task (as DescribeTasks reads it), now STOPPED with `exitCode`. */
export function taskStateChangeEvent(task: Task, exitCode: number, version: number, region: string) {
  const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region,
    resources: [task.taskArn],
    detail: {
      attachments: task.attachments ?? [],
      availabilityZone: task.availabilityZone ?? `${region}a`,
      clusterArn: task.clusterArn,
      containers: (task.containers ?? []).map((c) => ({ containerArn: c.containerArn, exitCode, lastStatus: 'STOPPED', name: c.name, taskArn: task.taskArn })),
      createdAt: iso(task.createdAt) ?? new Date().toISOString(),
      launchType: 'FARGATE',
      cpu: task.cpu,
      memory: task.memory,
      desiredStatus: 'STOPPED',
      group: task.group,
      lastStatus: 'STOPPED',
      overrides: task.overrides,
      startedAt: iso(task.startedAt),
      startedBy: task.startedBy,
      stopCode: 'EssentialContainerExited',
      stoppedAt: new Date().toISOString(),
      stoppedReason: 'Essential container in task exited',
      stoppingAt: new Date().toISOString(),
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      updatedAt: new Date().toISOString(),
      version,
    },
  };
}
