import { describe, expect, it } from 'vitest';
import { DashboardWriter, feedCell, lastRestartCell, pnlCell, renderDashboard } from '../../../cli/dashboard.js';
import { parseChaos, engineChaosEnv } from '../../../cli/chaos-plan.js';
import { campaignRecord, progress, shardRecord } from '../../contract/record-builders.js';
import { micros, ms } from '../../../core/model/units.js';

const T0 = ms(Date.UTC(2026, 0, 1));

function view() {
  const campaign = { ...campaignRecord('c-1', 2, { startedAt: T0 }), config: { duration: 60, venues: { b: { quoteCurrency: 'USDT' } } } };
  const running = {
    ...shardRecord('c-1', 0, { status: 'RUNNING' as const, generation: 1, taskId: '4242' }),
    heartbeat: {
      generation: 1,
      receivedAt: ms(T0 + 9_000),
      progress: { ...progress(5000, 150 * 2 ** 20), trades: 12, ticksPerSec: 480.4, latencyP99Us: 3.25 },
    },
  };
  const pending = shardRecord('c-1', 1);
  return { campaign, shards: [running, pending] };
}

describe('the live dashboard', () => {
  it('shows one row per shard: status, generation, ticks/s, trades, realised P&L, p99, heartbeat age, restarts, RSS', () => {
    const [header, columns, row0, row1] = renderDashboard(view(), T0 + 10_000);
    expect(header).toContain('(c-1)');
    expect(header).toMatch(/10s \/ 60s {2}engine-reported trades 12 {2}P&L \+12\.35 USDT$/);
    expect(columns).toMatch(/^shard\s+status\s+gen\s+symbols\s+ticks\/s\s+trades\s+P&L\s+p99 µs\s+hb age\s+restarts\s+RSS MiB\s+feed\s+last restart$/);
    expect(row0?.split(/\s+/)).toEqual(['shard-0', 'RUNNING', '1', expect.any(String), '480', '12', '+12.35', '3.25', '1.0s', '0', '150', '-', '-']);
    expect(row1?.split(/\s+/).slice(0, 2)).toEqual(['shard-1', 'PENDING']);
  });

  it('prints compact lines on a non-TTY, at most every few seconds', () => {
    let written = '';
    const out = {
      isTTY: false,
      write: (t: string) => {
        written += t;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const writer = new DashboardWriter(out, 5000);
    writer.write(view(), T0 + 10_000);
    writer.write(view(), T0 + 11_000);
    expect(written.trim().split('\n')).toHaveLength(2);
    expect(written).toContain('shard-0 RUNNING g1 ticks/s=480 trades=12 pnl=+12.35 p99=3.25µs hb=1.0s restarts=0 rss=150MiB feed=- last=-');
  });

  it("sums the shards' realised P&L in the header, exact micro-units first, and signs each cell", () => {
    const v = view();
    const [running] = v.shards;
    if (!running?.heartbeat) throw new Error('the view has a running shard');
    const loss = {
      ...running,
      shardId: 'shard-1',
      heartbeat: { ...running.heartbeat, progress: { ...running.heartbeat.progress, realizedPnlMicros: micros(-20_500_000, 'progress.realizedPnlMicros') } },
    };
    const [header, , row0, row1] = renderDashboard({ ...v, shards: [running, loss] } as ReturnType<typeof view>, T0 + 10_000);
    expect(header).toMatch(/P&L -8\.15 USDT$/); // 12.345678 − 20.5
    expect(row0?.split(/\s+/)[6]).toBe('+12.35');
    expect(row1?.split(/\s+/)[6]).toBe('-20.50');
    const cells = [0, -1_000, 1_234_500_000, -1_234_500_000, -5_000, 5_000].map((m) => pnlCell(micros(m, 'pnl'), 'USDT'));
    expect(cells).toEqual(['0.00', '0.00', '+1,234.50', '-1,234.50', '-0.01', '+0.01']);
    expect(pnlCell(micros(-1_234_500_000, 'pnl'), 'KRW')).toBe('-1,235');
  });

  it('names the last restart: PREEMPTED with the signal or the ECS stop code that stopped it from outside', () => {
    const restart = (cause: 'PREEMPTED' | 'CRASHED' | 'LOST', detail: Record<string, unknown>) => ({
      fromGeneration: 0,
      cause,
      detail,
      failedAt: T0,
      detectedAt: T0,
      detectionDelaySec: 0,
    });
    expect(lastRestartCell([])).toBe('-');
    expect(lastRestartCell([restart('PREEMPTED', { exitCode: 0, signal: 'SIGTERM' })])).toBe('PREEMPTED:SIGTERM');
    expect(lastRestartCell([restart('CRASHED', { exitCode: 1 }), restart('PREEMPTED', { exitCode: 0, stopCode: 'TerminationNotice' })])).toBe(
      'PREEMPTED:TerminationNotice',
    );
    expect(lastRestartCell([restart('CRASHED', { exitCode: 1 })])).toBe('CRASHED:exit-1');
    expect(lastRestartCell([restart('LOST', { lastHeartbeatAgeSec: 50 })])).toBe('LOST');
    const preempted = { ...view().shards[0], restarts: [restart('PREEMPTED', { exitCode: 0, signal: 'SIGTERM' })] };
    const [, , row0] = renderDashboard({ ...view(), shards: [preempted] } as ReturnType<typeof view>, T0 + 10_000);
    expect(row0?.split(/\s+/).slice(-4)).toEqual(['1', '150', '-', 'PREEMPTED:SIGTERM']);
  });

  it('redraws in place on a TTY', () => {
    let written = '';
    const out = {
      isTTY: true,
      write: (t: string) => {
        written += t;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const writer = new DashboardWriter(out);
    writer.write(view(), T0 + 10_000);
    expect(written).not.toContain('\x1b[4A');
    writer.write(view(), T0 + 11_000);
    expect(written).toContain('\x1b[4A'); // cursor back up over the 4 lines drawn before
  });
});

describe('--chaos plans', () => {
  it('parses verbs, shards, times and freeze durations', () => {
    expect(parseChaos('stall:shard-001@20s,kill:shard-000@40s,freeze:shard-001@70s+15s,exit:shard-000@1m30s')).toEqual([
      { verb: 'stall', shardId: 'shard-001', atSec: 20 },
      { verb: 'kill', shardId: 'shard-000', atSec: 40 },
      { verb: 'freeze', shardId: 'shard-001', atSec: 70, forSec: 15 },
      { verb: 'exit', shardId: 'shard-000', atSec: 90 },
    ]);
    expect(() => parseChaos('kill:shard-000@40s+5s')).toThrow(/only freeze takes a \+duration/);
    expect(() => parseChaos('kill:shard-000')).toThrow(/--chaos\[0\]: "kill:shard-000" is not verb:shard@time/);
  });

  it("passes a shard's engine-side faults that are still ahead to its task, as absolute times", () => {
    const faults = parseChaos('stall:shard-001@20s,kill:shard-001@25s,exit:shard-001@40s,leak:shard-000@5s');
    expect(engineChaosEnv(faults, 'shard-001', T0, T0 + 1_000)).toBe(`stall@${T0 + 20_000},exit@${T0 + 40_000}`);
    // A generation launched after the stall's time does not stall again.
    expect(engineChaosEnv(faults, 'shard-001', T0, T0 + 30_000)).toBe(`exit@${T0 + 40_000}`);
  });
});

describe('the feed column', () => {
  it('says done when the replay ran out, quiet (recorded seconds) while nothing comes, flowing otherwise', () => {
    expect(feedCell(undefined)).toBe('-');
    expect(feedCell({ eventTime: 1_000 })).toBe('flowing');
    expect(feedCell({ eventTime: 26_000, feedIdleSince: 1_000 })).toBe('quiet:25s');
    expect(feedCell({ eventTime: 26_000, feedIdleSince: 1_000, feedDone: true })).toBe('done');
  });
});
