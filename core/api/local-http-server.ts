/**
 * The local `--api-port` server: node:http in front of the API handler, bound to 127.0.0.1 only.
 *
 * The body is read with a hard cap: once more than `maxBodyBytes` have arrived (or the declared
 * `content-length` says they will), the server stops reading, drops what it buffered, answers 413
 * itself (through `http-status.ts`, like every error) and closes the connection. A body is never
 * buffered beyond `maxBodyBytes` plus one chunk, and an oversize body never reaches the handler.
 *
 * The API may not starve the fleet it serves (the store, the watchdog and the process launcher
 * share its process and its descriptor limit): at most `maxConnections` connections at once
 * (further ones are accepted and closed at once by Node), a connection must send its first byte
 * and a request its headers within `headersTimeoutMs`, and the whole request within `requestTimeoutMs` (else 408 and the connection
 * closed; checked every `connectionsCheckingIntervalMs`), an idle keep-alive connection is closed
 * after `keepAliveTimeoutMs` and one connection serves at most `maxRequestsPerSocket` requests.
 * Defaults: {@link LOCAL_API_LIMITS}; the connection cap comes from the descriptor budget
 * (`core/local/descriptor-budget.ts`).
 *
 * Only the operator's own pages and tools may use it (`local-request-guard.ts`): a request whose
 * `Host` is not this server (DNS rebinding), or a state-changing one that another site could have
 * sent, is answered 403 from its headers alone, before its body is read, and the connection is
 * closed. Each distinct refusal (rule and offending value) is logged once, the first
 * {@link MAX_LOGGED_REFUSALS} of them, so a hostile page sending in a loop cannot flood the log.
 * Binding to an address other than loopback is not offered: it would need a token (see the guard).
 *
 * With `events`, `GET /events` is the live console's server-sent events (`event-streams.ts`): a
 * stream holds its connection until the page closes or the server does (`close()` ends them).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiConnectionCap } from '../local/descriptor-budget.js';
import { DEFAULT_MAX_BODY_BYTES, type ApiHandler, type ApiLog } from './api-handler.js';
import { matchRoute } from './api-routes.js';
import type { EventStreams } from './event-streams.js';
import { PayloadTooLargeError } from './http-errors.js';
import { errorResponse } from './http-status.js';
import type { ApiRequest, ApiResponse } from './http-types.js';
import { foreignRequestRefusal, type ForeignRequestError } from './local-request-guard.js';

export interface LocalApiServerOptions {
  /** The TCP port; 0 picks a free one (see `LocalApiServer.port`). */
  port: number;
  /** The only address the server binds: loopback, so the API is never reachable from the network. */
  host?: '127.0.0.1';
  /** The body cap; keep it equal to the handler's `maxBodyBytes`. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** At most this many open connections (default: `apiConnectionCap()`, 256 or less under a tight descriptor limit). */
  maxConnections?: number;
  /** Overrides of {@link LOCAL_API_LIMITS}' timeouts and keep-alive limits. */
  limits?: Partial<Omit<LocalApiLimits, 'maxConnections'>>;
  /** Receives `api.foreign_request_refused` (method, path, rule, found, message) once per distinct refusal. Default: one JSON line on stderr. */
  log?: ApiLog;
  /**
   * Serves `GET /events` (the console's server-sent events) from these streams, after the request
   * guard like every route; `close()` ends them. Without it the handler answers the route (404).
   */
  events?: EventStreams;
}

/** At most this many distinct refusals are logged by one server; later ones are answered but not logged. */
export const MAX_LOGGED_REFUSALS = 64;

/** The local server's timeouts (ms) and keep-alive limits. */
export interface LocalApiLimits {
  /** A request's headers must be complete this long after its connection opened or its previous request ended. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must have arrived within this. */
  requestTimeoutMs: number;
  /** How often Node checks the two timeouts above: a slow request is closed within timeout + this. */
  connectionsCheckingIntervalMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Requests one connection may carry before the server closes it. */
  maxRequestsPerSocket: number;
}

/**
 * The defaults: 10 s for headers (Node's own is 60 s, what let a slowloris hold a connection a
 * minute), 30 s for a request (the API's bodies are a campaign config at most, 1 MiB on loopback),
 * checked every second (Node's default 30 s would keep an expired connection up to 30 s more),
 * keep-alive 5 s (Node's default), 100 requests per connection.
 */
export const LOCAL_API_LIMITS: LocalApiLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 100,
};

/** A running local API server. */
export interface LocalApiServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startLocalApiServer(handler: ApiHandler, options: LocalApiServerOptions): Promise<LocalApiServer> {
  const host = '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits = { ...LOCAL_API_LIMITS, ...options.limits };
  const refusals = refusalLog(options.log ?? logToStderr);
  let boundPort = -1;
  const server = createServer(
    { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.connectionsCheckingIntervalMs },
    (req, res) => {
      const refusal = foreignRequestRefusal({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers }, boundPort);
      if (refusal !== undefined) {
        refusals(req, refusal);
        refuseUnread(req, res, refusal);
        return;
      }
      if (options.events !== undefined && isEventsRequest(req)) {
        void openStream(options.events, req, res);
        return;
      }
      void serve(handler, maxBodyBytes, req, res);
    },
  );
  // Node's header timeout starts with a request's first byte: a connection that never sends one
  // would be held for ever. It gets the same bound, lifted once its first request has arrived.
  server.on('connection', (socket) => {
    socket.setTimeout(limits.headersTimeoutMs, () => socket.destroy());
    socket.once('data', () => socket.setTimeout(0));
  });
  server.maxConnections = options.maxConnections ?? apiConnectionCap();
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  await listen(server, options.port, host);
  const { port } = server.address() as AddressInfo;
  boundPort = port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => {
      options.events?.close();
      return close(server);
    },
  };
}

/** `GET /events…`: the route table decides, so `/events/` and `/events?campaignId=x` are it too. */
function isEventsRequest(req: IncomingMessage): boolean {
  try {
    return matchRoute(req.method ?? 'GET', req.url ?? '/').route === 'events';
  } catch {
    return false;
  }
}

/** Opens an event stream; a refusal (429, 404) is answered like any error, through `http-status.ts`. */
async function openStream(events: EventStreams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await events.open(res, matchRoute('GET', req.url ?? '/').query);
  } catch (error) {
    send(res, errorResponse(error));
  }
}

async function serve(handler: ApiHandler, maxBodyBytes: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, maxBodyBytes);
  if (body === TOO_LARGE) {
    refuseBody(req, res, maxBodyBytes);
    return;
  }
  if (body === ABORTED) return;
  let response: ApiResponse;
  try {
    response = await handler(toApiRequest(req, body));
  } catch (error) {
    response = errorResponse(error);
  }
  send(res, response);
}

/** The body was (or is declared to be) larger than the cap. */
const TOO_LARGE = Symbol('too large');
/** The client went away before the body ended: nobody is left to answer. */
const ABORTED = Symbol('aborted');

/**
 * Reads the body, keeping at most `maxBytes` bytes. Settles on `TOO_LARGE` as soon as the body
 * is known to be larger (declared or counted), and from then on nothing more is kept.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE | typeof ABORTED> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: Buffer | typeof TOO_LARGE | typeof ABORTED): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      chunks.length = 0;
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) settle(TOO_LARGE);
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle(Buffer.concat(chunks, size));
    const onAbort = (): void => settle(ABORTED);
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

/** Answers 413 without reading the rest of the body. */
function refuseBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  refuseUnread(req, res, new PayloadTooLargeError(maxBytes));
}

/**
 * Answers `error` and closes the connection (node destroys the socket once the answer is
 * flushed): the body, or what is left of it, is never read.
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, error: Error): void {
  req.pause();
  req.on('error', () => {});
  send(res, errorResponse(error), { connection: 'close' });
}

/** Logs each distinct refusal (rule and offending value) once, at most {@link MAX_LOGGED_REFUSALS} of them. */
function refusalLog(log: ApiLog): (req: IncomingMessage, refusal: ForeignRequestError) => void {
  const seen = new Set<string>();
  return (req, refusal) => {
    const key = `${refusal.rule}\u0000${refusal.found ?? ''}`;
    if (seen.has(key) || seen.size >= MAX_LOGGED_REFUSALS) return;
    seen.add(key);
    try {
      log('api.foreign_request_refused', { method: req.method, path: req.url, rule: refusal.rule, found: refusal.found, message: refusal.message });
    } catch {
      // The refusal is what matters; a logger that throws must not stop it.
    }
  };
}

function logToStderr(event: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', event, ...fields })}\n`);
}

function toApiRequest(req: IncomingMessage, body: Buffer): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const request: ApiRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: undefined };
  if (body.length === 0) return request;
  const text = utf8Text(body);
  return text === undefined ? { ...request, body: body.toString('base64'), isBase64Encoded: true } : { ...request, body: text };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text when it is UTF-8; `undefined` when it is not (then it travels as base64). */
function utf8Text(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, response: ApiResponse, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(response.status, { ...response.headers, ...extraHeaders, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
