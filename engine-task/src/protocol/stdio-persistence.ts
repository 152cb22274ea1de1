import type { Interface as ReadLine } from 'node:readline';
import { FencedOutError, ProgrammingError } from '../../../core/errors.js';
import type { Checkpoint } from '../../../core/model/checkpoint.js';
import { CheckpointSchema } from '../../../core/model/checkpoint.js';
import type { Fill } from '../../../core/model/fill.js';
import type { Progress } from '../../../core/model/progress.js';
import { type AgentMessage, AgentMessageSchema, type AssignmentMessage, type EngineMessage, type ProgressMessage } from '../../../core/model/task-protocol.js';

type ProtocolVenues = NonNullable<ProgressMessage['venues']>;
import type { RestorePoint, ShardKey, ShardPersistence } from '../../../core/ports.js';

/**
 * The built-in engine's persistence when it runs behind the agent (`--protocol stdio`): the same
 * `ShardPersistence` port the runner uses in process, spoken as the task protocol. A heartbeat is a
 * `progress` line (the loop's `turns` as the counter), a commit a `commit` line answered by the
 * agent's `commit-result` (`fenced` becomes `FencedOutError`, `rejected` a `ProgrammingError`), and
 * the restore point is the assignment's: the runner's own `Checkpoint` is the opaque blob.
 */
export class StdioShardPersistence implements ShardPersistence {
  readonly key: ShardKey;
  readonly generation: number;
  private commitSeq = 0;
  /** Each venue's last update time sent in this generation (the protocol's: it never goes back). */
  private readonly sentUpdateAt = { a: Number.NEGATIVE_INFINITY, b: Number.NEGATIVE_INFINITY, fx: Number.NEGATIVE_INFINITY };
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(
    private readonly assignment: AssignmentMessage,
    private readonly write: (message: EngineMessage) => void,
  ) {
    this.key = { campaignId: assignment.campaignId, shardId: assignment.shardId };
    this.generation = assignment.generation;
  }

  /** Takes the agent's answers and stops from stdin; `onStop` is called with a `stop`'s cause. */
  listen(lines: ReadLine, onStop: (cause: string) => void): void {
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      const message: AgentMessage = AgentMessageSchema.parse(JSON.parse(line));
      if (message.type === 'stop') onStop(message.cause);
      else if (message.type === 'commit-result') this.answer(message.seq, message.status, message.reason);
    });
  }

  async restore(): Promise<RestorePoint> {
    const { checkpoint, ledgerTail } = this.assignment.restore;
    return { checkpoint: checkpoint === null ? null : CheckpointSchema.parse(checkpoint), ledgerTail };
  }

  async heartbeat(progress: Progress): Promise<void> {
    this.write({
      type: 'progress',
      counter: progress.turns ?? progress.ticks,
      trades: progress.trades,
      openPositions: progress.openTrades,
      realizedPnlMicros: progress.realizedPnlMicros,
      ticks: progress.ticks,
      ...(progress.eventTime !== undefined ? { eventTime: progress.eventTime } : {}),
      latency: { p50Us: progress.latencyP50Us, p99Us: progress.latencyP99Us, maxUs: progress.latencyMaxUs },
      ...(progress.venues !== undefined && progress.eventTime !== undefined ? { venues: this.venues(progress.venues, progress.eventTime) } : {}),
    });
  }

  /**
   * The heartbeat's venues as the protocol carries them (updates and last update time), so the
   * report judges Quote coverage behind the agent as in process. Held to the protocol's rules, which
   * the engine keeps already but for an FX exchange time arriving out of order: never later than
   * the event time, never back from the last one sent.
   */
  private venues(venues: NonNullable<Progress['venues']>, eventTime: number): ProtocolVenues {
    const one = (name: 'a' | 'b' | 'fx') => {
      const q = venues[name];
      if (q.lastUpdateAt === undefined && this.sentUpdateAt[name] === Number.NEGATIVE_INFINITY) return { updates: q.updates };
      const at = Math.max(this.sentUpdateAt[name], Math.min(q.lastUpdateAt ?? Number.NEGATIVE_INFINITY, eventTime));
      this.sentUpdateAt[name] = at;
      return { updates: q.updates, lastUpdateAt: at };
    };
    return { a: one('a'), b: one('b'), fx: one('fx') };
  }

  commit(fills: readonly Fill[], checkpoint: Checkpoint | null): Promise<void> {
    if (checkpoint === null) return Promise.reject(new ProgrammingError('a commit over the task protocol needs a checkpoint'));
    const seq = this.commitSeq++;
    const answered = new Promise<void>((resolve, reject) => this.waiting.set(seq, { resolve, reject }));
    this.write({ type: 'commit', seq, fills: fills.map(({ generation: _, ...fill }) => fill), checkpoint });
    return answered;
  }

  private answer(seq: number, status: 'accepted' | 'fenced' | 'rejected', reason: string | undefined): void {
    const waiter = this.waiting.get(seq);
    if (!waiter) return;
    this.waiting.delete(seq);
    if (status === 'accepted') waiter.resolve();
    else if (status === 'fenced') waiter.reject(new FencedOutError(this.key.shardId, this.generation, undefined));
    else waiter.reject(new ProgrammingError(`commit ${seq} rejected by the agent: ${reason ?? 'no reason given'}`));
  }
}
