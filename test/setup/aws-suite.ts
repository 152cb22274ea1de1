/**
 * Setup file of the `aws` test project: points the AWS SDK at the emulator and gives every suite
 * (test file) a clean emulator. The project runs its files one at a time, so a reset never pulls
 * the floor from under another suite.
 */
import { beforeAll, inject } from 'vitest';

process.env.AWS_ENDPOINT_URL = inject('awsEndpoint');
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

beforeAll(async () => {
  if (!inject('awsEmulatorIsMoto')) return; // LocalStack and real endpoints: suites use unique names instead
  const res = await fetch(`${inject('awsEndpoint')}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`could not reset moto: HTTP ${res.status}`);
});
