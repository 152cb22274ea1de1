/**
 * The campaign's fixed mapping between engine time and wall time, one per run mode. A replay's
 * engine time is always the recorded (event) time, whatever the clock:
 * - `virtual` replay: engine time runs from the window's start (`feed.from`, else the first
 *   recorded update) to `feed.to`, else start + `duration`, as fast as the CPU allows;
 * - `real` replay: recorded = firstRecorded + (wall − origin) × speed, where origin is the first
 *   generation's start (kept in the checkpoint): the same mapping for every generation, so a
 *   restart resumes where the recorded time stands now (skipping what passed while down) instead
 *   of shifting the rest of the file by the downtime;
 * - synthetic feed: engine time is the wall clock (real) or starts at the campaign's start (virtual).
 */
export interface CampaignTimeline {
  /** Engine time (ms) at wall time `wallMs`; identity for a synthetic real-time run. */
  engineAt(wallMs: number): number;
  /** Wall time (ms) at which engine time `engineMs` comes; Infinity stays Infinity. */
  wallAt(engineMs: number): number;
  /** Engine time (ms) at which the campaign ends for this shard. */
  endsAt: number;
}

/** The wall clock itself (synthetic feed, real time). */
export function wallTimeline(endsAt: number): CampaignTimeline {
  return { engineAt: (w) => w, wallAt: (e) => e, endsAt };
}

/**
 * A real-time replay paced at `speed` recorded seconds per wall second from `campaignStartWall`
 * (the first generation's start, the same for every generation), starting at `firstRecorded`.
 * The campaign ends at the wall `endsAtWall` or at the recorded `toRecorded`, whichever is first.
 */
export function pacedTimeline(firstRecorded: number, campaignStartWall: number, speed: number, endsAtWall: number, toRecorded = Infinity): CampaignTimeline {
  const engineAt = (w: number) => firstRecorded + (w - campaignStartWall) * speed;
  return {
    engineAt,
    wallAt: (e) => (e === Infinity ? Infinity : campaignStartWall + (e - firstRecorded) / speed),
    endsAt: Math.min(engineAt(endsAtWall), toRecorded),
  };
}

/** The window of a replay in engine (recorded) time: `[from ?? firstRecorded, to ?? start + duration)`. */
export function replayWindow(firstRecorded: number, durationSec: number, from?: string, to?: string): { startAt: number; endsAt: number } {
  const startAt = from === undefined ? firstRecorded : Date.parse(from);
  const endsAt = to === undefined ? startAt + durationSec * 1000 : Date.parse(to);
  return { startAt, endsAt };
}
