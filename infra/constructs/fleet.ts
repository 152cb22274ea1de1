/**
 * Fleet: where the engine tasks run. A VPC (new, or an existing one) with VPC endpoints for every
 * AWS service a task talks to, an ECS cluster with Container Insights, and the Fargate task
 * definition of one shard built from `engine-task/Dockerfile`.
 *
 * The tasks' route out is the stack's `taskEgress` setting (`infra/stack-settings.ts`):
 * `none` (the default): private isolated subnets, no NAT gateway, no internet gateway: AWS through
 * the endpoints and nothing else, enough for replay and synthetic campaigns. `public-ip`: public
 * subnets (an internet gateway) and a public IPv4 address on each task, so `kind: live` campaigns
 * reach the venues' WebSockets. `nat`: the tasks in private subnets whose traffic leaves through
 * one NAT gateway in a small public subnet. Either way no inbound rule exists.
 *
 * The image is an asset: synthesis only fingerprints the build context (no Docker needed);
 * `cdk deploy` builds it for ARM64 and pushes it to the bootstrap ECR repository. It is also the
 * base image of engines arbfleet did not write: a campaign's `engine.image` (an ECR repository
 * `<stack>/…` of this account, `engineRepositoryPrefix`) runs under a task definition the launcher
 * derives from this one (`core/aws/engine-task-definitions.ts`); the execution role may pull those.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, IgnoreMode, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TaskEgress } from '../stack-settings.js';
import type { State, TableName } from './state.js';

/** The repository root: the Docker build context of the engine image. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The engine's container name; the launcher's RunTask overrides address it. */
export const ENGINE_CONTAINER_NAME = 'engine';

/**
 * The ports a live feed connects to beyond 443 (which AWS's APIs need anyway): Binance's combined
 * streams at `wss://stream.binance.com:9443` (`core/data/live/venue-protocol.ts`). Opened only
 * when the tasks have a route out.
 */
export const VENUE_FEED_PORTS: readonly number[] = [9443];

/**
 * What the image build needs from the repository (the Dockerfile's COPY lines), and nothing
 * else: node_modules, .venv and run folders stay out of the fingerprint and the build context.
 */
export const ENGINE_BUILD_CONTEXT_EXCLUDE = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!core',
  '!engine-task',
  '!configs',
  'engine-task/dist',
  '**/node_modules',
  '**/*.log',
];

/**
 * The files of `configs/` the engine image holds (the Dockerfile copies the folder whole; the build
 * context drops logs and node_modules), as paths from the image's working directory
 * (`configs/…`), sorted. The Lambdas carry this list (`ARBFLEET_IMAGE_FILES`, `ecs-admission.ts`)
 * so that a replay file the image built in the same deploy does not hold is a 400 at create time.
 */
export function imageDataFiles(root: string = REPO_ROOT): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child);
      } else if (!entry.name.endsWith('.log')) found.push(child);
    }
  };
  walk('configs');
  return found.sort();
}

/**
 * The only DynamoDB operations an engine task performs (`DynamoDbCampaignStore.forTask`), per
 * table: restore (GetItem of the checkpoint and head, Query of the ledger tail); heartbeat (a
 * transaction of the shard's update, conditional on its generation, and a heartbeat put; GetItem
 * of the shard after a lost race); commit (`dynamodb-commit.ts`: transactions of a ConditionCheck
 * of the shard's generation and ledger puts, the last one with the checkpoint-and-head put;
 * GetItem of the head and Query of the ledger to reconcile, GetItem of the shard when fenced
 * out); its config (GetItem of the campaign: the config travels by reference,
 * `ARBFLEET_CONFIG_FROM=store`). No Scan, no deletes, no campaign writes, no event access.
 * A transaction needs each part's action on that part's table, as these are listed.
 */
export const TASK_TABLE_ACTIONS: Readonly<Partial<Record<TableName, readonly string[]>>> = {
  campaigns: ['dynamodb:GetItem'],
  shards: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  ledger: ['dynamodb:Query', 'dynamodb:PutItem'],
  checkpoints: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  heartbeats: ['dynamodb:PutItem'],
};

export interface FleetProps {
  state: State;
  /** The table prefix the engine's DynamoDB store uses (`ARBFLEET_STORE=dynamodb:<prefix>`). */
  tablePrefix: string;
  /** `POWERTOOLS_METRICS_NAMESPACE` of the engine's EMF metrics. */
  metricsNamespace: string;
  /** `POWERTOOLS_SERVICE_NAME` of the engine's EMF metrics: this stack's own, so its alarms see only its tasks. */
  metricsService: string;
  /** An existing VPC to look up; a new one when undefined. */
  vpcId?: string;
  vpcEndpoints: boolean;
  /** The tasks' route out beyond AWS's APIs (`StackSettings.taskEgress`). */
  taskEgress: TaskEgress;
  taskCpu: number;
  taskMemoryMiB: number;
  logRetention: logs.RetentionDays;
}

/**
 * The ECR repositories of engine images this stack runs (`engine.kind: command` with an `image`,
 * `core/aws/engine-task-definitions.ts`): in its own account and region, named
 * `<stack name, lower case>/…` (e.g. `arbfleet/python-engine`). The execution role may pull them
 * and nothing else beyond the stack's own image; the Lambdas refuse any other image at create.
 */
export function engineRepositoryPrefix(stackName: string): string {
  return `${stackName.toLowerCase()}/`;
}

export class Fleet extends Construct {
  readonly vpc: ec2.IVpc;
  /** The subnets tasks run in: isolated (`none`), public (`public-ip`) or private with egress (`nat`). */
  readonly taskSubnets: ec2.SubnetSelection;
  /** Whether RunTask gives each task a public IPv4 address (`public-ip` only; the launcher's `ARBFLEET_ASSIGN_PUBLIC_IP`). */
  readonly assignPublicIp: boolean;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly engineLogGroup: logs.LogGroup;
  /**
   * What an `engine.image` must start with to run here: `<account>.dkr.ecr.<region>.<suffix>/<stack>/`
   * (`engineRepositoryPrefix`); the Lambdas' `ARBFLEET_ENGINE_IMAGES`, the stack's output `EngineImagePrefix`.
   */
  readonly engineImagePrefix: string;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    this.vpc = props.vpcId ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId }) : this.newVpc(props.logRetention, props.taskEgress);
    this.taskSubnets = this.taskSubnetsFor(props.taskEgress);
    this.assignPublicIp = props.taskEgress === 'public-ip';
    if (props.vpcEndpoints) this.addEndpoints();

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const routeOut = props.taskEgress !== 'none';
    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: routeOut
        ? `arbfleet engine tasks: no inbound; HTTPS out to AWS APIs and to the venue feeds (also port ${VENUE_FEED_PORTS.join(', ')})`
        : 'arbfleet engine tasks: no inbound; HTTPS out to the VPC endpoints (DynamoDB, ECR, S3, CloudWatch Logs)',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      routeOut ? 'HTTPS to AWS APIs and to the venue feeds' : 'HTTPS to AWS APIs through the VPC endpoints',
    );
    if (routeOut) {
      for (const port of VENUE_FEED_PORTS) this.taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `TLS to a venue feed on port ${port}`);
    }

    this.engineLogGroup = new logs.LogGroup(this, 'EngineLogGroup', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'EngineTask', {
      family: `${Stack.of(this).stackName}-engine`,
      cpu: props.taskCpu,
      memoryLimitMiB: props.taskMemoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer('Engine', {
      containerName: ENGINE_CONTAINER_NAME,
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: 'engine-task/Dockerfile',
        platform: Platform.LINUX_ARM64,
        ignoreMode: IgnoreMode.DOCKER,
        exclude: ENGINE_BUILD_CONTEXT_EXCLUDE,
      }),
      essential: true,
      environment: {
        ARBFLEET_STORE: `dynamodb:${props.tablePrefix}`,
        AWS_REGION: Aws.REGION,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_SERVICE_NAME: props.metricsService,
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.engineLogGroup, streamPrefix: 'engine', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
      // The Dockerfile's HEALTHCHECK: unhealthy when ticks stop moving, not merely when the process is gone.
      healthCheck: {
        command: ['CMD', 'node', 'engine-task/dist/healthcheck.mjs'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(30),
        retries: 3,
      },
      // SIGTERM → final checkpoint → exit 0, well inside this.
      stopTimeout: Duration.seconds(30),
    });
    this.grantShardTableAccess(props.state);
    const repositoryPrefix = engineRepositoryPrefix(Stack.of(this).stackName);
    this.engineImagePrefix = `${Aws.ACCOUNT_ID}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}/${repositoryPrefix}`;
    this.grantEngineImagePulls(repositoryPrefix);

    Validations.of(this.taskDefinition).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The execution role (made by CDK for the image asset) needs ecr:GetAuthorizationToken, which has no resource-level permissions; its image pulls and log writes name the repository and the log group.',
      },
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds no secret: the store spec (table prefix), the region and the metrics namespace. Per-shard settings come as RunTask overrides.',
      },
    );
  }

  /**
   * Two availability zones. `none`: private isolated subnets only, tasks reach AWS through the
   * endpoints and nothing reaches them. `public-ip`: the task subnets are public (a route to the
   * internet gateway); no address is given at launch but the one RunTask asks for. `nat`: one NAT
   * gateway in a /24 public subnet (one, not one per zone: a zone's outage costs the live feeds of
   * the other zone's tasks, at half the hourly price), the tasks in private subnets routed to it.
   */
  private newVpc(logRetention: logs.RetentionDays, egress: TaskEgress): ec2.Vpc {
    const flowLogGroup = new logs.LogGroup(this, 'VpcFlowLogGroup', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const subnets: Record<TaskEgress, ec2.SubnetConfiguration[]> = {
      none: [{ name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      'public-ip': [{ name: 'tasks', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22, mapPublicIpOnLaunch: false }],
      nat: [
        { name: 'egress', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    };
    return new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: egress === 'nat' ? 1 : 0,
      subnetConfiguration: subnets[egress],
      flowLogs: {
        rejected: { trafficType: ec2.FlowLogTrafficType.REJECT, destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup) },
      },
    });
  }

  /**
   * Where tasks run. In an existing VPC with `none`: its isolated subnets if it has any, else its
   * private ones (as before the setting existed); `public-ip`: its public subnets; `nat`: its
   * private subnets with egress (their NAT is the VPC's own).
   */
  private taskSubnetsFor(egress: TaskEgress): ec2.SubnetSelection {
    if (egress === 'public-ip') return { subnetType: ec2.SubnetType.PUBLIC };
    if (egress === 'nat') return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    return this.vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  }

  /** DynamoDB and S3 (ECR's image layers) through gateways; ECR and CloudWatch Logs through interfaces. */
  private addEndpoints(): void {
    const subnets = [this.taskSubnets];
    this.vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets });
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets });
    const interfaces: [string, ec2.InterfaceVpcEndpointAwsService][] = [
      ['EcrApiEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR],
      ['EcrDockerEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['LogsEndpoint', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
    ];
    for (const [id, service] of interfaces) {
      const endpoint = this.vpc.addInterfaceEndpoint(id, { service, subnets: this.taskSubnets, privateDnsEnabled: true });
      Validations.of(endpoint).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: "The endpoint's security group allows HTTPS from the VPC's own CIDR only (a CloudFormation reference cdk-nag cannot read), not from 0.0.0.0/0.",
      });
    }
  }

  /** The task role: the shard's own table operations, on those tables only. */
  private grantShardTableAccess(state: State): void {
    for (const [name, actions] of Object.entries(TASK_TABLE_ACTIONS) as [TableName, readonly string[]][]) {
      this.taskDefinition.taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `Shard${name.charAt(0).toUpperCase()}${name.slice(1)}`,
          actions: [...actions],
          resources: state.tableArns(name, false),
        }),
      );
    }
  }

  /**
   * The execution role pulls engine images from this account's repositories `<prefix>*` (the
   * layers, the manifest; its ecr:GetAuthorizationToken came with the stack's own image).
   */
  private grantEngineImagePulls(repositoryPrefix: string): void {
    const executionRole = this.taskDefinition.obtainExecutionRole();
    executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PullEngineImages',
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: `${repositoryPrefix}*` })],
      }),
    );
    Validations.of(executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${repositoryPrefix}*]`,
      reason:
        "Engine images are users' repositories named <stack>/… in this account and region, pushed after the deploy: this prefix, and only image pulls (core/aws/engine-task-definitions.ts).",
    });
  }

  /** Comma-joined ids of the task subnets (the launcher's `ARBFLEET_SUBNETS`). */
  subnetIds(): string[] {
    return this.vpc.selectSubnets(this.taskSubnets).subnetIds;
  }
}
