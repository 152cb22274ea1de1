/**
 * The caps on what a campaign may be asked to run (`MAX_REAL_DURATION_SEC`,
 * `MAX_VIRTUAL_DURATION_SEC`): a wall-clock campaign is refused past 30 days naming `duration`;
 * a `clock: virtual` backtest may ask for 90 days of recorded time (by duration or by window)
 * instead of being cut at 30 without a word; a window that ends before it starts is refused.
 */
import { describe, expect, it } from 'vitest';
import { parseCampaignConfig } from '../../../core/config/load-config.js';
import { ValidationError } from '../../../core/errors.js';
import { campaignInput } from '../../support/campaigns.js';

function issuesOf(raw: unknown): string[] {
  try {
    parseCampaignConfig(raw);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
}
const replay = (extra: Record<string, unknown> = {}) => ({ kind: 'replay', path: 'q.csv', ...extra }) as never;

describe('duration and window caps', () => {
  it('refuses a clock: real duration past 720h, naming duration, and takes 720h', () => {
    expect(issuesOf(campaignInput({ duration: '2160h' }))).toEqual([
      'duration: must be at most 720h (30 days) with clock: real (wall time), got 2160h; a backtest over recorded data takes clock: virtual (up to 3660 days)',
    ]);
    expect(issuesOf(campaignInput({ duration: '720h' }))).toEqual([]);
  });

  it('takes a 90-day clock: virtual backtest by duration (recorded time), and refuses one past 3660 days', () => {
    expect(parseCampaignConfig(campaignInput({ clock: 'virtual', feed: replay(), duration: '2160h' })).duration).toBe(90 * 86_400);
    expect(issuesOf(campaignInput({ clock: 'virtual', feed: replay(), duration: `${3661 * 24}h` }))).toEqual([
      expect.stringMatching(/^duration: must be between 1s and 87840h/),
    ]);
  });

  it('takes a 90-day window feed.from → feed.to; refuses one that ends before it starts, or spans more than 3660 days, naming feed.to', () => {
    expect(issuesOf(campaignInput({ clock: 'virtual', feed: replay({ from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z' }) }))).toEqual([]);
    expect(issuesOf(campaignInput({ clock: 'virtual', feed: replay({ from: '2025-04-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }) }))).toEqual([
      'feed.to: must be after feed.from (2025-04-01T00:00:00Z), got 2025-01-01T00:00:00Z',
    ]);
    expect(issuesOf(campaignInput({ clock: 'virtual', feed: replay({ from: '2000-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }) }))).toEqual([
      'feed.to: the window feed.from → feed.to spans 9132 days; at most 3660 days of recorded time',
    ]);
  });
});
