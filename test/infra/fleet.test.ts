import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_TABLE_ACTIONS } from '../../infra/constructs/fleet.js';
import { logicalIdOf } from '../../infra/constructs/control-plane.js';
import { allowedActions, policyStatements, resourcesOf, statementsOfRole } from './support/policy-statements.js';
import { REPO_ROOT, synthArbfleet } from './support/synth-stack.js';

const { app, stack, template, json } = synthArbfleet();
const resourcesOfType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
const taskDefinition = () => resourcesOfType('AWS::ECS::TaskDefinition')[0]![1].Properties as Record<string, unknown>;
const engineContainer = () => (taskDefinition().ContainerDefinitions as Record<string, unknown>[])[0]!;

describe('fleet: a private VPC without NAT, reaching AWS through endpoints', () => {
  it('has only private isolated subnets: no NAT gateway, no internet gateway, no public IPs', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const [, subnet] of resourcesOfType('AWS::EC2::Subnet')) expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(false);
  });

  it('logs rejected traffic (flow logs)', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
  });

  it('has gateway endpoints for DynamoDB and S3 (ECR layers), interface endpoints for ECR api, ECR dkr and CloudWatch Logs', () => {
    const endpoints = resourcesOfType('AWS::EC2::VPCEndpoint').map(([, r]) => ({
      // com.amazonaws.<region>.<service>: the last part of the join
      service: String((r.Properties?.ServiceName as { 'Fn::Join': [string, unknown[]] } | undefined)?.['Fn::Join'][1].at(-1)).replace(/^\./, ''),
      type: r.Properties?.VpcEndpointType ?? 'Gateway',
      privateDns: r.Properties?.PrivateDnsEnabled,
    }));
    expect(endpoints.map((e) => `${e.type}:${e.service}`).sort()).toEqual([
      'Gateway:dynamodb',
      'Gateway:s3',
      'Interface:ecr.api',
      'Interface:ecr.dkr',
      'Interface:logs',
    ]);
    for (const endpoint of endpoints.filter((e) => e.type === 'Interface')) expect(endpoint.privateDns).toBe(true);
  });

  it('gives tasks a security group with no inbound rule and HTTPS out only', () => {
    const [, group] = resourcesOfType('AWS::EC2::SecurityGroup').find(([, r]) => String(r.Properties?.GroupDescription).startsWith('arbfleet engine tasks'))!;
    expect(group.Properties?.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties?.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'HTTPS to AWS APIs through the VPC endpoints', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
  });
});

describe('fleet: the ECS cluster and the engine task definition', () => {
  it('enables Container Insights on the cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  it('is a Fargate ARM64 task of 512 CPU units and 1024 MiB by default', () => {
    expect(taskDefinition()).toMatchObject({
      Family: 'Arbfleet-engine',
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('runs one essential container "engine" with the store of this stack, a 30 s stop timeout and logs with retention', () => {
    const container = engineContainer();
    expect(container).toMatchObject({ Name: 'engine', Essential: true, StopTimeout: 30 });
    expect(container.Environment).toEqual(
      expect.arrayContaining([
        { Name: 'ARBFLEET_STORE', Value: 'dynamodb:Arbfleet-' },
        { Name: 'POWERTOOLS_METRICS_NAMESPACE', Value: 'Arbfleet' },
        { Name: 'AWS_REGION', Value: { Ref: 'AWS::Region' } },
      ]),
    );
    expect(container.LogConfiguration).toMatchObject({ LogDriver: 'awslogs', Options: { mode: 'non-blocking', 'awslogs-stream-prefix': 'engine' } });
    const logGroupId = (container.LogConfiguration as { Options: { 'awslogs-group': { Ref: string } } }).Options['awslogs-group'].Ref;
    expect(json.Resources[logGroupId]?.Properties?.RetentionInDays).toBe(30);
  });

  it("mirrors the Dockerfile's HEALTHCHECK", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'engine-task', 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
    const line = dockerfile.split('\n').find((l) => l.startsWith('HEALTHCHECK'));
    if (!line) throw new Error('engine-task/Dockerfile: no HEALTHCHECK line');
    const seconds = (flag: string) => Number(new RegExp(`--${flag}=(\\d+)s`).exec(line)?.[1]);
    const command = JSON.parse(/CMD\s+(\[.*\])/.exec(line)![1]!) as string[];
    expect(engineContainer().HealthCheck).toEqual({
      Command: ['CMD', ...command],
      Interval: seconds('interval'),
      Timeout: seconds('timeout'),
      StartPeriod: seconds('start-period'),
      Retries: Number(/--retries=(\d+)/.exec(line)?.[1]),
    });
  });

  it('builds the image from engine-task/Dockerfile for linux/arm64, with only what the Dockerfile copies in its context', () => {
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({ dockerFile: 'engine-task/Dockerfile', platform: 'linux/arm64' });
    const context = path.join(assembly.directory, images[0]!.source.directory);
    expect(readdirSync(context).sort()).toEqual(['configs', 'core', 'engine-task', 'package-lock.json', 'package.json', 'tsconfig.json']);
    expect(readdirSync(path.join(context, 'engine-task'))).toContain('Dockerfile');
    expect(readdirSync(path.join(context, 'engine-task'))).not.toContain('dist');
  });
});

describe('fleet: the task role may do only what a shard does, on its own tables', () => {
  const all = policyStatements(json.Resources);
  const taskRoleId = logicalIdOf(stack.fleet.taskDefinition.taskRole);

  it('allows exactly the shard operations, table by table', () => {
    const tableId = (name: string) => logicalIdOf(stack.state.tables[name as keyof typeof stack.state.tables]);
    const granted = statementsOfRole(all, taskRoleId).map((s) => ({
      table: (resourcesOf(s) as { 'Fn::GetAtt': [string, string] }[]).map((r) => r['Fn::GetAtt'][0]),
      actions: [s.Action].flat().sort(),
    }));
    const expected = Object.entries(TASK_TABLE_ACTIONS).map(([name, actions]) => ({ table: [tableId(name)], actions: [...actions!].sort() }));
    expect(granted).toEqual(expect.arrayContaining(expected));
    expect(granted).toHaveLength(expected.length);
  });

  it('never scans, deletes or touches events, and only reads its campaign (the config, by reference)', () => {
    const actions = allowedActions(all, taskRoleId);
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(actions).not.toContain(forbidden);
    const statements = statementsOfRole(all, taskRoleId);
    const onCampaigns = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalIdOf(stack.state.tables.campaigns)));
    expect(onCampaigns.flatMap((s) => [s.Action].flat())).toEqual(['dynamodb:GetItem']);
    expect(JSON.stringify(statements)).not.toContain(logicalIdOf(stack.state.tables.events));
  });

  it("names the engine's metrics service after the stack, as the latency alarm selects it", () => {
    expect(engineContainer().Environment).toContainEqual({ Name: 'POWERTOOLS_SERVICE_NAME', Value: 'Arbfleet-engine' });
  });
});
