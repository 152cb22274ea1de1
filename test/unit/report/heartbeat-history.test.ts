import { describe, expect, it } from 'vitest';
import { ms } from '../../../core/model/units.js';
import type { Heartbeat } from '../../../core/model/records.js';
import { heartbeatHistoryOf } from '../../../core/report/heartbeat-history.js';
import { progress, shardRecord } from '../../contract/record-builders.js';

const T = 1_767_225_600_000;
const beat = (receivedAt: number, ticks: number, stop?: Heartbeat['progress']['stop']): Heartbeat => ({
  generation: 0,
  writer: 'w-1',
  receivedAt: ms(receivedAt),
  ticksSince: ms(receivedAt),
  progress: { ...progress(ticks), ...(stop ? { stop } : {}) },
});

describe('heartbeatHistoryOf', () => {
  it("keeps two heartbeats of one millisecond (a backtest's last beat and its final one), in arrival order, and drops only the record's copy", () => {
    const last = beat(T + 1000, 500);
    const final = beat(T + 1000, 520, { by: 'feed-done' });
    const shard = shardRecord('c-1', 0, { heartbeat: structuredClone(final) });
    const history = heartbeatHistoryOf(shard, [beat(T, 100), last, final]);
    expect(history.map((h) => h.progress.ticks)).toEqual([100, 500, 520]);
    expect(history.at(-1)?.progress.stop).toEqual({ by: 'feed-done' });
  });

  it('appends a record heartbeat newer than the flushed history, and orders by arrival time', () => {
    const shard = shardRecord('c-1', 0, { heartbeat: beat(T + 2000, 900) });
    expect(heartbeatHistoryOf(shard, [beat(T + 1000, 500), beat(T, 100)]).map((h) => h.progress.ticks)).toEqual([100, 500, 900]);
  });
});
