/**
 * An HTTP proxy between a process under test and the emulator that can hold answers: each
 * request is forwarded unchanged (so it is applied and a SigV4 signature still verifies), and
 * `decide` says what the caller gets back — the answer at once (`pass`), nothing until `ms` later
 * (`hold-answer`: the request was applied, its answer is late), the status line and headers at
 * once but the body only `ms` later (`hold-body`) or a byte at a time (`trickle-body`), interim
 * `102 Processing` lines and never the answer (`processing`), nothing at all and the request never
 * forwarded (`drop`: what a caller sees when its request is lost on the way), or the proxy's own
 * answer, the request never forwarded (`answer`: a service refusing it, as DynamoDB's throttling does). It records, per
 * request, when it came, what was done, and when the CALLER gave up on it (closed the connection
 * before the answer was complete): the evidence that a client's timeout ended a held call.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with one request. */
export type HoldDecision =
  | { kind: 'pass' }
  | { kind: 'hold-answer'; ms: number }
  | { kind: 'hold-body'; ms: number }
  /** Headers at once, then the body one byte every `everyMs`: never silent long enough for an idle timeout. */
  | { kind: 'trickle-body'; everyMs: number }
  /** No answer ever, but an interim `102 Processing` every `everyMs`: the connection is never idle, only the request timeout can end it. */
  | { kind: 'processing'; everyMs: number }
  | { kind: 'drop' }
  /** This answer at once, the request not forwarded (nothing applied): e.g. HTTP 400 with DynamoDB's JSON error body. */
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: string };

/** One request as the proxy received it. */
export interface HeldRequest {
  /** `X-Amz-Target` (`DynamoDB_20120810.TransactWriteItems`), or the query's `Action=`, or the path. */
  operation: string;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** What became of one request. */
export interface HeldCall {
  operation: string;
  decision: HoldDecision['kind'];
  /** `performance.now()` when its body had arrived. */
  receivedAt: number;
  /** When the caller closed the connection before the answer was complete (undefined: it waited, or got it at once). */
  abandonedAt?: number;
  /** When the whole answer was written (undefined: never). */
  answeredAt?: number;
}

export interface HoldingProxy {
  /** `http://127.0.0.1:<port>`: what a process under test uses as its AWS endpoint. */
  endpoint: string;
  calls: HeldCall[];
  stop(): Promise<void>;
}

/** The AWS operation a request asks for, as the proxy can tell it from the wire. */
export function operationOf(request: { headers: http.IncomingHttpHeaders; path: string; body: Buffer }): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target;
  const action = /(?:^|[?&])Action=([A-Za-z]+)/.exec(request.path)?.[1] ?? /(?:^|&)Action=([A-Za-z]+)/.exec(request.body.toString('utf8'))?.[1];
  return action ?? `${request.path}`;
}

/** Starts a proxy to `target` (an `http://host:port` endpoint) on a free loopback port. */
export async function startHoldingProxy(target: string, decide: (request: HeldRequest) => HoldDecision): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const calls: HeldCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const operation = operationOf({ headers: req.headers, path, body });
      const decision = decide({ operation, body, headers: req.headers });
      const call: HeldCall = { operation, decision: decision.kind, receivedAt: performance.now() };
      calls.push(call);
      const abandoned = () => {
        if (!res.writableFinished) call.abandonedAt ??= performance.now();
      };
      res.on('close', abandoned);
      req.socket.once('close', abandoned);
      res.on('finish', () => (call.answeredAt = performance.now()));
      if (decision.kind === 'drop') return;
      if (decision.kind === 'answer') {
        res.writeHead(decision.status, { ...decision.headers, 'content-length': String(Buffer.byteLength(decision.body)) });
        res.end(decision.body);
        return;
      }
      if (decision.kind === 'processing') {
        const busy = () => {
          if (res.destroyed) return;
          res.writeProcessing();
          later(decision.everyMs, busy);
        };
        later(decision.everyMs, busy);
      }
      const forward = http.request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers, agent }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const payload = Buffer.concat(parts);
          const headers = { ...answer.headers, 'content-length': String(payload.length) };
          delete headers['transfer-encoding'];
          const send = () => {
            if (res.destroyed) return;
            if (!res.headersSent) res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
            res.end(payload);
          };
          if (decision.kind === 'processing') return;
          if (decision.kind === 'pass') send();
          else if (decision.kind === 'hold-answer') later(decision.ms, send);
          else if (decision.kind === 'trickle-body') {
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
            res.flushHeaders();
            const drip = (at: number) => {
              if (res.destroyed) return;
              if (at === payload.length - 1) res.end(payload.subarray(at));
              else {
                res.write(payload.subarray(at, at + 1));
                later(decision.everyMs, () => drip(at + 1));
              }
            };
            later(decision.everyMs, () => drip(0));
          } else {
            res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
            res.flushHeaders();
            later(decision.ms, send);
          }
        });
      });
      forward.on('error', (error) => {
        if (res.destroyed) return;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`holding proxy: ${target} did not answer: ${error.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
