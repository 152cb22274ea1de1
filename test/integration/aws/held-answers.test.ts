/**
 * Every AWS client's timeouts END a held call (`core/aws/aws-clients.ts`), measured over the wire
 * through a loopback proxy in front of the emulator that holds answers: the request reaches moto
 * (and is applied), the answer does not come back, or comes back as headers whose body never
 * follows. Before, the SDK's `requestTimeout` only logged a warning (`throwOnRequestTimeout`
 * unset) and DynamoDB's socket timeout was 300 s: a held answer was waited out.
 *
 * What is asserted: each attempt is ended by the CLIENT (the proxy sees it close the connection
 * before the answer was due), the call rejects with the SDK's `TimeoutError`, the SDK made exactly
 * `maxAttempts` attempts, and the whole call took no longer than `worstCallMs(settings)`, the
 * documented bound (a generous upper bound of that contract, not a timing benchmark). The measured
 * figures are printed for the record.
 */
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, awsClientSettings, worstCallMs, type AwsClientSettings } from '../../../core/aws/aws-clients.js';
import { waitFor } from '../../support/engine-process.js';
import { startHoldingProxy, type HoldDecision, type HoldingProxy } from '../../support/holding-proxy.js';
import { emulatorEndpoint } from '../../support/moto-server.js';

/** How long the proxy holds: far past any attempt's request timeout here. */
const HOLD_MS = 60_000;

let proxy: HoldingProxy | undefined;
let clients: AwsClients | undefined;
afterEach(async () => {
  clients?.destroy();
  await proxy?.stop();
  clients = undefined;
  proxy = undefined;
});

async function through(decision: HoldDecision, settings: Omit<AwsClientSettings, 'region' | 'endpoint'>) {
  proxy = await startHoldingProxy(emulatorEndpoint(), () => decision);
  clients = new AwsClients({ region: 'us-east-1', endpoint: proxy.endpoint, ...settings });
  return { proxy, clients };
}

/** Runs `call`, expecting it to fail; returns the error and how long the call took (ms). */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error(`the call succeeded after ${(performance.now() - started).toFixed(0)} ms: a held answer was waited out`);
}

/** Each attempt was ended by the client, none answered, and each within the attempt's bound (its request timeout, plus the bound's headroom). */
async function expectEveryAttemptEndedByTheClient(held: HoldingProxy, settings: Omit<AwsClientSettings, 'region' | 'endpoint'>) {
  expect(held.calls).toHaveLength(settings.maxAttempts);
  // The proxy hears of the last close a moment after the caller has its error.
  await waitFor(
    'the proxy to see every attempt closed',
    () => (held.calls.every((call) => call.abandonedAt !== undefined || call.answeredAt !== undefined) ? true : undefined),
    2_000,
  ).catch(() => undefined);
  for (const call of held.calls) {
    expect(call.answeredAt, `${call.operation} was answered: the client waited for it`).toBeUndefined();
    expect(call.abandonedAt, `${call.operation} was never abandoned by the client`).toBeDefined();
    expect(call.abandonedAt! - call.receivedAt).toBeLessThan(settings.connectionTimeoutMs + settings.requestTimeoutMs);
  }
}

describe('an answer held past the request timeout', () => {
  const fast = { maxAttempts: 3, connectionTimeoutMs: 500, requestTimeoutMs: 1_000 };

  it('ends each DynamoDB attempt with a TimeoutError, and the call with its retries within worstCallMs', async () => {
    const { proxy: held, clients: aws } = await through({ kind: 'hold-answer', ms: HOLD_MS }, fast);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect((error as { $metadata?: { attempts?: number } }).$metadata?.attempts).toBe(fast.maxAttempts);
    await expectEveryAttemptEndedByTheClient(held, fast);
    expect(ms).toBeLessThanOrEqual(worstCallMs(fast));
    console.log(`held answer, ${fast.maxAttempts} × ${fast.requestTimeoutMs} ms: call ended after ${ms.toFixed(0)} ms (worstCallMs ${worstCallMs(fast)} ms)`);
  });

  it('ends an attempt whose server keeps the connection busy but never answers (the request timeout, thrown)', async () => {
    // 102 Processing every 300 ms: the socket is never idle for its 1 s timeout; only the request timeout can end the wait.
    const { proxy: held, clients: aws } = await through({ kind: 'processing', everyMs: 300 }, fast);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expectEveryAttemptEndedByTheClient(held, fast);
    expect(ms).toBeLessThanOrEqual(worstCallMs(fast));
  });

  it('ends an attempt whose headers came but whose body is held, within worstCallMs', async () => {
    const { proxy: held, clients: aws } = await through({ kind: 'hold-body', ms: HOLD_MS }, fast);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expectEveryAttemptEndedByTheClient(held, fast);
    expect(ms).toBeLessThanOrEqual(worstCallMs(fast));
    console.log(`held body, ${fast.maxAttempts} × ${fast.requestTimeoutMs} ms: call ended after ${ms.toFixed(0)} ms (worstCallMs ${worstCallMs(fast)} ms)`);
  });

  it('ends an attempt whose body trickles in too slowly for any idle timeout (the attempt deadline)', async () => {
    // ListTables answers with ~40 bytes: at a byte every 300 ms, ~12 s, never 1 s silent.
    const { proxy: held, clients: aws } = await through({ kind: 'trickle-body', everyMs: 300 }, fast);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expectEveryAttemptEndedByTheClient(held, fast);
    expect(ms).toBeLessThanOrEqual(worstCallMs(fast));
  });

  it('ends a request that is never answered nor forwarded (lost on the way)', async () => {
    const { proxy: held, clients: aws } = await through({ kind: 'drop' }, fast);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expectEveryAttemptEndedByTheClient(held, fast);
    expect(ms).toBeLessThanOrEqual(worstCallMs(fast));
  });

  it('ends held calls of every client the project builds: SQS, ECS and S3 too', async () => {
    const settings = { maxAttempts: 2, connectionTimeoutMs: 500, requestTimeoutMs: 1_000 };
    const { proxy: held, clients: aws } = await through({ kind: 'hold-answer', ms: HOLD_MS }, settings);

    for (const call of [
      () => aws.sqs.send(new ListQueuesCommand({})),
      () => aws.ecs.send(new ListClustersCommand({})),
      () => aws.s3.send(new ListBucketsCommand({})),
    ]) {
      const { error, ms } = await timed(call);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(ms).toBeLessThanOrEqual(worstCallMs(settings));
    }
    expect(held.calls).toHaveLength(3 * settings.maxAttempts);
    await waitFor('the proxy to see every attempt closed', () => (held.calls.every((call) => call.abandonedAt !== undefined) ? true : undefined), 2_000).catch(
      () => undefined,
    );
    for (const call of held.calls) expect(call.abandonedAt, `${call.operation} was never abandoned`).toBeDefined();
  });

  it('with the production defaults (4 attempts, 5 s request timeout), a held call ends within worstCallMs = 35 s', async () => {
    const defaults = awsClientSettings({});
    const settings = { maxAttempts: defaults.maxAttempts, connectionTimeoutMs: defaults.connectionTimeoutMs, requestTimeoutMs: defaults.requestTimeoutMs };
    expect(worstCallMs(settings)).toBe(35_000);
    const { proxy: held, clients: aws } = await through({ kind: 'hold-answer', ms: HOLD_MS }, settings);

    const { error, ms } = await timed(() => aws.documents.send(new ListTablesCommand({})));

    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expectEveryAttemptEndedByTheClient(held, settings);
    expect(ms).toBeLessThanOrEqual(worstCallMs(settings));
    const attempts = held.calls.map((call) => (call.abandonedAt! - call.receivedAt).toFixed(0)).join(', ');
    console.log(
      `production defaults: held call ended after ${ms.toFixed(0)} ms, attempts ended after ${attempts} ms (worstCallMs ${worstCallMs(settings)} ms)`,
    );
  });
});
