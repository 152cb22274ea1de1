/** The stack with every context option away from its default, in one synthesis. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { tableNames } from '../../core/aws/table-design.js';
import { FUNCTION_SPECS, logicalIdOf, type FunctionName } from '../../infra/constructs/control-plane.js';
import { synthArbfleet } from './support/synth-stack.js';

/** What `cdk synth` caches in cdk.context.json after looking the VPC up: two private subnets with a NAT route. */
const lookedUpVpc = {
  'vpc-provider:account=123456789012:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1:returnAsymmetricSubnets=true': {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.20.0.0/16',
    ownerAccountId: '123456789012',
    availabilityZones: [],
    subnetGroups: [
      {
        name: 'Private',
        type: 'Private',
        subnets: [
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', cidr: '10.20.0.0/20', availabilityZone: 'eu-west-1a', routeTableId: 'rtb-0aaaaaaaaaaaaaaa1' },
          { subnetId: 'subnet-0aaaaaaaaaaaaaaa2', cidr: '10.20.16.0/20', availabilityZone: 'eu-west-1b', routeTableId: 'rtb-0aaaaaaaaaaaaaaa2' },
        ],
      },
    ],
  },
};

const { stack, template, json } = synthArbfleet(
  {
    ...lookedUpVpc,
    stackName: 'ArbStaging',
    destroyTables: 'true',
    vpcId: 'vpc-0123456789abcdef0',
    taskCpu: '1024',
    taskMemoryMiB: '4096',
    logRetentionDays: '90',
    alarmEmail: 'oncall@example.com',
    apiRateLimit: '5',
    apiBurstLimit: '10',
    restartAlarmThreshold: '3',
    reservedConcurrency: 'false',
    apiGatewayAccountRole: 'false',
  },
  { account: '123456789012', region: 'eu-west-1' },
);
const ofType = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

describe('context options', () => {
  it('stackName: names the stack and prefixes the tables and the engine store with it', () => {
    expect(stack.stackName).toBe('ArbStaging');
    expect(
      ofType('AWS::DynamoDB::Table')
        .map((t) => t.Properties!.TableName)
        .sort(),
    ).toEqual(Object.values(tableNames('ArbStaging-')).sort());
    const container = (ofType('AWS::ECS::TaskDefinition')[0]!.Properties!.ContainerDefinitions as { Environment: unknown[] }[])[0]!;
    expect(container.Environment).toContainEqual({ Name: 'ARBFLEET_STORE', Value: 'dynamodb:ArbStaging-' });
  });

  it('destroyTables=true: tables and the report bucket go with the stack, unprotected', () => {
    for (const table of Object.values(json.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table') as unknown as Record<string, unknown>[]) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect((table.Properties as Record<string, unknown>).DeletionProtectionEnabled).toBe(false);
    }
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });

  it('vpcId: uses the existing VPC (no VPC, subnets or endpoints of its own) and its private subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(stack.fleet.vpc.vpcId).toMatch(/^vpc-/);
    const subnets = (json.Resources[logicalIdOf(stack.controlPlane.functions.launcher)]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables.ARBFLEET_SUBNETS;
    expect(subnets).toBe('subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2');
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0123456789abcdef0',
      GroupDescription: Match.stringLikeRegexp('^arbfleet engine tasks'),
    });
  });

  it('taskCpu / taskMemoryMiB: size the Fargate task', () => {
    expect(ofType('AWS::ECS::TaskDefinition')[0]!.Properties).toMatchObject({ Cpu: '1024', Memory: '4096' });
  });

  it('logRetentionDays: applies to every log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(8);
    for (const group of groups) expect(group.Properties!.RetentionInDays).toBe(90);
  });

  it('alarmEmail: subscribes the address to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: logicalIdOf(stack.alarms.topic) },
    });
  });

  it('apiRateLimit / apiBurstLimit: throttle the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [{ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }],
    });
  });

  it('restartAlarmThreshold: sets the restart-rate alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'ArbStaging-RestartRate', Threshold: 3 });
  });

  it("apiGatewayAccountRole=false: leaves the account's API Gateway setting alone (managed elsewhere)", () => {
    expect(ofType('AWS::ApiGateway::Account')).toHaveLength(0);
  });

  it('reservedConcurrency=false: reserves nothing (accounts with little concurrency to spare)', () => {
    for (const name of Object.keys(FUNCTION_SPECS) as FunctionName[]) {
      expect(json.Resources[logicalIdOf(stack.controlPlane.functions[name])]!.Properties!.ReservedConcurrentExecutions).toBeUndefined();
    }
  });
});
