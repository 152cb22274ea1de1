import type { Progress, VenueQuality } from '../../../core/model/progress.js';
import type { ProgressMessage, ProtocolVenue } from '../../../core/model/task-protocol.js';

/** The venues a `progress` message may carry, in the order they are checked. */
const VENUES = ['a', 'b', 'fx'] as const;

/**
 * The latest `lastUpdateAt` of each venue the agent has taken in this generation, ms since the
 * epoch (NaN: none yet). Mutated by `noteVenueTimes` once a message has passed `progressProblem`.
 */
export interface VenueTimes {
  a: number;
  b: number;
  fx: number;
  /** The latest `eventTime` taken (-Infinity: none yet). */
  eventTime: number;
}

export function noVenueTimes(): VenueTimes {
  return { a: Number.NaN, b: Number.NaN, fx: Number.NaN, eventTime: Number.NEGATIVE_INFINITY };
}

/**
 * Checks one `progress` against the task protocol's ordering rules (`docs/task-protocol.md`), after
 * its schema: `counter` never goes back (against `latest`, the last progress taken), nor does
 * `eventTime` (against the latest given, `seen.eventTime`); a venue's
 * `lastUpdateAt` comes with the message's `eventTime` and is never later than it (an update later
 * than the time the engine stands at would read as 0 s old, fresh whatever happened: the report's
 * age is `eventTime − lastUpdateAt`), and never goes back, not even to none, from the latest taken
 * (`seen`). A message without `venues` is allowed at any time (its heartbeat is not judged for
 * coverage). Returns what is wrong, naming the field, what was expected and what was found, or
 * undefined. Pure: the caller notes the times (`noteVenueTimes`).
 */
export function progressProblem(progress: ProgressMessage, latest: ProgressMessage | undefined, seen: VenueTimes): string | undefined {
  if (latest !== undefined && progress.counter < latest.counter) {
    return `progress message: counter: expected ${latest.counter} or more (it never goes back), found ${progress.counter}`;
  }
  // The time the engine stands at only moves on: an event time that went back would read old
  // quotes as fresh and a window's end as reached before its data was played. A message may leave it out.
  if (progress.eventTime !== undefined && progress.eventTime < seen.eventTime) {
    return `progress message: eventTime: expected ${seen.eventTime} or later (it never goes back), found ${progress.eventTime}`;
  }
  const venues = progress.venues;
  if (venues === undefined) return undefined;
  for (const name of VENUES) {
    const at = venues[name]?.lastUpdateAt;
    const before = seen[name];
    if (at === undefined) {
      if (!Number.isNaN(before)) return `progress message: venues.${name}.lastUpdateAt: expected ${before} or later (it never goes back), found none`;
      continue;
    }
    if (progress.eventTime === undefined) {
      return `progress message: venues.${name}.lastUpdateAt: expected eventTime in the same message (a venue's age is eventTime − lastUpdateAt), found none`;
    }
    if (at > progress.eventTime) {
      return `progress message: venues.${name}.lastUpdateAt: expected at most eventTime ${progress.eventTime} (no update is later than the time the engine stands at), found ${at} (${at - progress.eventTime} ms later)`;
    }
    if (at < before) return `progress message: venues.${name}.lastUpdateAt: expected ${before} or later (it never goes back), found ${at}`;
  }
  return undefined;
}

/** Takes the venue times of a `progress` that passed `progressProblem` as the latest seen. */
export function noteVenueTimes(progress: ProgressMessage, seen: VenueTimes): void {
  if (progress.eventTime !== undefined) seen.eventTime = progress.eventTime;
  const venues = progress.venues;
  if (venues === undefined) return;
  for (const name of VENUES) {
    const at = venues[name]?.lastUpdateAt;
    if (at !== undefined) seen[name] = at;
  }
}

/**
 * The heartbeat's `Progress.venues` from a `progress` message's: the same updates and last update
 * time, so the report's "Quote coverage" row judges a command engine as it judges the built-in one.
 * The protocol carries no skipped updates (`skipped` is empty) nor arrival lag; an engine that sent
 * no `fx` has taken no FX update (0, no time: not judged).
 */
export function heartbeatVenues(venues: NonNullable<ProgressMessage['venues']>): NonNullable<Progress['venues']> {
  return { a: venueQuality(venues.a), b: venueQuality(venues.b), fx: venues.fx ? venueQuality(venues.fx) : { updates: 0, skipped: {} } };
}

function venueQuality(venue: ProtocolVenue): VenueQuality {
  return venue.lastUpdateAt === undefined ? { updates: venue.updates, skipped: {} } : { updates: venue.updates, lastUpdateAt: venue.lastUpdateAt, skipped: {} };
}
