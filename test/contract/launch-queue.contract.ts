/**
 * The contract of `LaunchQueue`: what the control plane relies on, whichever adapter carries the
 * launch messages (in process locally, SQS on AWS): delivery with a receive count, delete, a
 * visibility timeout after which an undeleted message comes back, per-message delay, dead letters
 * after `maxReceives` deliveries, and refusal of a malformed delay. Every adapter runs this suite.
 *
 * Time is the fixture's: `advance` moves a virtual clock, or waits in real time. The suite keeps
 * its timeouts and delays at 1 s, the shortest SQS allows, so a real-time run stays short.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import type { LaunchMessage, LaunchQueue, ReceivedMessage } from '../../core/ports.js';

/** The two knobs of a launch queue, as `createLaunchQueues` and `MemoryLaunchQueue` take them. */
export interface LaunchQueueSettings {
  visibilityTimeoutSec: number;
  maxReceives: number;
}

/** A fresh, empty queue under test, how its time moves, and how to throw it away. */
export interface LaunchQueueFixture {
  queue: LaunchQueue;
  /** Lets `ms` of the queue's time pass (moves a virtual clock, or waits). */
  advance(ms: number): Promise<void>;
  /** The queue's time now (ms): the virtual clock, or the wall clock. */
  now(): number;
  cleanup(): Promise<void>;
}

/** How closely an adapter keeps time. */
export interface LaunchQueueContractOptions {
  /**
   * How far from a deadline (a delay or a visibility timeout running out) the suite looks for the
   * message to be still hidden, and then visible: 1 ms on a virtual clock (the default); a few
   * hundred ms over the wire, where a round trip and the server's clock take some of it.
   */
  toleranceMs?: number;
}

/** The visibility timeout and the delay the suite uses: SQS's shortest, 1 s. */
const VISIBILITY_TIMEOUT_SEC = 1;

/**
 * The lengths (s) a "still hidden before its deadline" case tries in turn: the look at the queue
 * counts only when its answer came back before the deadline (else the machine was too busy to
 * judge, and the case runs again with a longer one), so the verdict never rests on how fast
 * this machine is, only on what the queue answered while the message had to be hidden.
 */
const HIDDEN_FOR_SEC = [1, 4, 12] as const;

const launch = (shardId: string, generation = 0): LaunchMessage => ({ campaignId: 'contract', shardId, generation });

/** Registers the `LaunchQueue` contract for one adapter; `makeQueue` returns an empty queue with `settings`. */
export function describeLaunchQueueContract(
  name: string,
  makeQueue: (settings: LaunchQueueSettings) => Promise<LaunchQueueFixture>,
  options: LaunchQueueContractOptions = {},
): void {
  const toleranceMs = options.toleranceMs ?? 1;

  describe(`LaunchQueue contract: ${name}`, () => {
    let fixture: LaunchQueueFixture | undefined;

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    async function open(maxReceives: number, visibilityTimeoutSec = VISIBILITY_TIMEOUT_SEC): Promise<LaunchQueueFixture> {
      await fixture?.cleanup();
      fixture = await makeQueue({ visibilityTimeoutSec, maxReceives });
      return fixture;
    }

    /** Lets the queue's time run to `at` (ms, the fixture's clock); nothing when it is already past. */
    async function advanceTo({ advance, now }: LaunchQueueFixture, at: number): Promise<void> {
      const left = at - now();
      if (left > 0) await advance(left);
    }

    /**
     * Receives just before `deadline` (the earliest queue time the message may show again); the
     * messages received, or `late` when the answer came back at or after the deadline, so that it
     * proves nothing either way.
     */
    async function lookBefore(f: LaunchQueueFixture, deadline: number): Promise<ReceivedMessage<LaunchMessage>[] | 'late'> {
      await advanceTo(f, deadline - toleranceMs);
      const got = await f.queue.receive(10);
      return f.now() < deadline ? got : 'late';
    }

    /**
     * Receives until `count` messages have arrived, a few polls at most without letting time pass
     * (a short poll of a distributed queue may miss a visible message; a local one never does).
     */
    async function receiveAtLeast(queue: LaunchQueue, count: number): Promise<ReceivedMessage<LaunchMessage>[]> {
      const got: ReceivedMessage<LaunchMessage>[] = [];
      for (let poll = 0; poll < 5 && got.length < count; poll++) got.push(...(await queue.receive(10)));
      return got;
    }

    it('a sent message is received with its body and a receive count of 1', async () => {
      const { queue } = await open(3);
      await queue.send(launch('shard-000'));
      await queue.send(launch('shard-001', 2));

      const received = await receiveAtLeast(queue, 2);

      expect(received.map((m) => m.body).sort((a, b) => a.shardId.localeCompare(b.shardId))).toEqual([launch('shard-000'), launch('shard-001', 2)]);
      expect(received.map((m) => m.receiveCount)).toEqual([1, 1]);
      expect(new Set(received.map((m) => m.messageId)).size).toBe(2);
      expect(await queue.receive(10), 'hidden while its delivery is being handled').toEqual([]);
    });

    it('a deleted message is never delivered again, nor dead-lettered; deleting it again is not an error', async () => {
      const { queue, advance } = await open(1);
      await queue.send(launch('shard-000'));
      const [message] = await receiveAtLeast(queue, 1);
      expect(message?.body).toEqual(launch('shard-000'));

      await queue.delete(message!.receipt);
      await advance(VISIBILITY_TIMEOUT_SEC * 1000 + toleranceMs);

      expect(await queue.receive(10)).toEqual([]);
      await queue.delete(message!.receipt);
      expect(await queue.deadLetters(), 'deleted on its last allowed delivery: not a dead letter').toEqual([]);
    });

    it('an undeleted message is hidden for the visibility timeout, then delivered again with a receive count of 2', async () => {
      const looks: string[] = [];
      for (const timeoutSec of HIDDEN_FOR_SEC) {
        const f = await open(3, timeoutSec);
        await f.queue.send(launch('shard-000', 3));
        const receivedFrom = f.now();
        const [first] = await receiveAtLeast(f.queue, 1);
        expect(first?.receiveCount).toBe(1);

        const deadline = receivedFrom + timeoutSec * 1000;
        const look = await lookBefore(f, deadline);
        looks.push(`${timeoutSec} s: ${look === 'late' ? 'answered after the deadline' : `${look.length} received`}`);
        if (look === 'late') continue;
        expect(look, 'received while its visibility timeout ran').toEqual([]);
        await advanceTo(f, deadline + toleranceMs);
        const [second] = await receiveAtLeast(f.queue, 1);
        expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2, body: launch('shard-000', 3) });
        expect(second!.receipt).not.toBe(first!.receipt);
        return;
      }
      expect.fail(`no look at the queue came back before the visibility timeout ran out (${looks.join('; ')})`);
    });

    it('retryAfter makes a delivery visible again at once (0 s), before its visibility timeout, with the next receive count', async () => {
      const { queue } = await open(3);
      await queue.send(launch('shard-000', 4));
      const [first] = await receiveAtLeast(queue, 1);
      expect(await queue.receive(10), 'hidden while its delivery is being handled').toEqual([]);

      await queue.retryAfter(first!.receipt, 0);
      const [second] = await receiveAtLeast(queue, 1);

      expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2, body: launch('shard-000', 4) });
      await queue.delete(second!.receipt);
      await expect(queue.retryAfter(second!.receipt, 0), 'a receipt of a deleted message is no error').resolves.toBeUndefined();
    });

    it('a delayed message is not received before its delay has passed, and is after', async () => {
      const looks: string[] = [];
      for (const delaySec of HIDDEN_FOR_SEC) {
        const f = await open(3);
        const sentFrom = f.now();
        await f.queue.send(launch('later'), delaySec);
        await f.queue.send(launch('now'));

        const [now] = await receiveAtLeast(f.queue, 1);
        expect(now?.body).toEqual(launch('now'));
        await f.queue.delete(now!.receipt);
        const deadline = sentFrom + delaySec * 1000;
        const look = await lookBefore(f, deadline);
        looks.push(`${delaySec} s: ${look === 'late' ? 'answered after the deadline' : `${look.length} received`}`);
        if (look === 'late') continue;
        expect(look, 'received while its delay ran').toEqual([]);
        await advanceTo(f, deadline + toleranceMs);

        const later = await receiveAtLeast(f.queue, 1);
        expect(later.map((m) => [m.body, m.receiveCount])).toEqual([[launch('later'), 1]]);
        return;
      }
      expect.fail(`no look at the queue came back before the delay ran out (${looks.join('; ')})`);
    });

    it('after maxReceives deliveries without a delete the message is a dead letter, with its body, and never delivered again', async () => {
      const { queue, advance } = await open(2);
      await queue.send(launch('poisoned', 1));

      for (const expected of [1, 2]) {
        const [delivery] = await receiveAtLeast(queue, 1);
        expect(delivery).toMatchObject({ receiveCount: expected, body: launch('poisoned', 1) });
        expect(await queue.deadLetters(), `not dead after delivery ${expected}`).toEqual([]);
        await advance(VISIBILITY_TIMEOUT_SEC * 1000 + toleranceMs);
      }

      expect(await queue.receive(10), 'a third delivery would exceed maxReceives').toEqual([]);
      expect(await queue.deadLetters()).toEqual([launch('poisoned', 1)]);
      expect(await queue.deadLetters(), 'reading the dead letters does not consume them').toEqual([launch('poisoned', 1)]);
    });

    it('a negative, NaN or infinite delay is a ValidationError naming delaySec, and sends nothing', async () => {
      const { queue, advance } = await open(3);
      for (const delaySec of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const sent = queue.send(launch(`delay-${delaySec}`), delaySec);
        await expect(sent, `delaySec ${delaySec}`).rejects.toBeInstanceOf(ValidationError);
        await expect(sent, `delaySec ${delaySec}`).rejects.toThrow(/delaySec/);
      }
      await advance(HIDDEN_FOR_SEC[0] * 1000 + toleranceMs);
      expect(await queue.receive(10)).toEqual([]);
    });

    it('a receive batch outside 1 to 10 is a ValidationError naming maxMessages', async () => {
      const { queue } = await open(3);
      for (const maxMessages of [0, 11, 1.5]) {
        const received = queue.receive(maxMessages);
        await expect(received, `maxMessages ${maxMessages}`).rejects.toBeInstanceOf(ValidationError);
        await expect(received, `maxMessages ${maxMessages}`).rejects.toThrow(/maxMessages/);
      }
    });
  });
}
