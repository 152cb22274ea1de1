/**
 * What the stack adds for schedules: the `schedules` table with its listing index, the scheduler
 * and API roles' access to it (the actions `DynamoDbScheduleStore` calls:
 * GetItem, PutItem, Query of the index), the scheduler's right to roll back a campaign create it
 * starts, and the `MissedOccurrences` alarm on the metric `core/aws/schedule-metrics.ts` publishes.
 */
import { describe, expect, it } from 'vitest';
import { SCHEDULE_METRIC } from '../../core/aws/schedule-metrics.js';
import { LISTED_SCHEDULES_INDEX } from '../../core/aws/table-design.js';
import { logicalIdOf } from '../../infra/constructs/control-plane.js';
import { METRICS_NAMESPACE } from '../../infra/fleet-metrics.js';
import { asList, policyStatements, resourcesOf } from './support/policy-statements.js';
import { synthArbfleet } from './support/synth-stack.js';

const { stack, json } = synthArbfleet();
const table = logicalIdOf(stack.state.tables.schedules);
const shards = logicalIdOf(stack.state.tables.shards);
const statements = policyStatements(json.Resources).filter((s) => s.kind === 'identity' && s.statement.Effect === 'Allow');

/** The actions a function's role allows on resources whose text mentions `logicalId`. */
function actionsOn(fn: 'Scheduler' | 'Api', logicalId: string, index?: string): Set<string> {
  const role = logicalIdOf(stack.controlPlane.node.findChild(`${fn}Role`));
  const mine = statements.filter((s) => s.roles.includes(role));
  return new Set(
    mine
      .filter((s) => resourcesOf(s.statement).some((r) => JSON.stringify(r).includes(logicalId) && (index === undefined || JSON.stringify(r).includes(index))))
      .flatMap((s) => asList(s.statement.Action)),
  );
}

describe('stack: schedules', () => {
  it('declares the schedules table, keyed by scheduleId, with the listing index', () => {
    const props = json.Resources[table]!.Properties!;
    expect(props.KeySchema).toEqual([{ AttributeName: 'scheduleId', KeyType: 'HASH' }]);
    expect((props.GlobalSecondaryIndexes as { IndexName: string }[]).map((i) => i.IndexName)).toEqual([LISTED_SCHEDULES_INDEX]);
  });

  it.each(['Scheduler', 'Api'] as const)('%s may read, claim (conditional PutItem) and list schedules', (fn) => {
    expect([...actionsOn(fn, table)]).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem']));
    expect([...actionsOn(fn, table, LISTED_SCHEDULES_INDEX)]).toContain('dynamodb:Query');
  });

  it('the scheduler may roll back the shards of a campaign create it started', () => {
    expect(actionsOn('Scheduler', shards)).toContain('dynamodb:DeleteItem');
  });

  it('alarms on a missed occurrence: MissedOccurrences (Sum, service) ≥ 1 in a minute, missing data not breaching', () => {
    const alarm = Object.values(json.Resources).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.AlarmName === 'Arbfleet-MissedOccurrences')!
      .Properties!;
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: SCHEDULE_METRIC.missedOccurrences,
      Dimensions: [{ Name: 'service', Value: 'Arbfleet' }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});
