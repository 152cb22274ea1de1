/**
 * The control plane's services from one factory (`core/fleet/fleet-services.ts`), as the three
 * composition roots build them (local fleet, Lambdas, simulation): all four over the context given,
 * and the watchdog's options passed on, so the Lambdas' watchdog reads the launch queue's dead
 * letters once per invocation, not at every pass, while the local fleet's reads them every pass.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../core/clock.js';
import { fleetServices } from '../../../core/fleet/fleet-services.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { campaignInput } from '../../support/campaigns.js';
import { recordingContext } from '../../support/recording-fleet.js';

const stores: SqliteCampaignStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function fleet() {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const store = new SqliteCampaignStore(join(mkdtempSync(join(tmpdir(), 'arbfleet-services-')), 'fleet.db'), clock);
  stores.push(store);
  const recording = recordingContext(store, clock);
  let deadLetterReads = 0;
  const deadLetters = recording.queue.deadLetters.bind(recording.queue);
  recording.queue.deadLetters = async () => {
    deadLetterReads++;
    return deadLetters();
  };
  return { ...recording, store, reads: () => deadLetterReads };
}

describe('fleetServices', () => {
  it('builds the four services over the one context: a campaign the API creates is launched, watched and ticked', async () => {
    const { ctx, launcher } = fleet();
    const services = fleetServices(ctx);
    const { view } = await services.campaigns.createCampaign(campaignInput({ symbols: ['BTC'], sharding: { symbolsPerShard: 1 } }));
    const [message] = await ctx.queue.receive(1);
    await services.launches.handle(message?.body as never);
    expect([...launcher.tasks.values()].map((t) => t.spec.key.campaignId)).toEqual([view.campaign.campaignId]);
    await services.watchdog.pass();
    await services.scheduler.tick();
    const shards = (await services.campaigns.getCampaign(view.campaign.campaignId)).shards;
    expect(shards.map((s) => s.status)).toEqual(['LAUNCHING']);
  });

  it("passes the watchdog's options on: dead letters read every pass by default, never by pass when turned off", async () => {
    const local = fleet();
    await fleetServices(local.ctx).watchdog.pass();
    expect(local.reads()).toBe(1);
    const lambda = fleet();
    await fleetServices(lambda.ctx, { watchdog: { deadLettersEachPass: false } }).watchdog.pass();
    expect(lambda.reads()).toBe(0);
  });
});
