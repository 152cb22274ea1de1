import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readStackSettings, tablePrefixOf } from '../../infra/stack-settings.js';

const read = (context: Record<string, unknown>) => readStackSettings((key) => context[key]);

describe('stack settings from CDK context', () => {
  it('defaults to a new VPC with endpoints, 512/1024 tasks, retained tables, 30-day logs', () => {
    expect(read({})).toEqual({
      stackName: 'Arbfleet',
      destroyTables: false,
      vpcEndpoints: true,
      taskCpu: 512,
      taskMemoryMiB: 1024,
      logRetentionDays: 30,
      apiRateLimit: 10,
      apiBurstLimit: 20,
      restartAlarmThreshold: 5,
      reservedConcurrency: true,
      apiGatewayAccountRole: true,
      watchdogIntervalSec: 15,
      taskEgress: 'none',
    });
    expect(tablePrefixOf('Arbfleet')).toBe('Arbfleet-');
  });

  it('reads strings the way `-c name=value` passes them', () => {
    const settings = read({
      stackName: 'ArbStaging',
      destroyTables: 'true',
      vpcId: 'vpc-0123456789abcdef0',
      taskCpu: '1024',
      taskMemoryMiB: '4096',
      logRetentionDays: '90',
      alarmEmail: 'oncall@example.com',
      apiRateLimit: '5',
      apiBurstLimit: '10',
      restartAlarmThreshold: '3',
      reservedConcurrency: 'false',
    });
    expect(settings).toMatchObject({
      stackName: 'ArbStaging',
      destroyTables: true,
      vpcId: 'vpc-0123456789abcdef0',
      vpcEndpoints: false,
      taskCpu: 1024,
      taskMemoryMiB: 4096,
      logRetentionDays: 90,
      alarmEmail: 'oncall@example.com',
      apiRateLimit: 5,
      apiBurstLimit: 10,
      restartAlarmThreshold: 3,
      reservedConcurrency: false,
    });
  });

  it('creates endpoints in an existing VPC only when asked', () => {
    expect(read({ vpcId: 'vpc-0123456789abcdef0', vpcEndpoints: 'true' }).vpcEndpoints).toBe(true);
  });

  it('names every bad option, what it expected and what it found', () => {
    let error: unknown;
    try {
      read({ taskCpu: '300', destroyTables: 'yes', vpcId: 'my-vpc', logRetentionDays: 10, alarmEmail: 'nobody' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues.map((i) => i.path);
    expect(issues.sort()).toEqual(['alarmEmail', 'destroyTables', 'logRetentionDays', 'taskCpu', 'vpcId']);
    expect((error as Error).message).toContain('taskCpu: expected one of Fargate');
    expect((error as Error).message).toContain('found "300"');
  });

  it('takes a watchdog cadence that divides a minute, and names the choices otherwise', () => {
    expect(read({ watchdogIntervalSec: '30' }).watchdogIntervalSec).toBe(30);
    expect(() => read({ watchdogIntervalSec: '10' })).toThrow(/watchdogIntervalSec: expected seconds dividing a minute \(15, 20, 30, 60\), found "10"/);
  });

  it('refuses a memory size Fargate does not offer for the CPU', () => {
    expect(() => read({ taskCpu: '256', taskMemoryMiB: '4096' })).toThrow(/taskMemoryMiB: 4096 MiB is not a Fargate size for 256 CPU units/);
    expect(() => read({ taskCpu: '2048', taskMemoryMiB: '8192' })).not.toThrow();
  });
});
