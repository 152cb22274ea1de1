import { ms } from '../../../core/model/units.js';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_STATUS_EVENT,
  CAMPAIGN_TRANSITIONS,
  campaignAfterShardFailure,
  canTransitionCampaign,
  isTerminalCampaign,
  transitionCampaign,
} from '../../../core/fleet/campaign-lifecycle.js';
import { CampaignRecordSchema, CampaignStatusSchema, LifecycleEventSchema, type CampaignStatus } from '../../../core/model/records.js';
import { StateConflictError } from '../../../core/errors.js';
import { campaign, SEC, T0 } from './fleet-fixtures.js';

const STATUSES = CampaignStatusSchema.options;

describe('transitionCampaign', () => {
  it('walks the main line SCHEDULED → STARTING → RUNNING → STOPPING → COMPLETED', () => {
    let record = campaign();
    const path: CampaignStatus[] = ['STARTING', 'RUNNING', 'STOPPING', 'COMPLETED'];
    path.forEach((to, i) => {
      const step = transitionCampaign(record, to, ms(T0 + i * SEC), to === 'STOPPING' ? { reason: 'duration reached' } : {});
      expect(step.record.status).toBe(to);
      expect(step.event).toMatchObject({ at: T0 + i * SEC, campaignId: 'c-1', type: CAMPAIGN_STATUS_EVENT, from: record.status, to });
      expect(() => LifecycleEventSchema.parse(step.event)).not.toThrow();
      expect(() => CampaignRecordSchema.parse(step.record)).not.toThrow();
      record = step.record;
    });
    expect(record).toMatchObject({ startedAt: T0, endsAt: T0 + 3600 * SEC, endedAt: T0 + 3 * SEC, endReason: 'duration reached' });
  });

  it('on STARTING sets startedAt and endsAt = now + config.duration, so a campaign that never comes up still ends', () => {
    const step = transitionCampaign(campaign(), 'STARTING', ms(T0 + 5));
    expect(step.patch).toEqual({ status: 'STARTING', updatedAt: T0 + 5, startedAt: T0 + 5, endsAt: T0 + 5 + 3600 * SEC });
    expect(step.event.detail).toEqual({ endsAt: T0 + 5 + 3600 * SEC });
  });

  it('lets the caller choose endsAt', () => {
    expect(transitionCampaign(campaign(), 'STARTING', ms(T0), { endsAt: ms(T0 + 42) }).record.endsAt).toBe(T0 + 42);
  });

  it('leaves endsAt unset when the config carries no duration', () => {
    expect(transitionCampaign(campaign({ config: {} }), 'STARTING', ms(T0)).patch).not.toHaveProperty('endsAt');
  });

  it('never touches version: the store bumps it on compare-and-set', () => {
    const step = transitionCampaign(campaign(), 'STARTING', ms(T0));
    expect(step.record.version).toBe(3);
    expect(step.patch).not.toHaveProperty('version');
  });

  it('records a user stop as CANCELLED with its reason and end time', () => {
    const running = campaign({ status: 'RUNNING' });
    const stopping = transitionCampaign(running, 'STOPPING', ms(T0 + SEC), { reason: 'stopped by user' });
    const cancelled = transitionCampaign(stopping.record, 'CANCELLED', ms(T0 + 2 * SEC));
    expect(cancelled.record).toMatchObject({ status: 'CANCELLED', endedAt: T0 + 2 * SEC, endReason: 'stopped by user' });
  });

  it('names the status when ending without a reason', () => {
    expect(transitionCampaign(campaign({ status: 'STOPPING' }), 'COMPLETED', ms(T0)).record.endReason).toBe('completed');
  });

  it('throws StateConflictError naming both statuses for an invalid transition', () => {
    expect(() => transitionCampaign(campaign({ status: 'COMPLETED' }), 'RUNNING', ms(T0))).toThrow(StateConflictError);
    expect(() => transitionCampaign(campaign({ status: 'COMPLETED' }), 'RUNNING', ms(T0))).toThrow(
      'campaign c-1 cannot go from COMPLETED to RUNNING: COMPLETED is terminal',
    );
    expect(() => transitionCampaign(campaign({ status: 'SCHEDULED' }), 'RUNNING', ms(T0))).toThrow(
      'campaign c-1 cannot go from SCHEDULED to RUNNING: from SCHEDULED it may go to STARTING, CANCELLED',
    );
  });

  it('allows exactly the transitions in the table, and no status to itself', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const attempt = () => transitionCampaign(campaign({ status: from }), to, ms(T0));
        if (CAMPAIGN_TRANSITIONS[from].includes(to)) expect(attempt().record.status).toBe(to);
        else expect(attempt).toThrow(StateConflictError);
        if (from === to) expect(canTransitionCampaign(from, to)).toBe(false);
      }
    }
  });
});

describe('isTerminalCampaign', () => {
  it('is true for COMPLETED, CANCELLED and FAILED only', () => {
    expect(STATUSES.filter(isTerminalCampaign)).toEqual(['COMPLETED', 'CANCELLED', 'FAILED']);
  });
});

describe('campaignAfterShardFailure', () => {
  it("fails a running campaign when onShardFailure is 'fail', naming the shard", () => {
    const step = campaignAfterShardFailure(campaign({ status: 'RUNNING' }), 'shard-002', ms(T0));
    expect(step?.record).toMatchObject({ status: 'FAILED', endedAt: T0, endReason: 'shard shard-002 failed: exhausted its restart budget' });
    expect(step?.event.shardId).toBe('shard-002');
  });

  it('fails by default, when the config does not say', () => {
    expect(campaignAfterShardFailure(campaign({ status: 'RUNNING', config: {} }), 'shard-000', ms(T0))?.record.status).toBe('FAILED');
  });

  it("changes nothing when onShardFailure is 'continue'", () => {
    expect(campaignAfterShardFailure(campaign({ status: 'RUNNING', config: { onShardFailure: 'continue' } }), 'shard-000', ms(T0))).toBeUndefined();
  });

  it('changes nothing for a campaign that has already ended', () => {
    expect(campaignAfterShardFailure(campaign({ status: 'CANCELLED' }), 'shard-000', ms(T0))).toBeUndefined();
  });
});
