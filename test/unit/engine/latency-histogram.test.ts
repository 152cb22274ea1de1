import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../engine-task/src/latency/latency-histogram.js';

describe('the latency histogram', () => {
  it('is exact below 64 ns and within ~3 % above, up to seconds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2_000_000_000 }), { minLength: 1, maxLength: 500 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (values, q) => {
          const h = new LatencyHistogram();
          for (const v of values) h.recordNs(v);
          const sorted = [...values].sort((a, b) => a - b);
          const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
          const got = h.quantileNs(q);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got).toBeLessThanOrEqual(exact < 64 ? exact : exact * (1 + 1 / 32) + 1);
          expect(h.maxNs).toBe(sorted.at(-1));
        },
      ),
    );
  });

  it('reports microseconds good to the microsecond and merges shard histograms', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 990; i++) a.recordMs(0.0002); // 0.2 µs
    for (let i = 0; i < 10; i++) b.recordMs(0.015); // 15 µs
    a.merge(b);
    expect(a.count).toBe(1000);
    expect(a.quantileUs(0.5)).toBeCloseTo(0.2, 1);
    expect(a.quantileUs(0.995)).toBeGreaterThanOrEqual(15);
    expect(a.quantileUs(0.995)).toBeLessThan(15.5);
  });
});
