import { describe, expect, it } from 'vitest';
import { ECS_LAUNCHER_ACTIONS, launchBackoffBudgetMs } from '../../core/aws/ecs-task-launcher.js';
import { ENGINE_DEFINITION_CALLS } from '../../core/aws/engine-task-definitions.js';
import { lambdaEnvironment } from '../../functions/lambda-environment.js';
import {
  FUNCTION_SPECS,
  LAUNCHER_TIMEOUT,
  LAUNCH_MAX_RECEIVES,
  launcherTimeout,
  logicalIdOf,
  TABLE_ACCESS,
  type FunctionName,
  type TableResource,
} from '../../infra/constructs/control-plane.js';
import type { TableName } from '../../infra/constructs/state.js';
import { allowedActions, policyStatements, resourcesOf, statementsOfRole, type Statement } from './support/policy-statements.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, template, json } = synthArbfleet();
const { controlPlane, fleet, state } = stack;
const names = Object.keys(FUNCTION_SPECS) as FunctionName[];
const functionProps = (name: FunctionName) => json.Resources[logicalIdOf(controlPlane.functions[name])]!.Properties as Record<string, unknown>;
const roleId = (name: FunctionName) => logicalIdOf(controlPlane.functions[name].role!);
const all = policyStatements(json.Resources);
const statementsWith = (name: FunctionName, action: string): Statement[] =>
  statementsOfRole(all, roleId(name)).filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action));

/** A stand-in for what CloudFormation resolves: references become plausible literal values. */
function deployedValue(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(deployedValue).join(join[0]);
  return 'resolved-at-deploy';
}

describe('control plane: six Lambdas on Node 24, ARM64, each with its own role and log group', () => {
  it('has one function per handler in functions/, and no other of ours', () => {
    const ours = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties?.Description ?? '').startsWith('arbfleet'),
    );
    expect(ours).toHaveLength(6);
    expect(names.sort()).toEqual(['api', 'launcher', 'reporter', 'scheduler', 'task-events', 'watchdog']);
  });

  it.each(names)('%s: nodejs24.x on arm64, own role, own log group with retention', (name) => {
    const props = functionProps(name);
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('index.handler');
    expect(props.Role).toEqual({ 'Fn::GetAtt': [roleId(name), 'Arn'] });
    const logGroupId = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(json.Resources[logGroupId]?.Properties?.RetentionInDays).toBe(30);
    expect(props.Timeout).toBe(FUNCTION_SPECS[name].timeout.toSeconds());
  });

  it.each(names)('%s: its environment satisfies lambdaEnvironment() (every variable the handlers read is set)', (name) => {
    const variables = (functionProps(name).Environment as { Variables: Record<string, unknown> }).Variables;
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, deployedValue(v)]));
    expect(() => lambdaEnvironment(env)).not.toThrow();
  });

  it.each(names)("%s: logs at Powertools' INFO level (POWERTOOLS_LOG_LEVEL, functions/lambda-log.ts)", (name) => {
    expect((functionProps(name).Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
  });

  it('points the functions at this stack: table prefix, queue, cluster, task definition, subnets, security group, bucket', () => {
    const variables = (functionProps('launcher').Environment as { Variables: Record<string, unknown> }).Variables;
    const subnets = fleet.vpc.isolatedSubnets.map((s) => ({ Ref: logicalIdOf(s) }));
    expect(variables).toMatchObject({
      ARBFLEET_TABLE_PREFIX: 'Arbfleet-',
      ARBFLEET_LAUNCH_QUEUE_URL: { Ref: logicalIdOf(controlPlane.launchQueue) },
      ARBFLEET_CLUSTER: { 'Fn::GetAtt': [logicalIdOf(fleet.cluster), 'Arn'] },
      ARBFLEET_TASK_DEFINITION: { Ref: logicalIdOf(fleet.taskDefinition) },
      ARBFLEET_CONTAINER_NAME: 'engine',
      ARBFLEET_ENGINE_IMAGES: {
        'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/arbfleet/']],
      },
      ARBFLEET_SUBNETS: { 'Fn::Join': [',', subnets] },
      ARBFLEET_SECURITY_GROUPS: { 'Fn::GetAtt': [logicalIdOf(fleet.taskSecurityGroup), 'GroupId'] },
      ARBFLEET_ASSIGN_PUBLIC_IP: 'DISABLED',
      ARBFLEET_REPORT_BUCKET: { Ref: logicalIdOf(state.reportBucket) },
      POWERTOOLS_METRICS_NAMESPACE: 'Arbfleet',
      POWERTOOLS_SERVICE_NAME: 'Arbfleet',
    });
    expect(subnets).toHaveLength(2);
  });

  it('reserves one concurrent execution for the single-flight passes (scheduler, watchdog, reporter) only', () => {
    for (const name of names) {
      expect(functionProps(name).ReservedConcurrentExecutions, name).toBe(FUNCTION_SPECS[name].singleFlight ? 1 : undefined);
    }
    expect(names.filter((n) => FUNCTION_SPECS[n].singleFlight).sort()).toEqual(['reporter', 'scheduler', 'watchdog']);
  });
});

describe('control plane: the launch queue', () => {
  const queue = () => json.Resources[logicalIdOf(controlPlane.launchQueue)]!.Properties!;

  it('redrives to the dead-letter queue after 5 receives, with a visibility of 6 × the launcher timeout', () => {
    expect(queue().RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(controlPlane.deadLetterQueue), 'Arn'] },
      maxReceiveCount: LAUNCH_MAX_RECEIVES,
    });
    expect(queue().VisibilityTimeout).toBeGreaterThanOrEqual(6 * LAUNCHER_TIMEOUT.toSeconds());
    expect(LAUNCH_MAX_RECEIVES).toBe(5);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    for (const q of [controlPlane.launchQueue, controlPlane.deadLetterQueue]) {
      expect(json.Resources[logicalIdOf(q)]!.Properties!.SqsManagedSseEnabled).toBe(true);
    }
    const denials = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::SQS::QueuePolicy')
      .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }));
    expect(denials).toHaveLength(2);
  });

  it("feeds the launcher one message per invocation (a slow launch never burns another message's receive count), with partial batch failures", () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(controlPlane.functions.launcher) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(controlPlane.launchQueue), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it("gives a launch time for RunTask's backoff and every call on its path at its worst, the SDK's retries included", () => {
    expect(launchBackoffBudgetMs()).toBe(15_000);
    // 9 path calls + 8 of an engine image's task definition (ENGINE_DEFINITION_CALLS: 6, then list and delete the
    // INACTIVE revisions) + 5 RunTask attempts, each at most 4 SDK attempts × (2 + 5 s) + 7 s of SDK backoff,
    // + 15 s of RunTask backoff: 22 × 35 + 15 = 785 s.
    expect(ENGINE_DEFINITION_CALLS).toBe(8);
    expect(LAUNCHER_TIMEOUT.toSeconds()).toBe(840);
    expect(launcherTimeout({ maxAttempts: 2, connectionTimeoutMs: 6_000, requestTimeoutMs: 13_000 }).toSeconds()).toBe(900); // 22 × (38 + 1) + 15 = 873 s
    expect(() => launcherTimeout({ maxAttempts: 2, connectionTimeoutMs: 7_000, requestTimeoutMs: 14_000 })).toThrow(/961 s .* over Lambda's 15 minutes/);
    expect(() => launcherTimeout({ maxAttempts: 4, connectionTimeoutMs: 10_000, requestTimeoutMs: 20_000 })).toThrow(/over Lambda's 15 minutes/);
    expect(functionProps('launcher').Timeout).toBe(LAUNCHER_TIMEOUT.toSeconds());
  });
});

describe('control plane: least privilege per function', () => {
  const cluster = { 'Fn::GetAtt': [logicalIdOf(fleet.cluster), 'Arn'] };
  const onCluster = { ArnEquals: { 'ecs:cluster': cluster } };
  const tasksOfCluster = {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/', { Ref: logicalIdOf(fleet.cluster) }, '/*'],
    ],
  };

  const imageFamilies = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':ecs:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:task-definition/${fleet.taskDefinition.family}-*:*`,
      ],
    ],
  };

  it("only the launcher may RunTask: this task definition and the engine images' families (<family>-*), on this cluster", () => {
    for (const name of names.filter((n) => n !== 'launcher')) expect(allowedActions(all, roleId(name))).not.toContain('ecs:RunTask');
    const [runTask, runImage, ...more] = statementsWith('launcher', 'ecs:RunTask');
    expect(more).toHaveLength(0);
    expect(runTask).toMatchObject({ Action: 'ecs:RunTask', Resource: { Ref: logicalIdOf(fleet.taskDefinition) }, Condition: onCluster });
    expect(runImage).toMatchObject({ Action: 'ecs:RunTask', Resource: imageFamilies, Condition: onCluster });
  });

  it("only the launcher may define engine images' task definitions (ECS_LAUNCHER_ACTIONS.defineEngine), delete only those families' revisions, and tag only those families' at registration", () => {
    for (const action of ECS_LAUNCHER_ACTIONS.defineEngine) {
      for (const name of names.filter((n) => n !== 'launcher')) expect(allowedActions(all, roleId(name)), name).not.toContain(action);
      expect(allowedActions(all, roleId('launcher')), action).toContain(action);
    }
    // DeleteTaskDefinitions takes a task-definition resource in IAM: the engine images' families' revisions, not *.
    for (const name of names.filter((n) => n !== 'launcher')) expect(allowedActions(all, roleId(name)), name).not.toContain('ecs:DeleteTaskDefinitions');
    expect(ECS_LAUNCHER_ACTIONS.deleteEngineRevisions).toEqual(['ecs:DeleteTaskDefinitions']);
    expect(statementsWith('launcher', 'ecs:DeleteTaskDefinitions')).toEqual([
      expect.objectContaining({ Sid: 'DeleteEngineImageRevisions', Action: 'ecs:DeleteTaskDefinitions', Resource: imageFamilies }),
    ]);
    const tagging = statementsWith('launcher', 'ecs:TagResource').filter((s) => JSON.stringify(s.Resource).includes('task-definition'));
    expect(tagging).toEqual([
      expect.objectContaining({ Resource: imageFamilies, Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } } }),
    ]);
  });

  it('only the launcher may pass roles, and only the engine task role and execution role, to ECS tasks', () => {
    const passers = all.filter((s) => s.statement.Effect === 'Allow' && [s.statement.Action].flat().includes('iam:PassRole'));
    expect(passers.flatMap((s) => s.roles)).toEqual([roleId('launcher')]);
    const [passRole] = statementsWith('launcher', 'iam:PassRole');
    expect(resourcesOf(passRole!)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalIdOf(fleet.taskDefinition.taskRole), 'Arn'] },
        { 'Fn::GetAtt': [logicalIdOf(fleet.taskDefinition.executionRole!), 'Arn'] },
      ]),
    );
    expect(resourcesOf(passRole!)).toHaveLength(2);
    expect(passRole!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });

  it("the watchdog may describe and stop this cluster's tasks, nothing else of ECS", () => {
    const ecsActions = [...allowedActions(all, roleId('watchdog'))].filter((a) => a.startsWith('ecs:')).sort();
    expect(ecsActions).toEqual(['ecs:DescribeTasks', 'ecs:StopTask']);
    for (const statement of statementsWith('watchdog', 'ecs:DescribeTasks')) {
      expect(statement.Condition).toEqual(onCluster);
      expect(statement.Resource).toEqual(tasksOfCluster);
    }
  });

  it('task-events may stop tasks (reading them first) and queue launches, but not run tasks, pass roles or scan', () => {
    const actions = allowedActions(all, roleId('task-events'));
    for (const forbidden of ['ecs:RunTask', 'ecs:ListTasks', 'iam:PassRole', 'dynamodb:Scan', 'dynamodb:DeleteItem', 's3:PutObject']) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions).toContain('ecs:StopTask');
    expect(actions).toContain('sqs:SendMessage');
  });

  it('every role that may stop a task may also make every call EcsTaskLauncher.stop makes (DescribeTasks first), on this cluster only', () => {
    const stoppers = names.filter((name) => allowedActions(all, roleId(name)).has('ecs:StopTask'));
    expect(stoppers.sort()).toEqual(['api', 'launcher', 'scheduler', 'task-events', 'watchdog']);
    for (const name of stoppers) {
      for (const action of ECS_LAUNCHER_ACTIONS.stop) {
        expect(allowedActions(all, roleId(name)), `${name} lacks ${action}`).toContain(action);
        for (const statement of statementsWith(name, action)) expect(statement.Condition).toEqual(onCluster);
      }
    }
  });

  it('the scheduler ticks over the live-campaigns index, never a Scan', () => {
    expect(allowedActions(all, roleId('scheduler'))).not.toContain('dynamodb:Scan');
  });

  it('the reporter reads the tables, marks campaigns reported, and writes report objects', () => {
    const actions = [...allowedActions(all, roleId('reporter'))].sort();
    expect(actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
    ]);
    const [update, ...more] = statementsWith('reporter', 'dynamodb:UpdateItem');
    expect(more).toHaveLength(0);
    expect(update!.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(state.tables.campaigns), 'Arn'] });
    const [put] = statementsWith('reporter', 's3:PutObject');
    expect(put!.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(state.reportBucket), 'Arn'] }, '/*']] });
  });

  it('only the functions that create campaigns (the api, and the scheduler for schedule runs) may delete items (the shards of a create that failed), and only from the shards table', () => {
    const deleters = all.filter((s) => s.kind === 'identity' && s.statement.Effect === 'Allow' && [s.statement.Action].flat().includes('dynamodb:DeleteItem'));
    expect(deleters.flatMap((s) => s.roles).sort()).toEqual([roleId('api'), roleId('scheduler')].sort());
    for (const deleter of deleters) expect(deleter.statement.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(state.tables.shards), 'Arn'] });
  });

  it('each function writes only to its own log group', () => {
    for (const name of names) {
      const [logs, ...more] = statementsWith(name, 'logs:PutLogEvents');
      expect(more).toHaveLength(0);
      const logGroupId = (functionProps(name).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logs!.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    }
  });
});

describe('control plane: DynamoDB grants, table by table (TABLE_ACCESS)', () => {
  const tableArn = (table: TableName) => ({ 'Fn::GetAtt': [logicalIdOf(state.tables[table]), 'Arn'] });
  /** What a TABLE_ACCESS key is in the template: the table's ARN, or `<table ARN>/index/<name>`. */
  const arnOf = (resource: TableResource) => {
    const [table, index] = resource.split('/index/') as [TableName, string | undefined];
    return index === undefined ? tableArn(table) : { 'Fn::Join': ['', [tableArn(table), `/index/${index}`]] };
  };
  const dynamoStatements = (name: FunctionName) => statementsOfRole(all, roleId(name)).filter((s) => [s.Action].flat().some((a) => a?.startsWith('dynamodb:')));
  /** Who may take `action` on `table` (the table itself, not its indexes). */
  const grantedOn = (table: TableName, action: string) =>
    names.filter((name) =>
      dynamoStatements(name).some(
        (s) => [s.Action].flat().includes(action) && resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(tableArn(table))),
      ),
    );

  it.each(names)('%s: one statement per table or index of its TABLE_ACCESS, naming that ARN and exactly those actions', (name) => {
    const granted = dynamoStatements(name).map((s) => ({ resources: resourcesOf(s), actions: [s.Action].flat().sort() }));
    const expected = Object.entries(TABLE_ACCESS[name]).map(([resource, actions]) => ({
      resources: [arnOf(resource as TableResource)],
      actions: [...actions!].sort(),
    }));
    expect(granted).toEqual(expect.arrayContaining(expected));
    expect(granted).toHaveLength(expected.length);
  });

  it('no Lambda writes the ledger, checkpoints or heartbeats (only the engine task does): it reads them for reports', () => {
    for (const table of ['ledger', 'checkpoints', 'heartbeats'] as const) {
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem']) {
        expect(grantedOn(table, action), `${action} on ${table}`).toEqual([]);
      }
    }
    expect(grantedOn('ledger', 'dynamodb:Query').sort()).toEqual(['api', 'reporter']);
  });

  it('BatchWriteItem (appendEvents) only on the events table', () => {
    const batchWrites = names.flatMap((name) => statementsWith(name, 'dynamodb:BatchWriteItem'));
    expect(batchWrites.length).toBeGreaterThan(0);
    for (const statement of batchWrites) expect(statement.Resource).toEqual(tableArn('events'));
    expect(grantedOn('events', 'dynamodb:BatchWriteItem').sort()).toEqual(['api', 'launcher', 'scheduler', 'task-events', 'watchdog']);
  });

  it('only the api and the scheduler put items (campaign creates, schedules); the launcher, watchdog, task-events and reporter never do', () => {
    const putters = names.filter((name) => allowedActions(all, roleId(name)).has('dynamodb:PutItem'));
    expect(putters.sort()).toEqual(['api', 'scheduler']);
    for (const table of ['campaigns', 'shards', 'schedules'] as const) expect(grantedOn(table, 'dynamodb:PutItem').sort(), table).toEqual(['api', 'scheduler']);
    expect(grantedOn('schedules', 'dynamodb:GetItem').sort()).toEqual(['api', 'scheduler']);
  });

  it('each index is only queried, and only by the functions that list through it', () => {
    const indexGrants = names.flatMap((name) =>
      dynamoStatements(name)
        .filter((s) => JSON.stringify(s.Resource).includes('/index/'))
        .map((s) => `${name} ${[s.Action].flat().join(',')} ${JSON.stringify(s.Resource).match(/\/index\/([a-z-]+)/)?.[1]}`),
    );
    expect(indexGrants.sort()).toEqual(
      [
        'api dynamodb:Query listed-schedules',
        'api dynamodb:Query live-campaigns',
        'scheduler dynamodb:Query listed-schedules',
        'scheduler dynamodb:Query live-campaigns',
        'watchdog dynamodb:Query active-shards',
      ].sort(),
    );
  });

  it('only the api and the reporter scan, and only the campaigns table (listCampaigns)', () => {
    const scans = names.flatMap((name) => statementsWith(name, 'dynamodb:Scan').map((s) => ({ name, resource: s.Resource })));
    expect(scans.map((s) => s.name).sort()).toEqual(['api', 'reporter']);
    for (const scan of scans) expect(scan.resource).toEqual(tableArn('campaigns'));
  });
});
