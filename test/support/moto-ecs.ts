/**
 * What an ECS suite needs from moto's server beyond the ECS API itself: a subnet and a security
 * group of its default VPC (through EC2's query API: the project has no EC2 client), manual task
 * state transitions (moto otherwise moves a task towards STOPPED on every DescribeTasks), and a
 * cluster with a Fargate task definition.
 */
import { CreateClusterCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { inject } from 'vitest';
import type { AwsClients } from '../../core/aws/aws-clients.js';
import { emulatorEndpoint } from './moto-server.js';
import { motoTaskTransitionAt } from './moto-task-transition.js';

/** The first match of `pattern` in an EC2 query API answer (moto checks no signature, only the credential scope). */
export async function ec2Query(action: string, pattern: RegExp): Promise<string> {
  const endpoint = emulatorEndpoint();
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${process.env.AWS_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  const match = pattern.exec(await res.text());
  if (!match?.[1]) throw new Error(`EC2 ${action} at ${endpoint}: nothing matched ${pattern}`);
  return match[1];
}

/** Sets (or, with undefined, unsets) moto's state transition for ECS tasks, on the suite's own moto. */
export async function motoTaskTransition(transition: { progression: string; times?: number } | undefined): Promise<void> {
  await motoTaskTransitionAt(emulatorEndpoint(), transition);
}

export interface MotoEcs {
  subnets: string[];
  securityGroups: string[];
}

/** A cluster and a Fargate task definition in moto, with tasks that stay RUNNING until stopped. */
export async function setUpMotoEcs(clients: AwsClients, cluster: string, family: string, container: string): Promise<MotoEcs> {
  if (!inject('awsEmulatorIsMoto')) throw new Error('this suite sets up its network through moto; point it at moto');
  await motoTaskTransition({ progression: 'manual', times: 1_000_000 });
  const network = {
    subnets: [await ec2Query('DescribeSubnets', /<subnetId>(subnet-[0-9a-f]+)<\/subnetId>/)],
    securityGroups: [await ec2Query('DescribeSecurityGroups', /<groupId>(sg-[0-9a-f]+)<\/groupId>/)],
  };
  await clients.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      // moto needs a container-level memory (Fargate itself does not).
      containerDefinitions: [{ name: container, image: 'arbfleet/engine:test', essential: true, memory: 512 }],
    }),
  );
  return network;
}
