/**
 * The stack's stateful resources created in moto from the template's own definitions: the
 * DynamoDB tables (key schema, attributes, indexes, billing, TTL; the template's TableName), the
 * SQS queues (attributes and redrive policy), the report bucket, the ECS cluster and the engine's
 * task definition, and moto's default subnets and security group standing in for the VPC's. Every
 * one is recorded in a `PhysicalResources`, so the rest of the template resolves against them.
 */
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, type ContainerDefinition, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import type { AwsClients } from '../../core/aws/aws-clients.js';
import { resourcesOfType, type CloudFormationTemplate } from './cloud-assembly.js';
import { type PhysicalResources, resolveString, resolveValue, UnresolvedReferenceError } from './cloudformation-values.js';
import { motoQuery, xmlValues } from './moto-query-api.js';

/** moto's default account. */
export const MOTO_ACCOUNT_ID = '123456789012';

/** A name CloudFormation would generate for a resource without one: `<stack>-<logicalId>-<random>`. */
export function generatedName(stackName: string, logicalId: string, maxLength = 80): string {
  return `${`${stackName}-${logicalId}`.slice(0, maxLength - 7)}-${randomBytes(3).toString('hex')}`;
}

/** The tables of the template, created with its properties and physical names. */
export async function createTemplateTables(template: CloudFormationTemplate, resources: PhysicalResources, clients: AwsClients): Promise<string[]> {
  const names: string[] = [];
  for (const [logicalId, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const p = table.Properties ?? {};
    const tableName = resolveString(p.TableName, resources);
    const input = {
      TableName: tableName,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode,
      ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
    } as CreateTableCommandInput;
    const { TableDescription } = await clients.documents.send(new CreateTableCommand(input));
    const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
    if (ttl?.Enabled) await clients.documents.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));
    resources.set(logicalId, { ref: tableName, attributes: { Arn: TableDescription?.TableArn as string, StreamArn: '' } });
    names.push(tableName);
  }
  return names;
}

/** The queues of the template (a queue whose redrive policy names another is created after it). */
export async function createTemplateQueues(
  template: CloudFormationTemplate,
  resources: PhysicalResources,
  clients: AwsClients,
  stackName: string,
): Promise<void> {
  let pending = resourcesOfType(template, 'AWS::SQS::Queue');
  while (pending.length > 0) {
    const next: typeof pending = [];
    for (const [logicalId, queue] of pending) {
      let attributes: Record<string, string>;
      try {
        attributes = Object.fromEntries(
          Object.entries(queue.Properties ?? {}).map(([name, value]) => {
            const resolved = resolveValue(value, resources);
            return [name, typeof resolved === 'object' ? JSON.stringify(resolved) : String(resolved)];
          }),
        );
      } catch (error) {
        if (!(error instanceof UnresolvedReferenceError)) throw error;
        next.push([logicalId, queue]);
        continue;
      }
      const name = generatedName(stackName, logicalId);
      const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      resources.set(logicalId, { ref: QueueUrl as string, attributes: { Arn: Attributes?.QueueArn as string, QueueName: name, QueueUrl: QueueUrl as string } });
    }
    if (next.length === pending.length) throw new Error(`queues ${next.map(([id]) => id).join(', ')} refer to resources the test did not create`);
    pending = next;
  }
}

/** The buckets of the template (versioning as declared). */
export async function createTemplateBuckets(
  template: CloudFormationTemplate,
  resources: PhysicalResources,
  clients: AwsClients,
  stackName: string,
): Promise<void> {
  for (const [logicalId, bucket] of resourcesOfType(template, 'AWS::S3::Bucket')) {
    const name = generatedName(stackName, logicalId, 63).toLowerCase();
    await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    const versioning = bucket.Properties?.VersioningConfiguration as { Status?: 'Enabled' | 'Suspended' } | undefined;
    if (versioning?.Status) await clients.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: versioning.Status } }));
    resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } });
  }
}

/**
 * The VPC's subnets and security groups, mapped onto moto's default VPC (moto runs no network:
 * RunTask only needs ids it knows), and the log groups as ARNs (no bundle code writes to them;
 * Lambda's runtime does, outside the bundle).
 */
export async function mapNetworkAndLogs(template: CloudFormationTemplate, resources: PhysicalResources, endpoint: string, stackName: string): Promise<void> {
  const { region, accountId } = resources.pseudo;
  const subnets = xmlValues(await motoQuery(endpoint, 'ec2', 'DescribeSubnets', {}, region), 'subnetId');
  const [group] = xmlValues(await motoQuery(endpoint, 'ec2', 'DescribeSecurityGroups', {}, region), 'groupId');
  resourcesOfType(template, 'AWS::EC2::Subnet').forEach(([logicalId], i) => {
    const id = subnets[i % subnets.length];
    if (!id) throw new Error('moto has no default subnet');
    resources.set(logicalId, { ref: id, attributes: { SubnetId: id } });
  });
  for (const [logicalId] of resourcesOfType(template, 'AWS::EC2::SecurityGroup'))
    resources.set(logicalId, { ref: group as string, attributes: { GroupId: group as string } });
  for (const [logicalId, logGroup] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
    const name = logGroup.Properties?.LogGroupName ? resolveString(logGroup.Properties.LogGroupName, resources) : `/${stackName}/${logicalId}`;
    resources.set(logicalId, { ref: name, attributes: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` } });
  }
}

/** The engine task definition as ECS holds it once registered. */
export interface RegisteredTaskDefinition {
  logicalId: string;
  arn: string;
  family: string;
  container: ContainerDefinition;
}

/** The ECS clusters of the template, with their settings (Container Insights). */
export async function createTemplateClusters(
  template: CloudFormationTemplate,
  resources: PhysicalResources,
  clients: AwsClients,
  stackName: string,
): Promise<void> {
  for (const [logicalId, cluster] of resourcesOfType(template, 'AWS::ECS::Cluster')) {
    const name = generatedName(stackName, logicalId);
    const settings = (cluster.Properties?.ClusterSettings as { Name: 'containerInsights'; Value: string }[] | undefined) ?? [];
    const { cluster: created } = await clients.ecs.send(
      new CreateClusterCommand({ clusterName: name, settings: settings.map((s) => ({ name: s.Name, value: s.Value })) }),
    );
    resources.set(logicalId, { ref: name, attributes: { Arn: created?.clusterArn as string } });
  }
}

/**
 * The task definitions of the template, registered in moto with their family, size, network
 * mode, roles (which must exist by now) and containers (name, image, environment, essential).
 * moto needs a container-level memory, which Fargate does not: the task's memory is given.
 */
export async function registerTemplateTaskDefinitions(
  template: CloudFormationTemplate,
  resources: PhysicalResources,
  clients: AwsClients,
): Promise<RegisteredTaskDefinition[]> {
  const registered: RegisteredTaskDefinition[] = [];
  for (const [logicalId, definition] of resourcesOfType(template, 'AWS::ECS::TaskDefinition')) {
    const p = resolveValue(definition.Properties ?? {}, resources) as Record<string, unknown>;
    const containers = (p.ContainerDefinitions as Record<string, unknown>[]).map(
      (c): ContainerDefinition => ({
        name: c.Name as string,
        image: c.Image as string,
        essential: c.Essential as boolean,
        memory: Number(p.Memory),
        environment: ((c.Environment as { Name: string; Value: string }[] | undefined) ?? []).map((e) => ({ name: e.Name, value: e.Value })),
        ...(c.StopTimeout !== undefined ? { stopTimeout: Number(c.StopTimeout) } : {}),
      }),
    );
    const input: RegisterTaskDefinitionCommandInput = {
      family: p.Family as string,
      cpu: String(p.Cpu),
      memory: String(p.Memory),
      networkMode: p.NetworkMode as 'awsvpc',
      requiresCompatibilities: p.RequiresCompatibilities as 'FARGATE'[],
      taskRoleArn: p.TaskRoleArn as string,
      executionRoleArn: p.ExecutionRoleArn as string,
      containerDefinitions: containers,
    };
    const { taskDefinition } = await clients.ecs.send(new RegisterTaskDefinitionCommand(input));
    const arn = taskDefinition?.taskDefinitionArn as string;
    resources.set(logicalId, { ref: arn, attributes: {} });
    registered.push({ logicalId, arn, family: input.family as string, container: containers[0] as ContainerDefinition });
  }
  return registered;
}
