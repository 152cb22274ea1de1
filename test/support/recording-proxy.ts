/**
 * An HTTP proxy that sits between processes under test and the emulator: every request is handed
 * to `record` (method, path, headers, body), then forwarded to the target unchanged (same method,
 * path, headers, Host included, and body, so a SigV4 signature still verifies) and the answer is
 * streamed back as it comes. Point a process's `AWS_ENDPOINT_URL` at `endpoint` to see every AWS
 * call it makes, as it made it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy received it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** Header names lower-cased (Node's `IncomingMessage.headers`). */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: what a process under test uses as its AWS endpoint. */
  endpoint: string;
  /** What `record` threw, one entry per request it threw on (the request was forwarded all the same). */
  recordErrors: unknown[];
  stop(): Promise<void>;
}

/** Starts a proxy to `target` (an `http://host:port` endpoint) on a free loopback port. */
export async function startRecordingProxy(target: string, record: (request: ProxiedRequest) => void): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const recordErrors: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      try {
        record({ method, path, headers: req.headers, body });
      } catch (error) {
        recordErrors.push(error);
      }
      const forward = http.request({ hostname: upstream.hostname, port: upstream.port, method, path, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recording proxy: ${target} did not answer: ${error.message}`);
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
    recordErrors,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
