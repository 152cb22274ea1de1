import { describe, expect, it } from 'vitest';
import { engineSdkMaxAttempts, sdkRetryBackoffBudgetMs } from '../../../core/aws/aws-client-settings.js';
import { awsClientSettings, worstCallMs } from '../../../core/aws/aws-clients.js';
import { DynamoDbClients } from '../../../core/aws/dynamodb-client.js';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';

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

  it("caps an engine's SDK attempts so their backoff fits a quarter of its store stall tolerance (its own retry interleaves heartbeats), never above the configured", () => {
    const tolerance = (heartbeatInterval: number, staleAfter: number) => shardTimeouts({ heartbeatInterval, staleAfter }).storeStallToleranceSec;
    expect(engineSdkMaxAttempts(tolerance(10, 45), 4)).toBe(4); // 35 s: 7 s of backoff fits 8.75 s
    expect(engineSdkMaxAttempts(tolerance(1, 20), 4)).toBe(3); // 19 s: 3 s fits 4.75 s, 7 s does not
    expect(engineSdkMaxAttempts(tolerance(1, 5), 4)).toBe(2); // 4 s: 1 s fits 1 s
    expect(engineSdkMaxAttempts(1, 4)).toBe(1);
    expect(engineSdkMaxAttempts(tolerance(10, 45), 2)).toBe(2);
    for (const [h, s] of [
      [10, 45],
      [1, 20],
      [1, 5],
      [60, 3600],
    ] as const) {
      const n = engineSdkMaxAttempts(tolerance(h, s), 10);
      expect(sdkRetryBackoffBudgetMs(n)).toBeLessThanOrEqual((tolerance(h, s) * 1000) / 4);
      if (n < 10) expect(sdkRetryBackoffBudgetMs(n + 1)).toBeGreaterThan((tolerance(h, s) * 1000) / 4);
    }
  });

  it("an engine's DynamoDB client takes the cap: the next call's client makes at most that many attempts, and a cap above the settings changes nothing", async () => {
    const clients = new DynamoDbClients({ ...awsClientSettings({}), region: 'us-east-1' });
    expect(await clients.documents.config.maxAttempts()).toBe(4);
    clients.capAttempts(3);
    expect(await clients.documents.config.maxAttempts()).toBe(3);
    clients.capAttempts(5);
    expect(await clients.documents.config.maxAttempts()).toBe(3);
    clients.destroy();
  });
});
