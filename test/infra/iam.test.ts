/**
 * Every policy statement of the template, wherever it sits: no wildcard action, and a `*` (or an
 * ARN ending in `*`) only where IAM offers nothing narrower, each such place named here with why.
 */
import { describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../infra/constructs/control-plane.js';
import { asList, policyStatements, resourcesOf, type LocatedStatement } from './support/policy-statements.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, json } = synthArbfleet();
const all = policyStatements(json.Resources);
const identityAllows = all.filter((s) => s.kind === 'identity' && s.statement.Effect === 'Allow');
const describeStatement = (s: LocatedStatement) => `${s.holder} ${s.statement.Sid ?? ''} ${JSON.stringify(s.statement.Action)}`;

/** Actions IAM authorises only on `*`, and the condition that narrows them when there is one. */
const STAR_ONLY_ACTIONS: Readonly<Record<string, { why: string; condition?: string }>> = {
  'ecr:GetAuthorizationToken': { why: 'ECR login tokens are per registry, not per repository (execution role)' },
  'ecs:ListTasks': { why: 'its resource type is the container instance, absent on Fargate', condition: 'ecs:cluster' },
  // The launcher's engine-image task definitions (core/aws/engine-task-definitions.ts): IAM takes no resource for these.
  'ecs:DescribeTaskDefinition': { why: 'no resource-level permission in IAM (launcher: the base and its engine image families)' },
  'ecs:RegisterTaskDefinition': { why: 'no resource-level permission in IAM (launcher: engine image families only, by its code)' },
  'ecs:ListTaskDefinitions': { why: 'no resource-level permission in IAM (launcher: one family at a time)' },
  'ecs:DeregisterTaskDefinition': { why: 'no resource-level permission in IAM (launcher: stale revisions of an engine image family)' },
};

/** Resources that end in a wildcard because the names below them are made at run time. */
function allowedWildcardResources(): string[] {
  const cluster = logicalIdOf(stack.fleet.cluster);
  const bucket = logicalIdOf(stack.state.reportBucket);
  return [
    // ECS task ids exist only after RunTask: this cluster's tasks.
    JSON.stringify({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/', { Ref: cluster }, '/*']],
    }),
    // Report keys are <campaignId>/<file>: the report bucket's objects.
    JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] }),
    // Engine images' task definitions, registered at launch: one family per image, <engine family>-<hash>.
    JSON.stringify({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:task-definition/${stack.fleet.taskDefinition.family}-*:*`,
        ],
      ],
    }),
    // Engine images pushed after the deploy: this account's repositories <stack>/…, pulls only.
    JSON.stringify({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/arbfleet/*']],
    }),
  ];
}

describe('IAM: every statement of every policy in the template', () => {
  it('finds the policies (the walker is not looking at nothing)', () => {
    expect(identityAllows.length).toBeGreaterThan(30);
    expect(new Set(all.filter((s) => s.kind === 'resource').map((s) => s.holderType))).toEqual(
      new Set(['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key']),
    );
  });

  it('allows no wildcard action in any identity policy', () => {
    const offenders = identityAllows.filter((s) => asList(s.statement.Action).some((a) => a.includes('*')) || s.statement.NotAction !== undefined);
    expect(offenders.map(describeStatement)).toEqual([]);
  });

  it('allows a wildcard action in a resource policy only as the key policy’s administration by the account itself', () => {
    const offenders = all.filter((s) => s.kind === 'resource' && s.statement.Effect === 'Allow' && asList(s.statement.Action).some((a) => a.includes('*')));
    for (const offender of offenders) {
      expect(offender.holderType, describeStatement(offender)).toBe('AWS::KMS::Key');
      expect(offender.statement.Action).toBe('kms:*');
      expect(JSON.stringify(offender.statement.Principal)).toMatch(/:root"/);
    }
  });

  it('names `*` as a resource only for actions that have no narrower resource, with their condition', () => {
    for (const s of identityAllows.filter((x) => resourcesOf(x.statement).includes('*'))) {
      for (const action of asList(s.statement.Action)) {
        const allowed = STAR_ONLY_ACTIONS[action];
        expect(allowed, `${describeStatement(s)}: ${action} on *`).toBeDefined();
        if (allowed?.condition) expect(JSON.stringify(s.statement.Condition ?? {}), `${action} needs ${allowed.condition}`).toContain(allowed.condition);
      }
    }
  });

  it("ends a resource in a wildcard only for run-time names (tasks of this cluster, report objects, engine images' families and repositories)", () => {
    const allowed = allowedWildcardResources();
    for (const s of identityAllows) {
      for (const resource of resourcesOf(s.statement)) {
        if (resource === '*') continue;
        const text = JSON.stringify(resource);
        if (text.includes('*')) expect(allowed, `${describeStatement(s)}: ${text}`).toContain(text);
      }
    }
  });

  it('names DynamoDB tables and indexes one by one (never index/* or table/*)', () => {
    const dynamo = identityAllows.filter((s) => asList(s.statement.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(6);
    for (const s of dynamo) expect(JSON.stringify(s.statement.Resource), describeStatement(s)).not.toContain('*');
  });

  it("attaches a managed policy to no role but the CDK-owned provider that locks down the default security group and API Gateway's account logging role", () => {
    const withManaged = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.ManagedPolicyArns !== undefined);
    expect(withManaged.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^ApiRestApiCloudWatchRole/),
      expect.stringMatching(/^CustomVpcRestrictDefaultSGCustomResourceProviderRole/),
    ]);
    const apiLogging = withManaged.find(([id]) => id.startsWith('ApiRestApiCloudWatchRole'))![1];
    expect(JSON.stringify(apiLogging.Properties!.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
  });

  it('lets each role be assumed only by the service it serves', () => {
    for (const [id, role] of Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
      const trust = role.Properties!.AssumeRolePolicyDocument as { Statement: { Principal: { Service?: string } }[] };
      for (const statement of trust.Statement) {
        const allowed = id.startsWith('ApiRestApiCloudWatchRole')
          ? ['apigateway.amazonaws.com']
          : ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com', 'vpc-flow-logs.amazonaws.com'];
        expect(allowed, id).toContain(statement.Principal.Service);
      }
    }
  });
});
