/**
 * The Lambdas log through Powertools' Logger behind core's port (functions/lambda-log.ts): the
 * launcher handler over real core services (LaunchService on an in-memory SQLite store), its JSON
 * lines captured from stdout as Lambda would collect them. A line logged deep inside
 * `LaunchService.handle` carries the SQS message id it handles, under the local logger's field
 * names; DEBUG lines show only when `POWERTOOLS_LOG_LEVEL` asks for them.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { CampaignService } from '../../../core/fleet/campaign-service.js';
import type { FleetContext } from '../../../core/fleet/fleet-context.js';
import { LaunchService } from '../../../core/fleet/launch-service.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import type { TaskLauncher, TaskSpec } from '../../../core/ports.js';
import type { FleetRuntime } from '../../../functions/fleet-runtime.js';
import { launcherHandlerFor } from '../../../functions/launcher.js';
import { correlationIdOf, createLambdaLog } from '../../../functions/lambda-log.js';
import { campaignInput, T0 } from '../../support/campaigns.js';

const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

class StartingLauncher implements TaskLauncher {
  async launch(spec: TaskSpec) {
    return { taskId: `task-${spec.key.shardId}.g${spec.generation}` };
  }
  async stop() {}
  async describe(taskIds: string[]) {
    return taskIds.map((taskId) => ({ taskId, state: 'RUNNING' as const }));
  }
}

/** The JSON lines Powertools writes (INFO/DEBUG to stdout, WARN/ERROR to stderr), parsed. */
function captureLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
}

/** A launcher Lambda at `level` over real services, and one campaign's first launch message. */
async function launcherAt(level: string) {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', level);
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'arbfleet-test');
  const clock = new VirtualClock(T0);
  const store = new SqliteCampaignStore(':memory:', clock);
  stores.push(store);
  const log = createLambdaLog();
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const context: FleetContext = { store, queue, launcher: new StartingLauncher(), clock, log: { log: () => undefined }, taskEnvironment: () => ({}) };
  const { view } = await new CampaignService(context).createCampaign(campaignInput({ symbols: ['BTC'], sharding: { symbolsPerShard: 1 } }));
  context.log = log.port; // from here on, as in the Lambda
  const runtime = { log, context, launches: new LaunchService(context) } as unknown as FleetRuntime;
  const message = { campaignId: view.campaign.campaignId, shardId: 'shard-000', generation: 0 };
  const event = {
    Records: [
      {
        messageId: 'msg-7f3a',
        receiptHandle: 'receipt-7f3a',
        body: JSON.stringify(message),
        attributes: { ApproximateReceiveCount: '1' },
        eventSource: 'aws:sqs',
      },
    ],
  } as unknown as SQSEvent;
  return { handler: launcherHandlerFor(runtime), event, log, message };
}

describe('the Lambdas log through Powertools, with correlation ids and a level filter', () => {
  it('stamps the SQS message id on a line logged inside LaunchService, under the local field names, and hides DEBUG at INFO', async () => {
    const lines = captureLines();
    const { handler, event, log, message } = await launcherAt('INFO');

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    log.port.log('info', 'after the batch');

    const launched = lines.find((line) => line.event === 'shard launched');
    expect(launched).toMatchObject({ level: 'info', ...message, taskId: 'task-shard-000.g0', correlation_id: 'msg-7f3a', service: 'arbfleet-test' });
    expect(new Date(launched?.at as string).toISOString()).toBe(launched?.at);
    expect(lines.filter((line) => line.level === 'debug')).toEqual([]);
    // The id is the record's: gone once it is handled.
    expect(lines.find((line) => line.event === 'after the batch')).not.toHaveProperty('correlation_id');
  });

  it('shows DEBUG lines when POWERTOOLS_LOG_LEVEL is DEBUG, with the same correlation id', async () => {
    const lines = captureLines();
    const { handler, event } = await launcherAt('DEBUG');

    await handler(event);

    expect(lines.find((line) => line.level === 'debug')).toMatchObject({ event: 'launch message received', receiveCount: 1, correlation_id: 'msg-7f3a' });
  });

  it('finds the correlation id of an API Gateway request and of an EventBridge event', () => {
    expect(correlationIdOf({ requestContext: { requestId: 'c6af9ac6-7b61' }, httpMethod: 'GET' })).toBe('c6af9ac6-7b61');
    expect(correlationIdOf({ id: '7bf73129-1428', 'detail-type': 'Scheduled Event' })).toBe('7bf73129-1428');
    expect(correlationIdOf(undefined)).toBeUndefined();
  });
});
