/**
 * The tasks' route out (`taskEgress`, `infra/stack-settings.ts`): the stack gives engine tasks a
 * route to the internet only when asked. `none` (the default) has no route out at all; `public-ip`
 * routes the task subnets to an internet gateway and has RunTask give tasks a public IP; `nat`
 * routes them to one NAT gateway. No choice opens an inbound rule, and cdk-nag's AwsSolutions
 * pack passes on each. The subnets checked are the ones the launcher runs tasks in
 * (`ARBFLEET_SUBNETS` of the control plane's Lambdas).
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { VENUE_FEED_PORTS } from '../../infra/constructs/fleet.js';
import { readStackSettings } from '../../infra/stack-settings.js';
import { synthArbfleet, type SynthesizedStack } from './support/synth-stack.js';

type Resources = SynthesizedStack['json']['Resources'];
type Ref = { Ref: string };

const stacks = {
  none: synthArbfleet(),
  'public-ip': synthArbfleet({ taskEgress: 'public-ip' }),
  nat: synthArbfleet({ taskEgress: 'nat' }),
};

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** Every Lambda's environment variable `name` (the control plane's functions share one environment). */
function lambdaVariables(resources: Resources, name: string): unknown[] {
  return ofType(resources, 'AWS::Lambda::Function')
    .map(([, r]) => (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[name])
    .filter((value) => value !== undefined);
}

/** The logical ids of the subnets the launcher runs tasks in. */
function taskSubnets(resources: Resources): string[] {
  const [joined] = lambdaVariables(resources, 'ARBFLEET_SUBNETS') as { 'Fn::Join': [string, Ref[]] }[];
  return joined!['Fn::Join'][1].map((ref) => ref.Ref);
}

/** Where a subnet's default route (0.0.0.0/0) goes: `{GatewayId}` or `{NatGatewayId}`, or undefined when it has none. */
function defaultRoute(resources: Resources, subnet: string): Record<string, unknown> | undefined {
  const [, association] = ofType(resources, 'AWS::EC2::SubnetRouteTableAssociation').find(
    ([, r]) => (r.Properties?.SubnetId as Ref | undefined)?.Ref === subnet,
  )!;
  const table = (association.Properties?.RouteTableId as Ref | undefined)?.Ref;
  const route = ofType(resources, 'AWS::EC2::Route').find(
    ([, r]) => (r.Properties?.RouteTableId as Ref | undefined)?.Ref === table && r.Properties?.DestinationCidrBlock === '0.0.0.0/0',
  );
  if (route === undefined) return undefined;
  const { GatewayId, NatGatewayId } = route[1].Properties ?? {};
  return GatewayId !== undefined ? { GatewayId } : { NatGatewayId };
}

function taskSecurityGroup(resources: Resources): Record<string, unknown> {
  const [, group] = ofType(resources, 'AWS::EC2::SecurityGroup').find(([, r]) => String(r.Properties?.GroupDescription).startsWith('arbfleet engine tasks'))!;
  return group.Properties ?? {};
}

describe('taskEgress none (the default): no route out', () => {
  const { json, template } = stacks.none;
  it('has no route to anywhere, no internet gateway, no NAT, no public IP', () => {
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    for (const subnet of taskSubnets(json.Resources)) expect(defaultRoute(json.Resources, subnet)).toBeUndefined();
    expect(new Set(lambdaVariables(json.Resources, 'ARBFLEET_ASSIGN_PUBLIC_IP'))).toEqual(new Set(['DISABLED']));
  });

  it('lets tasks out on 443 only (to the VPC endpoints)', () => {
    expect(taskSecurityGroup(json.Resources).SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'HTTPS to AWS APIs through the VPC endpoints', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
  });
});

describe('taskEgress public-ip: public subnets, a public IP per task', () => {
  const { json, template } = stacks['public-ip'];
  it('routes every task subnet to the internet gateway and has RunTask assign a public IP', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const gateway = ofType(json.Resources, 'AWS::EC2::InternetGateway')[0]?.[0];
    const subnets = taskSubnets(json.Resources);
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(defaultRoute(json.Resources, subnet)).toEqual({ GatewayId: { Ref: gateway } });
    expect(new Set(lambdaVariables(json.Resources, 'ARBFLEET_ASSIGN_PUBLIC_IP'))).toEqual(new Set(['ENABLED']));
  });

  it('gives no address at launch but the one RunTask asks for', () => {
    for (const [, subnet] of ofType(json.Resources, 'AWS::EC2::Subnet')) expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(false);
  });
});

describe('taskEgress nat: private task subnets behind one NAT gateway', () => {
  const { json, template } = stacks.nat;
  it('routes every task subnet to the one NAT gateway, which sits in a public subnet, and assigns no public IP', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
    const [[nat, natGateway]] = ofType(json.Resources, 'AWS::EC2::NatGateway') as [[string, Resources[string]]];
    const natSubnet = (natGateway.Properties as { SubnetId: Ref }).SubnetId.Ref;
    expect(defaultRoute(json.Resources, natSubnet)).toHaveProperty('GatewayId');
    const subnets = taskSubnets(json.Resources);
    expect(subnets).toHaveLength(2);
    expect(subnets).not.toContain(natSubnet);
    for (const subnet of subnets) expect(defaultRoute(json.Resources, subnet)).toEqual({ NatGatewayId: { Ref: nat } });
    expect(new Set(lambdaVariables(json.Resources, 'ARBFLEET_ASSIGN_PUBLIC_IP'))).toEqual(new Set(['DISABLED']));
  });
});

describe.each(['public-ip', 'nat'] as const)('taskEgress %s: what a live feed needs, nothing inbound', (egress) => {
  const { json, app } = stacks[egress];
  it(`lets tasks out on 443 and the venues' feed ports (${VENUE_FEED_PORTS.join(', ')}), and in on nothing`, () => {
    const group = taskSecurityGroup(json.Resources);
    expect(group.SecurityGroupIngress).toBeUndefined();
    expect(
      (group.SecurityGroupEgress as { FromPort: number; ToPort: number; CidrIp: string }[]).map((rule) => `${rule.CidrIp}:${rule.FromPort}-${rule.ToPort}`),
    ).toEqual(['0.0.0.0/0:443-443', ...VENUE_FEED_PORTS.map((port) => `0.0.0.0/0:${port}-${port}`)]);
    expect(ofType(json.Resources, 'AWS::EC2::SecurityGroupIngress')).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('the taskEgress setting', () => {
  it('defaults to none and refuses anything else, naming the option', () => {
    expect(readStackSettings(() => undefined).taskEgress).toBe('none');
    expect(readStackSettings((key) => (key === 'taskEgress' ? 'nat' : undefined)).taskEgress).toBe('nat');
    let thrown: unknown;
    try {
      readStackSettings((key) => (key === 'taskEgress' ? 'public' : undefined));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues).toEqual([{ path: 'taskEgress', message: 'expected one of none, public-ip, nat, found "public"' }]);
  });
});
