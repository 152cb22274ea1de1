import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../core/data/live/reconnect-backoff.js';

describe('reconnect backoff', () => {
  it('doubles from initial, caps at max, and jitters within [half, whole)', () => {
    const whole = () => 0.999_999_999;
    expect([0, 1, 2, 3, 4, 5].map((n) => Math.round(reconnectDelayMs(n, 500, 5000, whole)))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(reconnectDelayMs(3, 500, 5000, () => 0)).toBe(2000);
    expect(reconnectDelayMs(1000, 500, 30_000, () => 0)).toBe(15_000); // no overflow on a long storm
  });
});
