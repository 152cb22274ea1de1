import { describe, expect, it } from 'vitest';
import { awsClientSettings, worstCallMs } from '../../../core/aws/aws-clients.js';

describe('awsClientSettings', () => {
  it('defaults to 4 attempts, 2 s to connect and 5 s an attempt: a call ends within 35 s', () => {
    const settings = awsClientSettings({});
    expect(settings).toMatchObject({ maxAttempts: 4, connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
    expect(worstCallMs(settings)).toBe(35_000);
  });

  it('takes the attempts and the attempt timeout from the environment (an emulator slower than the service)', () => {
    const settings = awsClientSettings({ ARBFLEET_AWS_MAX_ATTEMPTS: '2', ARBFLEET_AWS_REQUEST_TIMEOUT_MS: '15000' });
    expect(settings).toMatchObject({ maxAttempts: 2, requestTimeoutMs: 15_000 });
    expect(worstCallMs(settings)).toBe(2 * (2_000 + 15_000) + 1_000);
  });

  it('refuses a value that is not a positive integer, naming the variable', () => {
    expect(() => awsClientSettings({ ARBFLEET_AWS_REQUEST_TIMEOUT_MS: '5s' })).toThrow(
      /ARBFLEET_AWS_REQUEST_TIMEOUT_MS: expected a positive integer, got "5s"/,
    );
    expect(() => awsClientSettings({ ARBFLEET_AWS_MAX_ATTEMPTS: '0' })).toThrow(/ARBFLEET_AWS_MAX_ATTEMPTS: expected a positive integer, got "0"/);
  });
});
