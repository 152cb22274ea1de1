/**
 * Global setup of the `aws` test project: gives the suites an AWS API to talk to over the wire.
 * With `AWS_ENDPOINT_URL` already set (LocalStack on http://localhost:4566, say) the suites use
 * that. Otherwise moto's server is installed once into .venv (scripts/python-tools.sh), started on
 * a free loopback port, and stopped at the end (test/support/moto-server.ts); each suite resets
 * its state (setup file).
 */
import type { TestProject } from 'vitest/node';
import { startMotoServer } from '../support/moto-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
    /** True when the endpoint is the moto server this setup started (it can be reset). */
    awsEmulatorIsMoto: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.AWS_ENDPOINT_URL;
  if (given) {
    project.provide('awsEndpoint', given);
    project.provide('awsEmulatorIsMoto', process.env.ARBFLEET_EMULATOR === 'moto');
    return async () => {};
  }
  const moto = await startMotoServer();
  project.provide('awsEndpoint', moto.endpoint);
  project.provide('awsEmulatorIsMoto', true);
  return () => moto.stop();
}
