/**
 * The stretch of time a report covers: from the campaign's start to its end, or to the report's
 * time while it still runs.
 */
import type { CampaignRecord } from '../model/records.js';

/** A campaign's run, in ms since the epoch. */
export interface RunWindow {
  /** `startedAt`, or `createdAt` for a campaign that never started (then `ranSec` is 0). */
  startMs: number;
  /** `endedAt`, else `now`; never before `startMs`. */
  endMs: number;
  /** Seconds actually run: 0 when the campaign never started. */
  ranSec: number;
}

/** The run window of `campaign` as seen at `now`. */
export function runWindowOf(campaign: CampaignRecord, now: number): RunWindow {
  if (campaign.startedAt === undefined) return { startMs: campaign.createdAt, endMs: campaign.createdAt, ranSec: 0 };
  const startMs = campaign.startedAt;
  const endMs = Math.max(startMs, campaign.endedAt ?? now);
  return { startMs, endMs, ranSec: (endMs - startMs) / 1000 };
}

/** Seconds from the window's start to `ms` (negative before the start). */
export function secondsSinceStart(window: RunWindow, ms: number): number {
  return (ms - window.startMs) / 1000;
}
