import { randomUUID } from 'node:crypto';
import type { ShardWriter } from './records.js';

/**
 * A new writer identity for one engine process (drawn once at boot; the sim passes its task id
 * instead, to stay deterministic): `hint` (what is known of the process, such as `pid 4242`)
 * then a random UUID, so two processes never share one even when their hints are equal.
 */
export function newWriterId(hint?: string): string {
  return hint === undefined || hint === '' ? randomUUID() : `${hint}/${randomUUID()}`;
}

/**
 * Who may write to a shard whose current generation is `generation` and whose last claim is
 * `stored` (`ShardRecord.writer`): `writer` itself when it holds the shard; any writer of that
 * generation while nobody has claimed it yet (a port that never claimed: tests, tools); no one else.
 * @returns undefined when `writer` may write, else the writer identity that holds the shard.
 */
export function shardHolderBesides(stored: ShardWriter | undefined, generation: number, writer: string): string | undefined {
  if (stored === undefined || stored.generation !== generation || stored.id === writer) return undefined;
  return stored.id;
}
