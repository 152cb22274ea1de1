/**
 * Who ended a task (`core/fleet/stop-author.ts`) where `stop-authors.test.ts` does not look
 * closely: the exact evidence an outside stop carries (its note quotes the stop reason; no
 * `stoppedReason` key when there was none), a `null` exit code or signal read as "none", a signal
 * named only by the engine on a non-zero exit, and a StopTask without a reason. Written from the
 * survivors of `npm run mutate` (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest';
import { stopAuthor } from '../../../core/fleet/stop-author.js';
import { progress, task } from './fleet-fixtures.js';

const stopped = (overrides: Parameters<typeof task>[0] = {}) => task({ state: 'STOPPED', ...overrides });

describe('an outside stop carries its evidence word for word', () => {
  it('an ECS stop code, with and without a stop reason', () => {
    expect(stopAuthor(stopped({ stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }), undefined)).toStrictEqual({
      by: 'outside',
      stopCode: 'SpotInterruption',
      stoppedReason: 'Your Spot Task was interrupted.',
      note: 'stopped from outside: ECS stop code SpotInterruption (Your Spot Task was interrupted.)',
    });
    expect(stopAuthor(stopped({ stopCode: 'TerminationNotice' }), undefined)).toStrictEqual({
      by: 'outside',
      stopCode: 'TerminationNotice',
      note: 'stopped from outside: ECS stop code TerminationNotice',
    });
  });

  it('a stop reason with no stop code, exit code or signal (null counts as none)', () => {
    const expected = {
      by: 'outside',
      stoppedReason: 'Task stopped by someone',
      note: 'stopped from outside: a stop arbfleet did not ask for (Task stopped by someone), with no stop code or exit code',
    };
    expect(stopAuthor(stopped({ stoppedReason: 'Task stopped by someone', exitCode: null }), undefined)).toStrictEqual(expected);
    expect(stopAuthor(stopped({ stoppedReason: 'Task stopped by someone', exitCode: null, signal: null }), undefined)).toStrictEqual(expected);
  });

  it('a stop signal the process itself reports', () => {
    expect(stopAuthor(stopped({ signal: 'SIGHUP', exitCode: null }), undefined)).toStrictEqual({
      by: 'outside',
      signal: 'SIGHUP',
      note: 'stopped from outside by SIGHUP: a signal arbfleet did not send, which ended the process',
    });
  });
});

describe('what is not an outside stop', () => {
  it('a stop reason on a task killed by another signal (SIGKILL: the OOM killer, kill -9) is judged by its exit', () => {
    expect(stopAuthor(stopped({ stoppedReason: 'killed', signal: 'SIGKILL', exitCode: null }), undefined)).toStrictEqual({ by: 'unknown' });
  });

  it("a StopTask without a reason is not someone else's stop", () => {
    expect(stopAuthor(stopped({ stopCode: 'UserInitiated', exitCode: 1 }), undefined)).toStrictEqual({ by: 'unknown' });
  });

  it("a signal named only by the engine's final heartbeat, on a non-zero exit: neither outside nor the engine's own end", () => {
    const final = progress({ stop: { by: 'signal', signal: 'SIGTERM' } });
    expect(stopAuthor(stopped({ exitCode: 143 }), final)).toStrictEqual({ by: 'unknown' });
  });
});
