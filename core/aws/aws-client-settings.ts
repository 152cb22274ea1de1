import { Readable } from 'node:stream';
import type { MiddlewareStack } from '@smithy/types';

/*
 * The settings and the shaping every AWS client goes through, apart from the clients themselves:
 * each service's client is built in its own module (dynamodb-client.ts, sqs-client.ts,
 * ecs-client.ts, s3-client.ts), so a bundle inlines only the SDK clients its composition root
 * imports (the engine: DynamoDB alone).
 */
/**
 * Every AWS client arbfleet uses is shaped here, so all of them honour the same settings:
 * `AWS_ENDPOINT_URL` (and the SDK's per-service `AWS_ENDPOINT_URL_<SERVICE>`) to reach LocalStack
 * or moto's server, the region, bounded retries with the SDK's backoff and jitter, and timeouts
 * that END a held call, so that a hung connection cannot stall a Lambda or an engine's heartbeat.
 *
 * Why each timeout is set as it is (@smithy/node-http-handler 4.14, what the SDK installs here):
 * its `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is true, and DynamoDB's
 * client sets a 300 s socket timeout by default, so before this an answer held for 7 s was simply
 * waited for (issue 16). Now, per attempt: the connection timeout and the request timeout start
 * together when the attempt reaches the handler, and the request timeout (thrown, as a
 * `TimeoutError` the SDK retries) runs until the response's headers; from then on the attempt's
 * own deadline (`attemptDeadline`: the same `requestTimeoutMs`, counted from the attempt's start)
 * ends a body that does not finish, and the socket timeout (`requestTimeoutMs` of silence)
 * closes a socket that goes quiet. So every attempt ends within `requestTimeoutMs` of its start,
 * and a call within `worstCallMs`.
 */
export interface AwsClientSettings {
  region: string;
  /** An emulator or a private endpoint; undefined for real AWS. */
  endpoint?: string;
  /** Attempts per call, the first included (the SDK's standard retry mode, with jitter). */
  maxAttempts: number;
  /** Milliseconds to open a connection (within the request timeout: both run from the attempt's start). */
  connectionTimeoutMs: number;
  /** Milliseconds an attempt may take in all, from its start to the response's last byte (also the socket's idle timeout). */
  requestTimeoutMs: number;
}

/**
 * Settings from the environment, with defaults that suit Lambda and Fargate: 4 attempts, 2 s to
 * connect, 5 s an attempt. `ARBFLEET_AWS_REQUEST_TIMEOUT_MS` lengthens the attempt for an
 * emulator slower than the service (moto copies a table per transaction item: a 98-fill
 * TransactWriteItems on a 1,600-item ledger took 10–28 s on this 2-core machine under load).
 * @throws Error naming the variable when one is set to something other than a positive integer.
 */
export function awsClientSettings(env: NodeJS.ProcessEnv = process.env): AwsClientSettings {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    maxAttempts: positiveInteger(env, 'ARBFLEET_AWS_MAX_ATTEMPTS', 4),
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: positiveInteger(env, 'ARBFLEET_AWS_REQUEST_TIMEOUT_MS', 5_000),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name}: expected a positive integer, got "${text}"`);
  return value;
}

/**
 * The longest the SDK's standard retry mode waits between the attempts of one call (ms): before
 * retry i it waits a random part of min(20 s, base × 2^i), base 500 ms for throttling errors (the
 * larger base; `THROTTLING_RETRY_DELAY_BASE` and `MAXIMUM_RETRY_DELAY` of @smithy/util-retry).
 * For the default 4 attempts: 1 + 2 + 4 = 7 s.
 */
export function sdkRetryBackoffBudgetMs(maxAttempts: number): number {
  let total = 0;
  for (let retry = 1; retry < maxAttempts; retry++) total += Math.min(20_000, 500 * 2 ** retry);
  return total;
}

/**
 * The SDK attempts per call an engine's store client may make (at most `configured`): the most
 * whose retry backoff (`sdkRetryBackoffBudgetMs`) fits in a quarter of the shard's store stall
 * tolerance (`storeStallToleranceSec`, `core/fleet/timeouts.ts`), at least 1. The engine has its
 * own retry (every `storeRetrySec`) and must interleave heartbeats with failing commits: one call
 * that waits 7 s inside the SDK (4 attempts) leaves an engine with a 20 s `staleAfter` room for only
 * three calls before its self-fence, and a throttled commit then holds the heartbeat back
 * (`test/integration/aws/throttling-storm.test.ts`). Defaults (staleAfter 45 s, heartbeat 10 s):
 * 35 s tolerance, 4 attempts; staleAfter 20 s, heartbeat 1 s: 3 attempts (3 s of backoff).
 */
export function engineSdkMaxAttempts(storeStallToleranceSec: number, configured: number): number {
  let attempts = 1;
  while (attempts < configured && sdkRetryBackoffBudgetMs(attempts + 1) <= (storeStallToleranceSec * 1000) / 4) attempts++;
  return attempts;
}

/**
 * The longest one AWS call can take with these settings (ms): every attempt at its full
 * connection and request timeouts, and the SDK's longest backoff between them. With the
 * defaults, 4 × (2 + 5 s) + 7 s = 35 s. An attempt ends within `requestTimeoutMs` of its start
 * (the module's docstring says how), so the connection term is headroom for what the timers do
 * not count: signing and serializing before an attempt reaches the handler, timer latency on a
 * loaded host. Measured through a proxy that holds every answer
 * (`test/integration/aws/held-answers.test.ts`): each attempt ends at its request timeout and a
 * call of the SDK's retries within this bound.
 */
export function worstCallMs(settings: Pick<AwsClientSettings, 'maxAttempts' | 'connectionTimeoutMs' | 'requestTimeoutMs'>): number {
  return settings.maxAttempts * (settings.connectionTimeoutMs + settings.requestTimeoutMs) + sdkRetryBackoffBudgetMs(settings.maxAttempts);
}

/** The SDK client configuration of these settings: region, endpoint, retries and the handler's timeouts. */
export function sdkClientConfig(settings: AwsClientSettings) {
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts,
    retryMode: 'standard' as const,
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without it the request timeout only logs a warning and the call waits on.
      throwOnRequestTimeout: true,
      // Well under DynamoDB's default of 300 s: a socket silent for a whole attempt is dead.
      socketTimeout: settings.requestTimeoutMs,
    },
  };
}

/**
 * Ends an attempt whose response body has not finished `requestTimeoutMs` after the attempt
 * began (the handler's request timeout stops at the headers; a body trickled slower than the
 * socket's idle timeout would go on forever). In the deserialize step, below the deserializer, so
 * it runs once per attempt (the retry middleware is outside it) and sees the response before its
 * body is read; the body is destroyed with a `TimeoutError`, which the SDK retries like any other.
 */
function attemptDeadline<C extends SdkClient>(client: C, requestTimeoutMs: number): C {
  (client.middlewareStack as MiddlewareStack<object, object>).add(
    (next) => async (args) => {
      const started = performance.now();
      const result = await next(args);
      const body = (result.response as { body?: unknown } | undefined)?.body;
      if (body instanceof Readable && !body.readableEnded && !body.destroyed) {
        const left = Math.max(0, requestTimeoutMs - (performance.now() - started));
        const timer = setTimeout(() => {
          const error = new Error(`AWS response body not received within ${requestTimeoutMs} ms of the attempt's start (requestTimeoutMs)`);
          body.destroy(Object.assign(error, { name: 'TimeoutError', code: 'ETIMEDOUT' }));
        }, left);
        body.once('close', () => clearTimeout(timer));
      }
      return result;
    },
    { step: 'deserialize', name: 'arbfleetAttemptDeadline', priority: 'low' },
  );
  return client;
}

/** One request about to go on the wire: each attempt of a call counts (retries included). */
export interface AwsRequest {
  /** The SDK client's name, e.g. `DynamoDBClient`, `ECSClient`. */
  client: string;
  /** The API operation, e.g. `Query`, `DescribeTasks`. */
  operation: string;
}

/** Optional hooks; production code passes none. */
export interface AwsClientHooks {
  /** Told of every request the clients send (the benchmark counts a watchdog pass's calls with it). */
  onRequest?: (request: AwsRequest) => void;
}

/** What `shapeClient` needs of an SDK client: its middleware stack (every `@aws-sdk/client-*` client has one). */
export interface SdkClient {
  middlewareStack: unknown;
}

/**
 * Bounds every attempt of `client` (`attemptDeadline`) and reports each one to `hooks.onRequest`
 * when given; returns the same client. Every client module calls it on the client it builds.
 */
export function shapeClient<C extends SdkClient>(client: C, settings: AwsClientSettings, hooks: AwsClientHooks = {}): C {
  return observed(attemptDeadline(client, settings.requestTimeoutMs), hooks);
}

/**
 * Adds the `onRequest` hook, when given, in the SDK's deserialize step: after the retry
 * middleware, so every attempt is reported.
 */
function observed<C extends SdkClient>(client: C, hooks: AwsClientHooks): C {
  const onRequest = hooks.onRequest;
  if (!onRequest) return client;
  (client.middlewareStack as MiddlewareStack<object, object>).add(
    (next, context) => async (args) => {
      onRequest({ client: String(context.clientName ?? 'unknown'), operation: operationOf(String(context.commandName ?? 'unknown')) });
      return next(args);
    },
    { step: 'deserialize', name: 'arbfleetRequestObserver', priority: 'low' },
  );
  return client;
}

/** `QueryCommand` → `Query`. */
function operationOf(commandName: string): string {
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}
