import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import { LOCAL_CLIENT_HEADER, LOCAL_CLIENT_NAME } from '../core/api/local-request-guard.js';
import { ArbfleetError } from '../core/errors.js';

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape SignatureV4 expects. */
class Sha256 {
  private inner: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.inner = Sha256.start(secret);
  }
  private static start(secret?: SourceData): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.inner.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.inner.digest());
  }
  reset(): void {
    this.inner = Sha256.start(this.secret);
  }
}

/**
 * The exports of a CommonJS package loaded with `import()`. Node (and tsx) give its named exports
 * beside `default`; the CLI bundle's chunks (cli/build.mjs, esbuild's splitting) give only
 * `default`, its `module.exports`: read through the names alone, every `arbfleet remote` command of
 * the bundle failed with "defaultProvider is not a function".
 */
function commonJsExports<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

function toBytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface RemoteApiOptions {
  /** The deployed API's base URL (the stack's `ApiUrl` output), e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod */
  url: string;
  region: string;
  /** Credentials (default: the AWS SDK's provider chain: env, profile, SSO, instance role...). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
  /** How long one request waits for its whole answer (ms; default `REMOTE_TIMEOUT_MS`): a held answer ends the call, it is not waited on for ever. */
  timeoutMs?: number;
  /** The waits before each retry of an idempotent request (ms; default `REMOTE_RETRY_DELAYS_MS`). */
  retryDelaysMs?: readonly number[];
  /** Told of each retry: the attempt that failed and why. */
  onRetry?: (attempt: number, why: string) => void;
}

/** One request's wait for its answer: 30 s, API Gateway's own integration limit (29 s) and a second. */
export const REMOTE_TIMEOUT_MS = 30_000;
/** The waits before the 2nd and 3rd tries of an idempotent request (`requestIdempotent`). */
export const REMOTE_RETRY_DELAYS_MS: readonly number[] = [1_000, 3_000];

/** Answers worth trying again with the same idempotency key: throttled, or the gateway or the service failing. */
const RETRIED_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * A request that got no answer a retry could replace: it may or may not have been applied. The
 * message says which idempotency key to send again to get its outcome without doing it twice.
 */
export class UnansweredRequestError extends ArbfleetError {
  override readonly name = 'UnansweredRequestError';
  readonly kind = 'unanswered-request';
}

/** A response of the API: status and parsed JSON body (or text for pages). */
export interface RemoteResponse {
  status: number;
  body: unknown;
  /** The request it answers, as a message names it: `GET /campaigns/c-1` (`RemoteApi` sets it). */
  request?: string;
}

/**
 * Calls a deployed arbfleet API with requests signed by the caller's AWS credentials (SigV4,
 * service `execute-api`): the stack authorises every route with IAM. The signer and the SDK's
 * credential chain are loaded at the first request, not when the CLI starts: every other command
 * (`arbfleet run` first) would pay for evaluating them.
 */
export class RemoteApi {
  private signer: Promise<SignatureV4> | undefined;
  private readonly base: URL;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: RemoteApiOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.doFetch = options.fetch ?? fetch;
  }

  private signerOf(): Promise<SignatureV4> {
    this.signer ??= (async () => {
      const { SignatureV4 } = commonJsExports(await import('@smithy/signature-v4'));
      const credentials = this.options.credentials ?? commonJsExports(await import('@aws-sdk/credential-provider-node')).defaultProvider();
      return new SignatureV4({ service: 'execute-api', region: this.options.region, credentials, sha256: Sha256 });
    })();
    return this.signer;
  }

  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RemoteResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await this.sign(method, url, payload, headers);
    const timeoutMs = this.options.timeoutMs ?? REMOTE_TIMEOUT_MS;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.doFetch(url, { method, headers: signed.headers as Record<string, string>, signal, ...(payload !== undefined ? { body: payload } : {}) });
      text = await res.text();
    } catch (error) {
      if (signal.aborted) throw new UnansweredRequestError(`no answer to ${method} ${url.href} within ${timeoutMs / 1000} s`, { cause: error });
      // undici's "fetch failed" says neither where nor why: the URL and the cause (ECONNREFUSED, ENOTFOUND, a TLS error) are what a user can act on.
      throw new UnansweredRequestError(`cannot reach ${method} ${url.href}: ${describeFetchError(error)}`, { cause: error });
    }
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, request: `${method} ${url.pathname}` };
  }

  /**
   * A POST made idempotent by `key` (sent as `Idempotency-Key`: the API applies it once and answers
   * a repeat with the first outcome), tried again with the same key when it got no answer (a
   * timeout, a reset connection) or a 429/5xx, after each of `retryDelaysMs`: an answer lost on the
   * way neither fails the command nor starts a second campaign.
   * @throws UnansweredRequestError after the last try, naming the key to send again.
   */
  async requestIdempotent(path: string, body: unknown, key: string): Promise<RemoteResponse> {
    const delays = this.options.retryDelaysMs ?? REMOTE_RETRY_DELAYS_MS;
    for (let attempt = 1; ; attempt++) {
      let why: string;
      let last: RemoteResponse | undefined;
      try {
        last = await this.request('POST', path, body, { 'Idempotency-Key': key });
        if (!RETRIED_STATUSES.has(last.status)) return last;
        why = `HTTP ${last.status}`;
      } catch (error) {
        if (!(error instanceof UnansweredRequestError)) throw error;
        why = error.message;
      }
      const delay = delays[attempt - 1];
      if (delay === undefined) {
        if (last !== undefined) return last; // the API's own refusal, for the caller to word
        throw new UnansweredRequestError(
          `${why}, ${attempt} tries with Idempotency-Key ${key}: it may have been applied; send it again with --idempotency-key ${key} to get its outcome without doing it twice`,
        );
      }
      this.options.onRetry?.(attempt, why);
      await new Promise((wake) => setTimeout(wake, delay));
    }
  }

  /** Signs the request; no credentials found is said as what to do, not as the SDK's sentence. */
  private async sign(method: string, url: URL, payload: string | undefined, headers: Record<string, string>) {
    try {
      return await (await this.signerOf()).sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {
          host: url.host,
          // What the local API's guard asks of a call without a JSON body; a deployed API ignores it.
          [LOCAL_CLIENT_HEADER]: LOCAL_CLIENT_NAME,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        },
        ...(payload !== undefined ? { body: payload } : {}),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'CredentialsProviderError') {
        throw new Error(
          `no AWS credentials to sign ${method} ${url.href} with: set AWS_PROFILE (a profile from \`aws configure\` or \`aws sso login\`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${error.message})`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/** What a failed `fetch` says: its cause's code and message (`ECONNREFUSED 127.0.0.1:9`), else its own message. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as (Error & { code?: string }) | undefined;
  if (cause instanceof Error) {
    const code = cause.code ?? (cause as { errors?: (Error & { code?: string })[] }).errors?.[0]?.code;
    return code !== undefined && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}
