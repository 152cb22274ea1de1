import { beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { ValidationError } from '../../../core/errors.js';
import { MemoryLaunchQueue } from '../../../core/local/memory-launch-queue.js';
import type { LaunchMessage } from '../../../core/ports.js';

const launch = (shardId: string, generation = 0): LaunchMessage => ({ campaignId: 'c1', shardId, generation });

describe('MemoryLaunchQueue', () => {
  let clock: VirtualClock;
  let queue: MemoryLaunchQueue;

  beforeEach(() => {
    clock = new VirtualClock();
    queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 3 });
  });

  it('delivers sent messages oldest first, up to the batch size asked for', async () => {
    await queue.send(launch('s0'));
    await queue.send(launch('s1'));
    await queue.send(launch('s2'));

    const first = await queue.receive(2);
    expect(first.map((m) => m.body)).toEqual([launch('s0'), launch('s1')]);
    expect(first.map((m) => m.receiveCount)).toEqual([1, 1]);
    expect((await queue.receive(10)).map((m) => m.body)).toEqual([launch('s2')]);
    expect(await queue.receive(10)).toEqual([]);
  });

  it('a receipt from an earlier delivery deletes nothing: the latest delivery owns the message', async () => {
    await queue.send(launch('s0'));
    const [first] = await queue.receive(1);
    clock.advance(30_000);
    const [second] = await queue.receive(1);

    await queue.delete(first!.receipt);
    clock.advance(30_000);
    const [third] = await queue.receive(1);
    expect(third?.receiveCount).toBe(3);

    await queue.delete(third!.receipt);
    await queue.delete(second!.receipt);
    clock.advance(30_000);
    expect(await queue.receive(10)).toEqual([]);
  });

  it('after maxReceives undeleted deliveries the message goes to the dead letters, not to a receiver', async () => {
    await queue.send(launch('doomed', 2));
    await queue.send(launch('healthy'), 100);
    for (let delivery = 1; delivery <= 3; delivery++) {
      const [message] = await queue.receive(1);
      expect(message).toMatchObject({ receiveCount: delivery, body: launch('doomed', 2) });
      expect(await queue.deadLetters()).toEqual([]);
      clock.advance(30_000);
    }
    expect(await queue.deadLetters()).toEqual([launch('doomed', 2)]);

    clock.advance(10_000);
    expect((await queue.receive(10)).map((m) => m.body.shardId)).toEqual(['healthy']);
    expect(await queue.deadLetters()).toEqual([launch('doomed', 2)]);
  });

  it('hands out copies: changing a received body changes nothing queued', async () => {
    const sent = launch('s0');
    await queue.send(sent);
    sent.generation = 9;
    const [message] = await queue.receive(1);
    message!.body.generation = 7;
    clock.advance(30_000);
    expect((await queue.receive(1))[0]?.body).toEqual(launch('s0'));
  });

  it('refuses a delay above SQS maximum and options SQS would refuse, naming the field', async () => {
    await expect(queue.send(launch('s0'), 901)).rejects.toThrow(/delaySec: expected 0 to 900 seconds, found 901/);
    await expect(queue.send(launch('s0'), 901)).rejects.toBeInstanceOf(ValidationError);
    expect(() => new MemoryLaunchQueue(clock, { visibilityTimeoutSec: -1, maxReceives: 0 })).toThrow(
      /visibilityTimeoutSec: .*\n.*maxReceives: expected an integer >= 1, found 0/,
    );
  });
});
