import type { EcsTaskPlacement } from '../core/aws/ecs-task-launcher.js';
import { ValidationError } from '../core/errors.js';

/** The settings every arbfleet Lambda reads from its environment (the CDK stack sets them). */
export interface LambdaEnvironment extends EcsTaskPlacement {
  tablePrefix: string;
  launchQueueUrl: string;
  /** The launch queue's dead-letter queue (read by the watchdog); when unset it is found from the queue's redrive policy. */
  launchDeadLetterQueueUrl?: string;
  reportBucket: string;
}

/** Reads and checks the environment; a missing variable fails naming it (a deploy mistake, not a runtime one). */
export function lambdaEnvironment(env: NodeJS.ProcessEnv = process.env): LambdaEnvironment {
  const missing: string[] = [];
  const read = (name: string, fallback?: string): string => {
    const value = env[name] ?? fallback;
    if (value === undefined || value === '') missing.push(name);
    return value ?? '';
  };
  const list = (name: string): string[] => {
    const items = (env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) missing.push(name);
    return items;
  };
  const result: LambdaEnvironment = {
    tablePrefix: read('ARBFLEET_TABLE_PREFIX'),
    launchQueueUrl: read('ARBFLEET_LAUNCH_QUEUE_URL'),
    cluster: read('ARBFLEET_CLUSTER'),
    taskDefinition: read('ARBFLEET_TASK_DEFINITION'),
    containerName: read('ARBFLEET_CONTAINER_NAME', 'engine'),
    subnets: list('ARBFLEET_SUBNETS'),
    securityGroups: list('ARBFLEET_SECURITY_GROUPS'),
    assignPublicIp: read('ARBFLEET_ASSIGN_PUBLIC_IP', 'DISABLED') === 'ENABLED' ? 'ENABLED' : 'DISABLED',
    reportBucket: read('ARBFLEET_REPORT_BUCKET'),
    ...(env.ARBFLEET_LAUNCH_DLQ_URL ? { launchDeadLetterQueueUrl: env.ARBFLEET_LAUNCH_DLQ_URL } : {}),
  };
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((name) => ({ path: name, message: 'environment variable not set' })),
      'Lambda environment',
    );
  }
  return result;
}
