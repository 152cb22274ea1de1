/**
 * The built-in engine behind the agent (`--protocol stdio`, `engine-task/src/protocol/stdio-persistence.ts`)
 * sends its heartbeat's per-venue update times in `progress.venues`, held to the protocol's rules
 * (docs/task-protocol.md, ordering rule 4) so the agent never ends it for them: never later than the
 * event time, never back from the last one sent (an FX exchange time may arrive out of order).
 */
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../../../core/model/progress.js';
import type { AssignmentMessage, EngineMessage } from '../../../../core/model/task-protocol.js';
import { ms } from '../../../../core/model/units.js';
import { StdioShardPersistence } from '../../../../engine-task/src/protocol/stdio-persistence.js';
import { progress } from '../../fleet/fleet-fixtures.js';

const T = 1_767_225_600_000;
const assignment: AssignmentMessage = {
  type: 'assignment',
  protocol: 1,
  campaignId: 'c-1',
  shardId: 'shard-000',
  shardIndex: 0,
  generation: 0,
  symbols: ['BTC'],
  config: {},
  clock: 'virtual',
  restore: { checkpoint: null, ledgerTail: [], nextFillSeq: 0 },
};

/** A heartbeat's progress at event time `eventTime`: A updated at `aAt`, B never, FX at `fxAt` (none when undefined). */
function progressAt(eventTime: number, fxAt: number | undefined, aAt: number): Progress {
  return progress({
    at: ms(T),
    uptimeSec: 1,
    ticks: 1,
    ticksPerSec: 1,
    turns: 1,
    eventTime,
    venues: {
      a: { updates: 2, lastUpdateAt: aAt, skipped: { crossed: 1 } },
      b: { updates: 0, skipped: {} },
      fx: { updates: 1, ...(fxAt === undefined ? {} : { lastUpdateAt: fxAt }), skipped: {} },
    },
  });
}

describe('the built-in engine over the task protocol: progress.venues', () => {
  it('sends updates and last update times, never later than the event time nor back from the last sent', async () => {
    const sent: EngineMessage[] = [];
    const persistence = new StdioShardPersistence(assignment, (m) => sent.push(m));
    await persistence.heartbeat(progressAt(T, T - 500, T - 10));
    await persistence.heartbeat(progressAt(T + 1_000, T - 900, T + 1_200)); // FX out of order; A stamped past the event time
    await persistence.heartbeat(progressAt(T + 2_000, undefined, T + 1_500));
    const venues = sent.map((m) => (m.type === 'progress' ? m.venues : undefined));
    expect(venues).toEqual([
      { a: { updates: 2, lastUpdateAt: T - 10 }, b: { updates: 0 }, fx: { updates: 1, lastUpdateAt: T - 500 } },
      { a: { updates: 2, lastUpdateAt: T + 1_000 }, b: { updates: 0 }, fx: { updates: 1, lastUpdateAt: T - 500 } },
      { a: { updates: 2, lastUpdateAt: T + 1_500 }, b: { updates: 0 }, fx: { updates: 1, lastUpdateAt: T - 500 } },
    ]);
  });
});
