/**
 * The agent's ordering rules for `progress` (`engine-task/src/agent/progress-check.ts`,
 * docs/task-protocol.md): the counter and each venue's last update time never go back, and no venue
 * time is later than the message's event time, nor given without one. Each rule with a message
 * that breaks it; the heartbeat's venues as the report reads them.
 */
import { describe, expect, it } from 'vitest';
import type { ProgressMessage } from '../../../../core/model/task-protocol.js';
import { heartbeatVenues, noteVenueTimes, noVenueTimes, progressProblem } from '../../../../engine-task/src/agent/progress-check.js';

const T = 1_767_225_600_000;
const progress = (counter: number, extra: Partial<ProgressMessage> = {}): ProgressMessage => ({
  type: 'progress',
  counter,
  trades: 0,
  openPositions: 0,
  realizedPnlMicros: 0 as ProgressMessage['realizedPnlMicros'],
  ...extra,
});
const venues = (a: number | undefined, b: number | undefined, fx?: number): ProgressMessage['venues'] => ({
  a: a === undefined ? { updates: 0 } : { updates: 1, lastUpdateAt: a },
  b: b === undefined ? { updates: 0 } : { updates: 1, lastUpdateAt: b },
  ...(fx === undefined ? {} : { fx: { updates: 1, lastUpdateAt: fx } }),
});

/** Runs messages through the check as the agent does; the first problem, or undefined. */
function firstProblem(messages: ProgressMessage[]): string | undefined {
  const seen = noVenueTimes();
  let latest: ProgressMessage | undefined;
  for (const m of messages) {
    const problem = progressProblem(m, latest, seen);
    if (problem !== undefined) return problem;
    noteVenueTimes(m, seen);
    latest = m;
  }
  return undefined;
}

describe('progress ordering rules', () => {
  it('refuses an event time that goes back, even across a message without one; takes one that stands still or moves on', () => {
    expect(firstProblem([progress(1, { eventTime: T }), progress(2, { eventTime: T }), progress(3), progress(4, { eventTime: T + 1 })])).toBeUndefined();
    expect(firstProblem([progress(1, { eventTime: T + 5_000 }), progress(2, { eventTime: T })])).toBe(
      `progress message: eventTime: expected ${T + 5_000} or later (it never goes back), found ${T}`,
    );
    expect(firstProblem([progress(1, { eventTime: T + 5_000 }), progress(2), progress(3, { eventTime: T })])).toBe(
      `progress message: eventTime: expected ${T + 5_000} or later (it never goes back), found ${T}`,
    );
  });

  it('takes venue times at or before the event time, moving on or standing still, and messages without venues at any time', () => {
    expect(
      firstProblem([
        progress(1, { eventTime: T, venues: venues(undefined, undefined) }),
        progress(2, { eventTime: T, venues: venues(T, T - 5) }),
        progress(2),
        progress(3, { eventTime: T + 10, venues: venues(T, T + 10, T - 86_400_000) }),
      ]),
    ).toBeUndefined();
  });

  it('refuses a counter that goes back', () => {
    expect(firstProblem([progress(5), progress(4)])).toBe('progress message: counter: expected 5 or more (it never goes back), found 4');
  });

  it('refuses a venue time later than the event time: it would read as 0 s old', () => {
    expect(firstProblem([progress(1, { eventTime: T, venues: venues(T, T + 1) })])).toBe(
      'progress message: venues.b.lastUpdateAt: expected at most eventTime 1767225600000 (no update is later than the time the engine stands at), found 1767225600001 (1 ms later)',
    );
  });

  it('refuses a venue time without an event time to age it against', () => {
    expect(firstProblem([progress(1, { venues: venues(undefined, undefined, T) })])).toBe(
      "progress message: venues.fx.lastUpdateAt: expected eventTime in the same message (a venue's age is eventTime − lastUpdateAt), found none",
    );
  });

  it('refuses a venue time that goes back, to an earlier time or to none', () => {
    const first = progress(1, { eventTime: T, venues: venues(T, T) });
    expect(firstProblem([first, progress(2, { eventTime: T, venues: venues(T - 1, T) })])).toBe(
      'progress message: venues.a.lastUpdateAt: expected 1767225600000 or later (it never goes back), found 1767225599999',
    );
    expect(firstProblem([first, progress(2, { eventTime: T, venues: venues(T, undefined) })])).toBe(
      'progress message: venues.b.lastUpdateAt: expected 1767225600000 or later (it never goes back), found none',
    );
  });

  it("maps the venues into the heartbeat's: the same updates and times, no skips counted, an absent FX rate as no update", () => {
    expect(heartbeatVenues({ a: { updates: 3, lastUpdateAt: T }, b: { updates: 0 } })).toEqual({
      a: { updates: 3, lastUpdateAt: T, skipped: {} },
      b: { updates: 0, skipped: {} },
      fx: { updates: 0, skipped: {} },
    });
  });
});
