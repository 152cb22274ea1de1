/**
 * The deploy-time choices of the arbfleet stack, read from CDK context (`cdk.json` or
 * `npx cdk deploy -c name=value`). Every option has a default, so a bare `npx cdk deploy` works;
 * a bad value fails synthesis naming the option, what was expected and what was found.
 */
import { FARGATE_CPU_UNITS, fargateMemoryChoices, isFargateTaskSize } from '../core/config/fargate-task-size.js';
import { ValidationError, type FieldIssue } from '../core/errors.js';
import { DEFAULT_WATCHDOG_INTERVAL_SEC, WATCHDOG_INTERVALS_SEC, type WatchdogIntervalSec } from '../core/fleet/watchdog-cadence.js';

export interface StackSettings {
  /** The CloudFormation stack name; also the table prefix (`<stackName>-`). */
  stackName: string;
  /** `destroyTables=true`: tables and the report bucket are deleted with the stack (default: retained). */
  destroyTables: boolean;
  /** `vpcId`: run the tasks in this existing VPC (looked up; needs an account and region) instead of a new one. */
  vpcId?: string;
  /** `vpcEndpoints`: create the VPC endpoints (default: true for a new VPC, false for an existing one). */
  vpcEndpoints: boolean;
  /** `taskCpu` / `taskMemoryMiB`: the engine task's Fargate size (default 512 / 1024). */
  taskCpu: number;
  taskMemoryMiB: number;
  /** `logRetentionDays`: retention of every log group of the stack (default 30). */
  logRetentionDays: number;
  /** `alarmEmail`: subscribe this address to the alarm topic (it must confirm the subscription). */
  alarmEmail?: string;
  /** `apiRateLimit` / `apiBurstLimit`: stage throttling, requests per second (default 10 / 20). */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** `restartAlarmThreshold`: restarts in 15 minutes that raise the restart-rate alarm (default 5). */
  restartAlarmThreshold: number;
  /** `reservedConcurrency`: reserve 1 concurrent execution for scheduler, watchdog and reporter (default true). */
  reservedConcurrency: boolean;
  /**
   * `apiGatewayAccountRole`: create the role API Gateway writes CloudWatch logs with and set it as
   * the account's API Gateway setting (default true). The API's stage writes access logs, which
   * API Gateway refuses to set up in an account and Region where that setting was never made, so a
   * first deploy would fail. The role is retained when the stack is deleted (the setting is
   * account-wide; another stack may rely on it). `false` for accounts whose setting is already
   * managed elsewhere (docs/deploy.md says how to check).
   */
  apiGatewayAccountRole: boolean;
  /**
   * `watchdogIntervalSec`: seconds between the watchdog's passes (15, 20, 30 or 60; default 15).
   * EventBridge fires the watchdog once a minute; it makes 60 / interval passes per invocation, so
   * a stall is caught within `staleAfter` + about two intervals (README, "Detection").
   */
  watchdogIntervalSec: WatchdogIntervalSec;
  /**
   * `taskEgress`: where engine tasks may reach beyond AWS's own APIs (default `none`; docs/deploy.md,
   * "Live feeds: the tasks' route out", has each choice's monthly cost). `none`: private isolated
   * subnets, no route out (AWS through the VPC endpoints only): replay and synthetic campaigns.
   * `public-ip`: public subnets with an internet gateway and a public IPv4 address on each task
   * (still no inbound rule), so `kind: live` campaigns reach the venues. `nat`: private subnets
   * whose traffic leaves through one NAT gateway (one fixed address, no public IP on tasks).
   */
  taskEgress: TaskEgress;
}

/** The `taskEgress` choices, in the order docs/deploy.md lists them. */
export const TASK_EGRESS = ['none', 'public-ip', 'nat'] as const;
/** Where engine tasks may reach beyond AWS's own APIs (`StackSettings.taskEgress`). */
export type TaskEgress = (typeof TASK_EGRESS)[number];

/** CloudWatch Logs' accepted retention values, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Reads a context value; `undefined` when not set. */
export type ContextReader = (key: string) => unknown;

/** The settings from context, checked; throws a ValidationError listing every bad option. */
export function readStackSettings(context: ContextReader): StackSettings {
  const issues: FieldIssue[] = [];
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      issues.push({ path: key, message: `expected a string, found ${JSON.stringify(value)}` });
      return undefined;
    }
    return value;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    issues.push({ path: key, message: `expected true or false, found ${JSON.stringify(value)}` });
    return fallback;
  };
  const integer = (key: string, fallback: number, valid: (n: number) => boolean, expected: string): number => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || !valid(n)) {
      issues.push({ path: key, message: `expected ${expected}, found ${JSON.stringify(value)}` });
      return fallback;
    }
    return n;
  };

  const choice = <T extends string>(key: string, fallback: T, choices: readonly T[]): T => {
    const value = text(key);
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    issues.push({ path: key, message: `expected one of ${choices.join(', ')}, found ${JSON.stringify(value)}` });
    return fallback;
  };

  const stackName = text('stackName') ?? 'Arbfleet';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,100}$/.test(stackName)) {
    issues.push({
      path: 'stackName',
      message: `expected a CloudFormation stack name (a letter, then letters, digits or hyphens), found ${JSON.stringify(stackName)}`,
    });
  }
  const vpcId = text('vpcId');
  if (vpcId !== undefined && !/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) {
    issues.push({ path: 'vpcId', message: `expected a VPC id such as vpc-0123456789abcdef0, found ${JSON.stringify(vpcId)}` });
  }
  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    issues.push({ path: 'alarmEmail', message: `expected an e-mail address, found ${JSON.stringify(alarmEmail)}` });
  }
  const taskCpu = integer('taskCpu', 512, (n) => FARGATE_CPU_UNITS.includes(n), `one of Fargate's CPU units (${FARGATE_CPU_UNITS.join(', ')})`);
  const taskMemoryMiB = integer('taskMemoryMiB', 1024, () => true, 'a whole number of MiB');
  if (!isFargateTaskSize(taskCpu, taskMemoryMiB)) {
    issues.push({
      path: 'taskMemoryMiB',
      message: `${taskMemoryMiB} MiB is not a Fargate size for ${taskCpu} CPU units (Fargate offers ${fargateMemoryChoices(taskCpu)})`,
    });
  }
  const apiRateLimit = integer('apiRateLimit', 10, (n) => n >= 1 && n <= 10_000, 'requests per second between 1 and 10000');
  const apiBurstLimit = integer('apiBurstLimit', 20, (n) => n >= 1 && n <= 5_000, 'a burst between 1 and 5000');

  const settings: StackSettings = {
    stackName,
    destroyTables: flag('destroyTables', false),
    ...(vpcId !== undefined ? { vpcId } : {}),
    vpcEndpoints: flag('vpcEndpoints', vpcId === undefined),
    taskCpu,
    taskMemoryMiB,
    logRetentionDays: integer(
      'logRetentionDays',
      30,
      (n) => LOG_RETENTION_DAYS.includes(n),
      `one of CloudWatch Logs' retention values (${LOG_RETENTION_DAYS.join(', ')})`,
    ),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    apiRateLimit,
    apiBurstLimit,
    restartAlarmThreshold: integer('restartAlarmThreshold', 5, (n) => n >= 1, 'a whole number of restarts, at least 1'),
    reservedConcurrency: flag('reservedConcurrency', true),
    apiGatewayAccountRole: flag('apiGatewayAccountRole', true),
    watchdogIntervalSec: integer(
      'watchdogIntervalSec',
      DEFAULT_WATCHDOG_INTERVAL_SEC,
      (n) => (WATCHDOG_INTERVALS_SEC as readonly number[]).includes(n),
      `seconds dividing a minute (${WATCHDOG_INTERVALS_SEC.join(', ')})`,
    ) as WatchdogIntervalSec,
    taskEgress: choice('taskEgress', 'none', TASK_EGRESS),
  };
  if (issues.length > 0) throw new ValidationError(issues, 'CDK context (cdk.json or -c name=value)');
  return settings;
}

/** The DynamoDB table prefix of a stack: tables are `<prefix><logicalName>` (see `tableNames`). */
export function tablePrefixOf(stackName: string): string {
  return `${stackName}-`;
}
