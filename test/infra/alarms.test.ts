import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FLEET_METRIC } from '../../core/aws/emf-metrics.js';
import { RestartCauseSchema } from '../../core/model/records.js';
import { FUNCTION_SPECS, logicalIdOf, type FunctionName } from '../../infra/constructs/control-plane.js';
import { ENGINE_LATENCY_TARGET_US, METRICS_NAMESPACE } from '../../infra/fleet-metrics.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, template, json } = synthArbfleet();
const alarms = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
const alarm = (name: string) => {
  const found = alarms.find((a) => a.Properties!.AlarmName === `Arbfleet-${name}`);
  if (!found) throw new Error(`no alarm Arbfleet-${name}; alarms: ${alarms.map((a) => String(a.Properties!.AlarmName)).join(', ')}`);
  return found.Properties!;
};
const topicRef = { Ref: logicalIdOf(stack.alarms.topic) };
interface MetricQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number };
}

describe('alarms: one encrypted topic, every alarm notifies it', () => {
  it('encrypts the topic with a rotating key CloudWatch may use, and refuses requests without TLS', () => {
    const topic = json.Resources[logicalIdOf(stack.alarms.topic)]!.Properties!;
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const keyPolicy = JSON.stringify(Object.values(json.Resources).find((r) => r.Type === 'AWS::KMS::Key')!.Properties!.KeyPolicy);
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });

  it('has no e-mail subscription unless alarmEmail is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('every alarm notifies the topic on ALARM and OK; only the one watching the watchdog treats missing data as breaching', () => {
    expect(alarms.length).toBe(10 + 2 * Object.keys(FUNCTION_SPECS).length);
    for (const a of alarms) {
      expect(a.Properties!.AlarmActions).toEqual([topicRef]);
      expect(a.Properties!.OKActions).toEqual([topicRef]);
    }
    const breaching = alarms.filter((a) => a.Properties!.TreatMissingData === 'breaching').map((a) => a.Properties!.AlarmName);
    expect(breaching).toEqual(['Arbfleet-WatchdogSilent']);
    expect(alarms.filter((a) => a.Properties!.TreatMissingData !== 'breaching').every((a) => a.Properties!.TreatMissingData === 'notBreaching')).toBe(true);
  });
});

describe('alarms: the fleet', () => {
  const service = [{ Name: 'service', Value: 'Arbfleet' }];

  it('stale shards ≥ 1 (the watchdog gauge), 3 minutes in a row', () => {
    expect(alarm('StaleShards')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: FLEET_METRIC.staleShards,
      Dimensions: service,
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
    });
  });

  it('watchdog silent: fewer than 1 completed pass a minute for 3 minutes, no data included (a stopped watchdog cannot look healthy)', () => {
    expect(alarm('WatchdogSilent')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: FLEET_METRIC.watchdogPasses,
      Dimensions: service,
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('store unavailable ≥ 1 in 5 minutes (an engine gave up on the store, or a mass-staleness probe failed), and mass staleness ≥ 1 in 5 minutes', () => {
    expect(alarm('StoreUnavailable')).toMatchObject({
      MetricName: FLEET_METRIC.storeUnavailable,
      Dimensions: service,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm('MassStaleness')).toMatchObject({
      MetricName: FLEET_METRIC.massStaleness,
      Dimensions: service,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('failed shards ≥ 1', () => {
    expect(alarm('FailedShards')).toMatchObject({
      MetricName: FLEET_METRIC.failedShards,
      Dimensions: service,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('restarts: the sum over every restart cause, ≥ 5 in 15 minutes', () => {
    const props = alarm('RestartRate');
    expect(props).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
    const queries = props.Metrics as MetricQuery[];
    const stats = queries.filter((q) => q.MetricStat);
    expect(stats.map((q) => q.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Cause')!.Value).sort()).toEqual([...RestartCauseSchema.options].sort());
    for (const q of stats)
      expect(q.MetricStat).toMatchObject({ Metric: { Namespace: METRICS_NAMESPACE, MetricName: FLEET_METRIC.restarts }, Stat: 'Sum', Period: 900 });
    const sum = queries.find((q) => q.ReturnData !== false)!;
    for (const q of stats) expect(sum.Expression).toContain(q.Id);
  });

  it('dead letters: the DLQ holds any message', () => {
    expect(alarm('LaunchDeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.controlPlane.deadLetterQueue), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it("engine latency: the worst shard p99 above 10 000 µs (a Metrics Insights query over every shard of this stack's engines)", () => {
    const props = alarm('EngineLatencyP99');
    expect(props).toMatchObject({ Threshold: ENGINE_LATENCY_TARGET_US, ComparisonOperator: 'GreaterThanThreshold' });
    expect(ENGINE_LATENCY_TARGET_US).toBe(10_000);
    const [query] = props.Metrics as MetricQuery[];
    expect(query!.Expression).toBe(`SELECT MAX(EngineLatencyP99Us) FROM SCHEMA("Arbfleet", Campaign, Shard, service) WHERE service = 'Arbfleet-engine'`);
  });

  it('task memory above 80 % of the reserved memory (Container Insights, this cluster and task family)', () => {
    const props = alarm('TaskMemory');
    expect(props).toMatchObject({ Threshold: 80, ComparisonOperator: 'GreaterThanThreshold' });
    const queries = props.Metrics as MetricQuery[];
    const names = queries
      .filter((q) => q.MetricStat)
      .map((q) => q.MetricStat!.Metric.MetricName)
      .sort();
    expect(names).toEqual(['MemoryReserved', 'MemoryUtilized']);
    for (const q of queries.filter((x) => x.MetricStat)) {
      expect(q.MetricStat!.Metric.Namespace).toBe('ECS/ContainerInsights');
      expect(q.MetricStat!.Metric.Dimensions).toEqual([
        { Name: 'ClusterName', Value: { Ref: logicalIdOf(stack.fleet.cluster) } },
        { Name: 'TaskDefinitionFamily', Value: 'Arbfleet-engine' },
      ]);
    }
  });
});

describe('alarms: the control plane', () => {
  it.each(Object.keys(FUNCTION_SPECS) as FunctionName[])('%s: errors and throttles', (name) => {
    const id = name
      .split('-')
      .map((p) => p[0]!.toUpperCase() + p.slice(1))
      .join('');
    const fn = [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.controlPlane.functions[name]) } }];
    expect(alarm(`${id}Errors`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: fn, Statistic: 'Sum', Threshold: 1 });
    expect(alarm(`${id}Throttles`)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: fn, Statistic: 'Sum', Threshold: 1 });
  });
});

describe('dashboard: the fleet at a glance', () => {
  it('shows the alarms, the fleet gauges, the engine latency, task memory, the queues and the control plane', () => {
    const [dashboard] = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard!.Properties!.DashboardBody);
    for (const expected of [
      'Alarms',
      FLEET_METRIC.staleShards,
      FLEET_METRIC.failedShards,
      FLEET_METRIC.activeShards,
      FLEET_METRIC.restarts,
      FLEET_METRIC.engineLatencyP99Us,
      'MemoryUtilized',
      'ApproximateNumberOfMessagesVisible',
      'AWS/Lambda',
      'AWS/ApiGateway',
    ]) {
      expect(body, expected).toContain(expected);
    }
  });
});
