import type { Checkpoint } from '../core/model/checkpoint.js';
import type { Fill } from '../core/model/fill.js';
import type { Progress } from '../core/model/progress.js';
import type { RestorePoint, ShardPersistence } from '../core/ports.js';

/** A commit an engine was told succeeded: its fills, and the engine's P&L once they are in. */
export interface ToldCommitted {
  generation: number;
  fills: Fill[];
  /** The highest seq the engine then held committed. */
  committedSeq: number;
  /** The engine's realised P&L over fills 0..committedSeq, integer micros. */
  pnlMicros: number;
}

/** One write the store applied for a task (whatever the task was then told). */
export interface AppliedWrite {
  generation: number;
  /** The task that made it (its identity, not only its generation). */
  taskId: string;
  /** True (virtual) time it was applied, ms. */
  at: number;
  ordinal: number;
  what: 'heartbeat' | 'commit';
  /** The shard's status just before the write was made (read straight from the store, no fault): a terminal one means the write reached a closed shard. */
  shardStatusBefore: string | undefined;
}

/**
 * What the engines did, as seen between them and the real store: every write the store applied
 * (in one global order), when each generation first restored, and every commit an engine was
 * told had succeeded. The invariants are checked against it after the run.
 */
export class LedgerOracle {
  private ordinal = 0;
  readonly starts = new Map<string, Map<number, number>>();
  readonly writes = new Map<string, AppliedWrite[]>();
  readonly told = new Map<string, ToldCommitted[]>();
  /** Fills made by engines, whether or not ever committed. */
  fillsMade = 0;

  /**
   * `now`: when each write happened (true time), the simulation's clock. `statusOf`: the shard's
   * status in the store (`<campaignId>/<shardId>`), read around each write, never faulted.
   */
  constructor(
    private readonly now: () => number,
    private readonly statusOf: (shard: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  /** `port` of task `taskId` with every applied call recorded (this layer sits between the real port and the faults). */
  record(shard: string, port: ShardPersistence, taskId: string): ShardPersistence {
    const oracle = this;
    const generation = port.generation;
    return {
      key: port.key,
      generation,
      ...(port.writer !== undefined ? { writer: port.writer } : {}),
      async restore(): Promise<RestorePoint> {
        const point = await port.restore();
        const starts = oracle.starts.get(shard) ?? new Map<number, number>();
        oracle.starts.set(shard, starts);
        if (!starts.has(generation)) starts.set(generation, oracle.ordinal++);
        return point;
      },
      async heartbeat(progress: Progress): Promise<void> {
        const before = await oracle.statusOf(shard);
        await port.heartbeat(progress);
        oracle.applied(shard, generation, taskId, 'heartbeat', before);
      },
      async commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
        const before = await oracle.statusOf(shard);
        await port.commit(fills, checkpoint);
        oracle.applied(shard, generation, taskId, 'commit', before);
      },
    };
  }

  /** The engine of `shard` was told its commit succeeded. */
  toldCommitted(shard: string, entry: ToldCommitted): void {
    const list = this.told.get(shard) ?? [];
    list.push(entry);
    this.told.set(shard, list);
  }

  private applied(shard: string, generation: number, taskId: string, what: AppliedWrite['what'], shardStatusBefore: string | undefined): void {
    const list = this.writes.get(shard) ?? [];
    list.push({ generation, taskId, at: this.now(), ordinal: this.ordinal++, what, shardStatusBefore });
    this.writes.set(shard, list);
  }
}
