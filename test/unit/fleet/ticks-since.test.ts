import { describe, expect, it } from 'vitest';
import { TicksSince } from '../../../core/fleet/ticks-since.js';

describe('TicksSince', () => {
  it('dates standing ticks from the first heartbeat that showed them, and moving ticks from their own heartbeat', () => {
    const since = new TicksSince();
    expect(since.next(0, 1_000)).toBe(1_000);
    expect(since.next(0, 2_000)).toBe(1_000);
    expect(since.next(5, 3_000)).toBe(3_000);
    expect(since.next(5, 4_000)).toBe(3_000);
    expect(since.next(5, 9_000)).toBe(3_000);
    expect(since.next(6, 10_000)).toBe(10_000);
  });
});
