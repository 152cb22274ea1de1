/**
 * CloudWatch Embedded Metric Format lines, read back the way CloudWatch Logs reads them: a JSON
 * line with an `_aws.CloudWatchMetrics` directive becomes one metric per (namespace, metric name,
 * dimension set), the dimension values taken from the line's own members.
 */

/** One metric CloudWatch would create from an EMF line. */
export interface EmittedMetric {
  namespace: string;
  name: string;
  /** Dimension name → value (exactly the set the directive names). */
  dimensions: Record<string, string>;
}

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string }[];
}

/** Every metric the EMF lines among `lines` define (other lines, such as log lines, are skipped). */
export function metricsOfEmfLines(lines: readonly string[]): EmittedMetric[] {
  const metrics: EmittedMetric[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || !trimmed.includes('"_aws"')) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      continue;
    }
    const directives = (parsed._aws as { CloudWatchMetrics?: EmfDirective[] } | undefined)?.CloudWatchMetrics ?? [];
    for (const directive of directives) {
      for (const set of directive.Dimensions.length > 0 ? directive.Dimensions : [[]]) {
        const dimensions = Object.fromEntries(set.map((d) => [d, String(parsed[d])]));
        for (const metric of directive.Metrics) metrics.push({ namespace: directive.Namespace, name: metric.Name, dimensions });
      }
    }
  }
  return metrics;
}

/** `Namespace/Name{a=1,b=2}`: one key per distinct metric, dimensions sorted. */
export function metricKey(metric: EmittedMetric): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${metric.namespace}/${metric.name}{${dims}}`;
}
