/**
 * The local fleet acts on events, its timers being the safety net: a launch queued is received at
 * once, and a task's exit is followed at once by the scheduler ticks that end the campaign (its
 * last shard done: RUNNING → STOPPING → COMPLETED). With every timer an hour apart, a campaign
 * still launches, runs and ends: nothing but the events can have moved it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { LocalFleet } from '../../cli/local-fleet.js';
import { campaignInput } from '../support/campaigns.js';
import { runFolder } from '../support/cli-process.js';

const HOUR_MS = 3_600_000;
/** A generous bound on a loaded machine: an engine boot and a 2-minute virtual campaign take about a second quiet. */
const DEADLINE_MS = 45_000;

let fleet: LocalFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('the local fleet on events', () => {
  it('with its watchdog, scheduler and queue timers an hour apart, a campaign is launched at its queued launch and ends at its task exit', async () => {
    fleet = new LocalFleet({ runDir: runFolder(), log: silentLogger, watchdogEveryMs: HOUR_MS, queuePollMs: HOUR_MS });
    fleet.start();
    const { view } = await fleet.campaigns.createCampaign(
      campaignInput({ name: 'on-events', symbols: ['BTC'], clock: 'virtual', duration: '2m', feed: { kind: 'synthetic', seed: 3, ticksPerSecond: 5 } }),
    );
    const id = view.campaign.campaignId;
    const ended = await within(fleet.waitForEnd(id), DEADLINE_MS, `campaign ${id} to end`);
    expect(ended.status).toBe('COMPLETED');
    const events = await fleet.store.listEvents(id);
    const steps = events.filter((e) => e.type === 'campaign.status' || e.type === 'shard.status').map((e) => `${e.type} ${e.to}`);
    expect(steps).toEqual([
      'campaign.status STARTING',
      'shard.status LAUNCHING',
      'campaign.status RUNNING',
      ...steps.slice(3, -3),
      'shard.status COMPLETED',
      'campaign.status STOPPING',
      'campaign.status COMPLETED',
    ]);
    expect(events.find((e) => e.type === 'shard.status' && e.to === 'COMPLETED')?.detail).toMatchObject({ reason: expect.stringMatching(/exited 0/) });
  });

  it('a launch queued as the fleet closes is left in the queue, not received over the closing store', async () => {
    const errors: string[] = [];
    const closed = new LocalFleet({ runDir: runFolder(), log: { log: (level, event) => void (level === 'error' && errors.push(event)) } });
    closed.start();
    // The send's immediate receive is scheduled before close() and runs after it began.
    await closed.queue.send({ campaignId: 'c-after-close', shardId: 'shard-000', generation: 0 });
    await closed.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // past the send's setImmediate
    expect(errors).toEqual([]);
    expect((await closed.queue.receive(10)).map((m) => m.body.campaignId)).toEqual(['c-after-close']);
  });
});
