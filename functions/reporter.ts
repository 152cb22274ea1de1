/**
 * `reporter` Lambda (EventBridge, every 5 minutes): stores the final report of every ended
 * campaign that has none yet in the report bucket (`<campaignId>/report.json|md|html` and
 * `events.jsonl`, the same files a local run writes), then marks the campaign reported.
 * Running on a schedule makes it self-healing: a failed store is retried on the next run.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { VersionConflictError } from '../core/errors.js';
import { buildReport, loadReportInput } from '../core/report/build-report.js';
import { renderHtml } from '../core/report/render-html.js';
import { renderMarkdown } from '../core/report/render-markdown.js';
import { AwsClients } from '../core/aws/aws-clients.js';
import type { Context } from 'aws-lambda';
import { lambdaEnvironment } from './lambda-environment.js';
import { correlationIdOf } from './lambda-log.js';
import { createFleetRuntime, type FleetRuntime } from './fleet-runtime.js';
import { systemClock } from '../core/clock.js';

export async function storeReports(runtime: FleetRuntime<AwsClients>): Promise<{ reported: string[] }> {
  const { store, clients, env, context } = runtime;
  const reported: string[] = [];
  for (const campaign of await store.listCampaigns()) {
    if (!isTerminalCampaign(campaign.status) || campaign.reportedAt !== undefined) continue;
    const now = context.clock.now();
    const report = buildReport(await loadReportInput(store, campaign.campaignId, now));
    const events = await store.listEvents(campaign.campaignId);
    const files: [string, string, string][] = [
      ['report.json', 'application/json', `${JSON.stringify(report, null, 2)}\n`],
      ['report.md', 'text/markdown; charset=utf-8', renderMarkdown(report)],
      ['report.html', 'text/html; charset=utf-8', renderHtml(report)],
      ['events.jsonl', 'application/x-ndjson', events.map((e) => JSON.stringify(e)).join('\n')],
    ];
    for (const [name, contentType, body] of files) {
      await clients.s3.send(new PutObjectCommand({ Bucket: env.reportBucket, Key: `${campaign.campaignId}/${name}`, Body: body, ContentType: contentType }));
    }
    try {
      await store.updateCampaign(campaign.campaignId, campaign.version, { reportedAt: now });
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error; // stored anyway; the next run rewrites the same files
    }
    reported.push(campaign.campaignId);
    context.log.log('info', 'report stored', { campaignId: campaign.campaignId, bucket: env.reportBucket });
  }
  return { reported };
}

let shared: FleetRuntime<AwsClients> | undefined;

/** The reporter's runtime: the fleet's clients and S3 (the only Lambda that writes to the report bucket). */
function reporterRuntime(): FleetRuntime<AwsClients> {
  shared ??= createFleetRuntime(lambdaEnvironment(), systemClock, new AwsClients());
  return shared;
}

/** Every line logged during a run carries the scheduled EventBridge event's id as `correlation_id`. */
export const handler = async (event?: unknown, context?: Context): Promise<{ reported: string[] }> => {
  const runtime = reporterRuntime();
  return runtime.log.correlated(correlationIdOf(event), () => storeReports(runtime), context);
};
