/**
 * The local `--api-port` server: node:http in front of the API handler, bound to 127.0.0.1 only.
 *
 * The body is read with a hard cap: once more than `maxBodyBytes` have arrived (or the declared
 * `content-length` says they will), the server stops reading, drops what it buffered, answers 413
 * itself (through `http-status.ts`, like every error) and closes the connection. A body is never
 * buffered beyond `maxBodyBytes` plus one chunk, and an oversize body never reaches the handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_BODY_BYTES, type ApiHandler } from './api-handler.js';
import { PayloadTooLargeError } from './http-errors.js';
import { errorResponse } from './http-status.js';
import type { ApiRequest, ApiResponse } from './http-types.js';

export interface LocalApiServerOptions {
  /** The TCP port; 0 picks a free one (see `LocalApiServer.port`). */
  port: number;
  /** The only address the server binds: loopback, so the API is never reachable from the network. */
  host?: '127.0.0.1';
  /** The body cap; keep it equal to the handler's `maxBodyBytes`. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
}

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
  const server = createServer((req, res) => {
    void serve(handler, maxBodyBytes, req, res);
  });
  await listen(server, options.port, host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => close(server),
  };
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

/**
 * Answers 413 and closes the connection (node destroys the socket once the answer is flushed):
 * the rest of the body is never read.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  req.pause();
  req.on('error', () => {});
  send(res, errorResponse(new PayloadTooLargeError(maxBytes)), { connection: 'close' });
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
