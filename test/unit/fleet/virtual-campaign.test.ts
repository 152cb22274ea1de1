import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import { transitionCampaign } from '../../../core/fleet/campaign-lifecycle.js';
import { taskClockEnvironment } from '../../../core/fleet/task-clock.js';
import { campaignRecord } from '../../contract/record-builders.js';

describe('a clock: virtual campaign', () => {
  it('has no wall-clock end once started (its duration is recorded time), where a real-clock one ends at start + duration', () => {
    const now = Date.UTC(2026, 0, 1);
    const real = campaignRecord('c-real', 1, { status: 'SCHEDULED', config: { duration: 60 } });
    const virtual = campaignRecord('c-virtual', 1, { status: 'SCHEDULED', config: { duration: 60, clock: 'virtual' } });
    expect(transitionCampaign(real, 'STARTING', ms(now)).record.endsAt).toBe(now + 60_000);
    expect(transitionCampaign(virtual, 'STARTING', ms(now)).record.endsAt).toBeUndefined();
  });

  it('tells its tasks the clock (ARBFLEET_CLOCK), real for a config from before the field', () => {
    expect(taskClockEnvironment({ clock: 'virtual' })).toEqual({ ARBFLEET_CLOCK: 'virtual' });
    expect(taskClockEnvironment({})).toEqual({ ARBFLEET_CLOCK: 'real' });
  });
});
