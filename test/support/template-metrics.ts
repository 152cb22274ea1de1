/**
 * Every metric the template's alarms and dashboard read: an alarm's single metric, each
 * `MetricStat` of its `Metrics` array, each row of each dashboard graph, and the metric and
 * dimension set a Metrics Insights query (`SELECT …(Name) FROM SCHEMA("ns", a, b) WHERE a = 'v'`)
 * selects. Math expressions over ids (`FILL(r0, 0) + …`) read the rows they name, listed already.
 */
import { resourcesOfType, type CloudFormationTemplate } from './cloud-assembly.js';
import { PhysicalResources, resolveString, type PseudoParameters } from './cloudformation-values.js';
import type { EmittedMetric } from './emf-lines.js';

/** A metric an alarm or a widget reads. A dimension whose value is undefined matches any value (a SCHEMA query's free dimension). */
export interface MetricReference {
  /** `alarm <logical id>` or `dashboard widget "<title>"`. */
  where: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string | undefined>;
}

/**
 * AWS's own metrics, published by the services (not by arbfleet's code), so no test run of the
 * bundles can emit them: Lambda, SQS, ECS, Container Insights, API Gateway, DynamoDB, EventBridge.
 */
export const AWS_SERVICE_NAMESPACES: readonly string[] = [
  'AWS/Lambda',
  'AWS/SQS',
  'AWS/ECS',
  'ECS/ContainerInsights',
  'AWS/ApiGateway',
  'AWS/DynamoDB',
  'AWS/Events',
  'AWS/S3',
  'AWS/SNS',
];

/** Resolves references to resources the test never created to readable placeholders (`{LogicalId}`): only AWS metrics' dimensions use them. */
function placeholderResources(template: CloudFormationTemplate, known: PhysicalResources): PhysicalResources {
  const resources = new PhysicalResources(known.pseudo);
  for (const logicalId of Object.keys(template.Resources)) {
    const attributes = Object.fromEntries(['Arn', 'QueueName', 'GroupId', 'Name'].map((a) => [a, `{${logicalId}.${a}}`]));
    resources.set(logicalId, { ref: `{${logicalId}}`, attributes });
  }
  return resources;
}

const SCHEMA_QUERY = /SELECT\s+\w+\((\w+)\)\s+FROM\s+SCHEMA\(\s*"([^"]+)"((?:\s*,\s*[\w.]+)*)\s*\)(?:\s+WHERE\s+(.+))?$/i;

/** The metric a Metrics Insights query reads, or undefined for a math expression. */
function metricOfExpression(expression: string, where: string): MetricReference | undefined {
  const match = SCHEMA_QUERY.exec(expression.trim());
  if (!match) {
    if (/\bSELECT\b/i.test(expression)) throw new Error(`${where}: a Metrics Insights query the test cannot read: ${expression}`);
    return undefined;
  }
  const [, name, namespace, dimensionList, whereClause] = match;
  const dimensions: Record<string, string | undefined> = Object.fromEntries(
    (dimensionList ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d, undefined]),
  );
  for (const condition of (whereClause ?? '').split(/\s+AND\s+/i).filter(Boolean)) {
    const equality = /^\s*(\w+)\s*=\s*'([^']*)'\s*$/.exec(condition);
    if (!equality) throw new Error(`${where}: a WHERE condition the test cannot read: ${condition}`);
    dimensions[equality[1] as string] = equality[2] as string;
  }
  return { where, namespace: namespace as string, name: name as string, dimensions };
}

function dimensionsOf(list: { Name: string; Value: unknown }[] | undefined, resources: PhysicalResources): Record<string, string> {
  return Object.fromEntries((list ?? []).map((d) => [d.Name, resolveString(d.Value, resources)]));
}

/** The metrics of every `AWS::CloudWatch::Alarm`. */
export function alarmMetrics(template: CloudFormationTemplate, pseudo: PseudoParameters): MetricReference[] {
  const resources = placeholderResources(template, new PhysicalResources(pseudo));
  const found: MetricReference[] = [];
  for (const [logicalId, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const p = alarm.Properties ?? {};
    const where = `alarm ${logicalId}`;
    if (p.MetricName)
      found.push({ where, namespace: p.Namespace as string, name: p.MetricName as string, dimensions: dimensionsOf(p.Dimensions as never, resources) });
    for (const query of (p.Metrics as Record<string, unknown>[] | undefined) ?? []) {
      const stat = query.MetricStat as { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] } } | undefined;
      if (stat)
        found.push({ where, namespace: stat.Metric.Namespace, name: stat.Metric.MetricName, dimensions: dimensionsOf(stat.Metric.Dimensions, resources) });
      if (typeof query.Expression === 'string') {
        const metric = metricOfExpression(query.Expression, where);
        if (metric) found.push(metric);
      }
    }
  }
  return found;
}

/** The metrics of every graph widget of every `AWS::CloudWatch::Dashboard` (rows `[ns, name, k, v, …, {options}]` or `[{expression}]`). */
export function dashboardMetrics(template: CloudFormationTemplate, pseudo: PseudoParameters): MetricReference[] {
  const resources = placeholderResources(template, new PhysicalResources(pseudo));
  const found: MetricReference[] = [];
  for (const [, dashboard] of resourcesOfType(template, 'AWS::CloudWatch::Dashboard')) {
    const body = JSON.parse(resolveString(dashboard.Properties?.DashboardBody, resources)) as {
      widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[];
    };
    for (const widget of body.widgets) {
      const where = `dashboard widget "${widget.properties.title ?? widget.type}"`;
      let previous: string[] = [];
      for (const row of widget.properties.metrics ?? []) {
        const [first] = row;
        if (typeof first === 'object' && first !== null) {
          const metric = metricOfExpression(String((first as { expression?: string }).expression ?? ''), where);
          if (metric) found.push(metric);
          continue;
        }
        // "." repeats the value in the same position of the previous row.
        const cells = row.filter((c): c is string => typeof c === 'string').map((c, i) => (c === '.' ? (previous[i] as string) : c));
        previous = cells;
        const [namespace, name, ...pairs] = cells;
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
        found.push({ where, namespace: namespace as string, name: name as string, dimensions });
      }
    }
  }
  return found;
}

/**
 * Whether `emitted` is the metric `reference` reads: same namespace and name, the same dimension
 * names, equal values where the reference names one, except for `anyValueOf` dimensions (values
 * that say which event happened, such as a restart's `Cause`: one run shows only some of them).
 */
export function readsMetric(reference: MetricReference, emitted: EmittedMetric, anyValueOf: readonly string[] = []): boolean {
  if (reference.namespace !== emitted.namespace || reference.name !== emitted.name) return false;
  const wanted = Object.keys(reference.dimensions).sort();
  const have = Object.keys(emitted.dimensions).sort();
  if (wanted.join(',') !== have.join(',')) return false;
  return wanted.every((k) => anyValueOf.includes(k) || reference.dimensions[k] === undefined || reference.dimensions[k] === emitted.dimensions[k]);
}
