/**
 * The queue delay of a launch (`launchDelaySec`, `core/fleet/fleet-context.ts`): none when nothing
 * holds it back or its time has come, whole seconds rounded up otherwise (a launch is never sent
 * early), at most SQS's 15 minutes (a longer backoff is re-queued when the message comes back).
 * Written for `npm run mutate` (docs/mutation.md): it was exercised only through the services.
 */
import { describe, expect, it } from 'vitest';
import { launchDelaySec, MAX_QUEUE_DELAY_SEC } from '../../../core/fleet/fleet-context.js';
import { T0 } from './fleet-fixtures.js';

describe('launchDelaySec', () => {
  it('is 0 with no launchNotBefore, or one that has come', () => {
    expect(launchDelaySec(undefined, T0)).toBe(0);
    expect(launchDelaySec(T0, T0)).toBe(0);
    expect(launchDelaySec(T0 - 5_000, T0)).toBe(0);
  });

  it('rounds a wait up to whole seconds, so the launch never comes early', () => {
    expect(launchDelaySec(T0 + 1, T0)).toBe(1);
    expect(launchDelaySec(T0 + 1_000, T0)).toBe(1);
    expect(launchDelaySec(T0 + 1_001, T0)).toBe(2);
  });

  it("is at most SQS's 15 minutes", () => {
    expect(MAX_QUEUE_DELAY_SEC).toBe(900);
    expect(launchDelaySec(T0 + 900_000, T0)).toBe(900);
    expect(launchDelaySec(T0 + 3_600_000, T0)).toBe(900);
  });
});
