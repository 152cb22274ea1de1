/**
 * Global setup of the `aws` test project: gives the suites an AWS API to talk to over the wire.
 *
 * - With `AWS_ENDPOINT_URL` already set (LocalStack on http://localhost:4566, say) every suite uses
 *   that one endpoint, one suite at a time (a single lease, below).
 * - Otherwise moto's server is installed once into .venv (scripts/python-tools.sh) and one server
 *   per test worker is started on free loopback ports (test/support/moto-server.ts), and stopped at
 *   the end. Each suite (test file) leases a server of its own for its whole run and resets it
 *   first (setup file `aws-suite.ts`), so the AWS suites run side by side with the others and
 *   never see each other's tables, queues or tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMotoServer } from '../support/moto-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The endpoints a suite may lease, one suite per endpoint at a time. */
    awsEndpoints: string[];
    /** Where leases are taken: one directory per leased endpoint index (see aws-suite.ts). */
    awsLeaseDir: string;
    /** True when the endpoints are moto servers this setup started (they can be reset). */
    awsEmulatorIsMoto: boolean;
  }
}

/** Servers started: one per worker that may run a suite at once (vitest.config.ts's maxWorkers). */
export const MOTO_SERVERS = Number(process.env.ARBFLEET_TEST_MOTO_SERVERS ?? 3);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const leaseDir = mkdtempSync(path.join(tmpdir(), 'arbfleet-aws-leases-'));
  project.provide('awsLeaseDir', leaseDir);
  const given = process.env.AWS_ENDPOINT_URL;
  if (given) {
    project.provide('awsEndpoints', [given]);
    project.provide('awsEmulatorIsMoto', process.env.ARBFLEET_EMULATOR === 'moto');
    return async () => rmSync(leaseDir, { recursive: true, force: true });
  }
  const servers = await Promise.all(Array.from({ length: Math.max(1, MOTO_SERVERS) }, () => startMotoServer()));
  project.provide(
    'awsEndpoints',
    servers.map((server) => server.endpoint),
  );
  project.provide('awsEmulatorIsMoto', true);
  return async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(leaseDir, { recursive: true, force: true });
  };
}
