/**
 * moto's server for the test suites: the module lives with the benchmark, which starts moto too
 * and must not import test code (`engine-task/bench/moto-server.ts`).
 */
export { freePort, pythonToolsBin, startMotoServer, type MotoServer } from '../../engine-task/bench/moto-server.js';

/** The AWS endpoint this suite leased (the `aws` project's setup file sets `AWS_ENDPOINT_URL`). */
export function emulatorEndpoint(): string {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run this suite in the `aws` test project');
  return endpoint;
}
