/**
 * Who may use the local API (`arbfleet serve`, `arbfleet run --api-port`): the operator's own
 * tools and the pages this server itself serves, never a page of another site the operator's
 * browser happens to have open. A pure decision over a request's method and headers, taken by
 * `local-http-server.ts` before it reads the body; a refusal is a {@link ForeignRequestError}
 * (kind `foreign-request`, HTTP 403 by `ERROR_TABLE` in `core/errors.ts`, answered through `http-status.ts`).
 *
 * The rules, in the order they are checked:
 *
 * 1. **Host** (every method): the `Host` header must name this server, a loopback name
 *    (`127.0.0.1`, `localhost`, `[::1]`) with the port the server is bound to (no port means 80).
 *    A page that reached the server through a name of its own (DNS rebinding: `evil.example`
 *    resolving to 127.0.0.1) would otherwise be same-origin with it, read every campaign and act
 *    on them. Jupyter's rule (`ServerApp.allow_remote_access` off: the Host must be local).
 * 2. **Origin** (state-changing methods: every method but GET, HEAD and OPTIONS): absent (a CLI,
 *    curl) or exactly `http://` + the `Host` sent (a page of this server). `null` (a sandboxed
 *    frame, a `file:` page) and any other origin are refused.
 * 3. **Sec-Fetch-Site** (state-changing methods): when a browser sends it, `same-origin` or `none`
 *    only; `cross-site` and `same-site` (another port of this host, e.g. a local dev server) are
 *    refused.
 * 4. **No simple request** (state-changing methods): `Content-Type: application/json` or the
 *    {@link LOCAL_CLIENT_HEADER} header. A cross-site form or a `fetch(…, {mode: 'no-cors'})` can
 *    send neither: a browser sends a JSON content type or a custom header across sites only after
 *    a CORS preflight, which this server never grants (it sends no `Access-Control-Allow-*`).
 *
 * Read-only requests from other sites need no rule beyond the first: without CORS headers the
 * browser does not let the page read the answer.
 *
 * The server binds 127.0.0.1 only (`LocalApiServerOptions.host`). If it ever offers to bind
 * another address, these rules are not enough: anyone on that network can send any header, so it
 * must then require a token (printed at start, as Jupyter does) on every request.
 */
import { ArbfleetError } from '../errors.js';
import { excerpt } from './http-errors.js';

/**
 * The custom header the operator's tools send on every state-changing call (any non-empty value;
 * the CLI sends {@link LOCAL_CLIENT_NAME}). Pages of this server may send it too, or a JSON body.
 */
export const LOCAL_CLIENT_HEADER = 'x-arbfleet-client';

/** The value the `arbfleet` command sends in {@link LOCAL_CLIENT_HEADER}. */
export const LOCAL_CLIENT_NAME = 'arbfleet-cli';

/** The names a `Host` header may give this server (with its port). */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** Methods that change nothing: only the `Host` rule applies to them. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `Sec-Fetch-Site` values a state-changing request may carry. */
const ALLOWED_FETCH_SITES: ReadonlySet<string> = new Set(['same-origin', 'none']);

/** Which rule refused a request (the module's docstring lists them). */
export type ForeignRequestRule = 'host' | 'origin' | 'fetch-site' | 'simple-request';

/** A request the local API refuses because it does not come from the operator's own pages or tools (HTTP 403). */
export class ForeignRequestError extends ArbfleetError {
  override readonly name = 'ForeignRequestError';
  readonly kind = 'foreign-request';
  constructor(
    readonly rule: ForeignRequestRule,
    /** The offending header's value as sent (`undefined` when the refusal is that it is missing). */
    readonly found: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** What the guard reads of a request: its method, path (for messages) and headers, names in lower case as node:http gives them. */
export interface GuardedRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * The refusal for `request` reaching a server bound to `port`, or `undefined` when it may be served.
 * Pure: reads only its arguments.
 */
export function foreignRequestRefusal(request: GuardedRequest, port: number): ForeignRequestError | undefined {
  const expected = `127.0.0.1:${port} or localhost:${port}`;
  const host = single(request.headers.host);
  if (host === undefined) return new ForeignRequestError('host', undefined, `the Host header is missing (expected ${expected})`);
  if (!isThisServer(host, port)) {
    return new ForeignRequestError(
      'host',
      host,
      `Host ${excerpt(host)} is not this server (expected ${expected}): a page reached through another name (DNS rebinding) may not use the local API`,
    );
  }
  const method = request.method.toUpperCase();
  if (SAFE_METHODS.has(method)) return undefined;
  const what = `${excerpt(method, 16)} ${excerpt(request.path)}`;
  const origin = single(request.headers.origin);
  const ownOrigin = `http://${host.toLowerCase()}`;
  if (origin !== undefined && origin.toLowerCase() !== ownOrigin) {
    return new ForeignRequestError(
      'origin',
      origin,
      `${what} refused: Origin ${excerpt(origin)} is not this server (expected no Origin, or ${ownOrigin} for this server's own pages)`,
    );
  }
  const site = single(request.headers['sec-fetch-site']);
  if (site !== undefined && !ALLOWED_FETCH_SITES.has(site.toLowerCase())) {
    return new ForeignRequestError(
      'fetch-site',
      site,
      `${what} refused: Sec-Fetch-Site ${excerpt(site)} says another site sent it (expected same-origin or none)`,
    );
  }
  const contentType = single(request.headers['content-type']);
  const client = single(request.headers[LOCAL_CLIENT_HEADER]);
  if (!isJson(contentType) && (client === undefined || client.trim() === '')) {
    return new ForeignRequestError(
      'simple-request',
      contentType,
      `${what} refused: a request that changes something needs Content-Type: application/json or an X-Arbfleet-Client header ` +
        `(got ${contentType === undefined ? 'no content type' : `content type ${excerpt(contentType)}`} and no X-Arbfleet-Client), ` +
        'so that no page of another site can send it as a form',
    );
  }
  return undefined;
}

/** True when `host` (a `Host` header) is a loopback name with `port` (no port: 80). */
function isThisServer(host: string, port: number): boolean {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host.toLowerCase());
  if (match === null) return false;
  const [, name, portText] = match;
  return LOOPBACK_HOST_NAMES.includes(name as string) && (portText === undefined ? 80 : Number(portText)) === port;
}

/** `application/json`, with parameters or not (the handler's own rule for bodies). */
function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** A header's one value; a header sent twice counts as not this server's (joined, it matches no rule). */
function single(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(', ');
}
