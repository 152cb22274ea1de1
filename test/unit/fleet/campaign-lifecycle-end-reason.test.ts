/**
 * The campaign's end reason (`core/fleet/campaign-lifecycle.ts`) is set on STOPPING and on a
 * terminal status only. Written from survivors of `npm run mutate` (docs/mutation.md): a reason
 * given on a transition that does not end the campaign (STARTING, RUNNING) became its end reason,
 * and a later end without a reason reported it instead of the status. And the campaign event as
 * stored: `detail` only when there is a reason or an end time to tell (three mutants Stryker booked
 * as timeouts under load, which the unit suites let through).
 */
import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { transitionCampaign } from '../../../core/fleet/campaign-lifecycle.js';
import { campaign, SEC, T0 } from './fleet-fixtures.js';

describe('campaign end reason', () => {
  it('a reason given on a transition that does not end the campaign is the event’s, not an end reason', () => {
    const starting = transitionCampaign(campaign(), 'STARTING', ms(T0), { reason: 'scheduled start' });
    expect(starting.patch).not.toHaveProperty('endReason');
    expect(starting.event.detail).toMatchObject({ reason: 'scheduled start' });
    const running = transitionCampaign(starting.record, 'RUNNING', ms(T0 + SEC), { reason: 'every shard heartbeating' });
    expect(running.patch).not.toHaveProperty('endReason');
    expect(running.record.endReason).toBeUndefined();
    const stopping = transitionCampaign(running.record, 'STOPPING', ms(T0 + 2 * SEC));
    const completed = transitionCampaign(stopping.record, 'COMPLETED', ms(T0 + 3 * SEC));
    expect(completed.record.endReason).toBe('completed');
  });

  it('a stop without a reason leaves the end reason out of the patch', () => {
    const stopping = transitionCampaign(campaign({ status: 'RUNNING' }), 'STOPPING', ms(T0));
    expect(stopping.patch).toEqual({ status: 'STOPPING', updatedAt: T0 });
    expect(stopping.patch).not.toHaveProperty('endReason');
  });
});

/** An event as the store keeps it: JSON, where a key set to `undefined` disappears but `{}` stays. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('campaign event', () => {
  it('a transition with nothing to tell stores an event without detail or shard', () => {
    const step = transitionCampaign(campaign({ status: 'RUNNING' }), 'STOPPING', ms(T0));
    expect(stored(step.event)).toEqual({ at: T0, campaignId: 'c-1', type: 'campaign.status', from: 'RUNNING', to: 'STOPPING' });
  });

  it('names the shard behind a failure, and only then', () => {
    const failed = transitionCampaign(campaign({ status: 'RUNNING' }), 'FAILED', ms(T0), { reason: 'shard shard-001 failed', shardId: 'shard-001' });
    expect(failed.event).toMatchObject({ shardId: 'shard-001', detail: { reason: 'shard shard-001 failed' } });
    expect(failed.event.detail).not.toHaveProperty('endsAt');
  });
});
