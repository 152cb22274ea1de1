/**
 * Setup file of the `aws` test project: leases one of the emulators the global setup provides
 * (`aws-emulator.ts`) for this suite (test file), points the AWS SDK at it through
 * `AWS_ENDPOINT_URL`, and resets it first, so a suite starts from a clean emulator that no other
 * suite touches while it runs. A lease is a directory named after the endpoint's index, made
 * atomically and holding the worker's pid; it is given back after the suite, and taken over when
 * that pid is gone (a worker that died mid-suite).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';

const LEASE_WAIT_MS = 600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLease(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    } catch {
      return false; // taken a moment ago, its pid not written yet
    }
    if (!Number.isInteger(holder) || alive(holder)) return false;
    // Its worker died mid-suite: move the stale lease aside (one rename wins when two workers see
    // it at once; removing it in place could remove the lease the other had just taken), then take it.
    try {
      renameSync(dir, `${dir}.stale-${process.pid}-${Date.now()}`);
    } catch {
      return false;
    }
    return tryLease(dir);
  }
  writeFileSync(path.join(dir, 'pid'), String(process.pid));
  return true;
}

async function lease(endpoints: string[], leaseDir: string): Promise<{ endpoint: string; dir: string }> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    for (const [index, endpoint] of endpoints.entries()) {
      const dir = path.join(leaseDir, String(index));
      if (tryLease(dir)) return { endpoint, dir };
    }
    if (Date.now() > deadline) throw new Error(`no AWS emulator free within ${LEASE_WAIT_MS / 1000} s (${endpoints.join(', ')}; leases in ${leaseDir})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const leased = await lease(inject('awsEndpoints'), inject('awsLeaseDir'));
process.env.AWS_ENDPOINT_URL = leased.endpoint;
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
// The SDK's timeouts end a held call now (core/aws/aws-clients.ts), and moto is slow on a loaded
// 2-core machine (a 98-fill TransactWriteItems took 10–28 s on a 1,600-item ledger while moto copied
// the table once per item; scripts/moto_server.py now copies it once per transaction, and heartbeat
// transactions still took up to 6 s at a load of 15): clients built from the environment here, and
// the engines started with it, give an attempt 30 s, so the emulator's slowness is not a fault of
// the code under test.
// Suites that measure the timeouts set their own (held-answers.test.ts).
process.env.ARBFLEET_AWS_REQUEST_TIMEOUT_MS ??= '30000';

beforeAll(async () => {
  if (!inject('awsEmulatorIsMoto')) return; // LocalStack and real endpoints: suites use unique names instead
  const res = await fetch(`${leased.endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`could not reset moto at ${leased.endpoint}: HTTP ${res.status}`);
});

afterAll(() => rmSync(leased.dir, { recursive: true, force: true }));
