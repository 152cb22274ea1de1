/**
 * The campaign's end reason (`core/fleet/campaign-lifecycle.ts`) is set on STOPPING and on a
 * terminal status only. Written from survivors of `npm run mutate` (docs/mutation.md): a reason
 * given on a transition that does not end the campaign (STARTING, RUNNING) became its end reason,
 * and a later end without a reason reported it instead of the status.
 */
import { describe, expect, it } from 'vitest';
import { transitionCampaign } from '../../../core/fleet/campaign-lifecycle.js';
import { campaign, SEC, T0 } from './fleet-fixtures.js';

describe('campaign end reason', () => {
  it('a reason given on a transition that does not end the campaign is the event’s, not an end reason', () => {
    const starting = transitionCampaign(campaign(), 'STARTING', T0, { reason: 'scheduled start' });
    expect(starting.patch).not.toHaveProperty('endReason');
    expect(starting.event.detail).toMatchObject({ reason: 'scheduled start' });
    const running = transitionCampaign(starting.record, 'RUNNING', T0 + SEC, { reason: 'every shard heartbeating' });
    expect(running.patch).not.toHaveProperty('endReason');
    expect(running.record.endReason).toBeUndefined();
    const stopping = transitionCampaign(running.record, 'STOPPING', T0 + 2 * SEC);
    const completed = transitionCampaign(stopping.record, 'COMPLETED', T0 + 3 * SEC);
    expect(completed.record.endReason).toBe('completed');
  });

  it('a stop without a reason leaves the end reason out of the patch', () => {
    const stopping = transitionCampaign(campaign({ status: 'RUNNING' }), 'STOPPING', T0);
    expect(stopping.patch).toEqual({ status: 'STOPPING', updatedAt: T0 });
    expect(stopping.patch).not.toHaveProperty('endReason');
  });
});
