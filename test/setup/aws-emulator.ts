/**
 * Global setup of the `aws` test project: gives the suites an AWS API to talk to over the wire.
 * With `AWS_ENDPOINT_URL` already set (LocalStack on http://localhost:4566, say) the suites use
 * that. Otherwise moto's server is installed once into .venv (scripts/python-tools.sh), started on
 * a free loopback port, and stopped at the end; each suite resets its state (setup file).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    /** True when the endpoint is the moto server this setup started (it can be reset). */
    awsEmulatorIsMoto: boolean;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.AWS_ENDPOINT_URL;
  if (given) {
    project.provide('awsEndpoint', given);
    project.provide('awsEmulatorIsMoto', process.env.ARBFLEET_EMULATOR === 'moto');
    return async () => {};
  }
  const bin = execFileSync('bash', ['scripts/python-tools.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const port = await freePort();
  const moto = spawn(`${bin}/moto_server`, ['-H', '127.0.0.1', '-p', String(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  moto.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, moto, () => log);
  project.provide('awsEndpoint', endpoint);
  project.provide('awsEmulatorIsMoto', true);
  return async () => {
    moto.kill('SIGTERM');
    await new Promise((resolve) => (moto.exitCode === null ? moto.once('exit', resolve) : resolve(undefined)));
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, moto: ChildProcess, log: () => string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (moto.exitCode !== null) throw new Error(`moto_server exited with ${moto.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 30 s:\n${log()}`);
}
