import { describe, expect, it } from 'vitest';
import { logicalIdOf, type FunctionName } from '../../infra/constructs/control-plane.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, json } = synthArbfleet();
const rules = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
const fnArn = (name: FunctionName) => ({ 'Fn::GetAtt': [logicalIdOf(stack.controlPlane.functions[name]), 'Arn'] });
const ruleTargeting = (name: FunctionName) => {
  const found = rules.filter((r) => (r.Properties!.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify(fnArn(name))));
  expect(found, `rules targeting ${name}`).toHaveLength(1);
  return found[0]!.Properties!;
};

describe('schedules: EventBridge drives the control plane', () => {
  it('has four rules, all enabled', () => {
    expect(rules).toHaveLength(4);
    for (const rule of rules) expect(rule.Properties!.State).toBe('ENABLED');
  });

  it.each([
    ['scheduler', 'rate(1 minute)'],
    ['watchdog', 'rate(1 minute)'],
    ['reporter', 'rate(5 minutes)'],
  ] as const)('%s runs on %s', (name, expression) => {
    expect(ruleTargeting(name).ScheduleExpression).toBe(expression);
  });

  it('sends every STOPPED ECS task state change of this cluster, and only those, to task-events', () => {
    const rule = ruleTargeting('task-events');
    expect(rule.ScheduleExpression).toBeUndefined();
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { clusterArn: [{ 'Fn::GetAtt': [logicalIdOf(stack.fleet.cluster), 'Arn'] }], lastStatus: ['STOPPED'] },
    });
  });

  it('lets EventBridge invoke each target function', () => {
    const permissions = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && r.Properties!.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(4);
  });
});
