import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planShards, shardIdFor } from '../../../core/fleet/shard-planner.js';
import { ValidationError } from '../../../core/errors.js';

const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${i}`);
const sizes = (plan: ReturnType<typeof planShards>) => plan.map((s) => s.symbols.length);

describe('planShards', () => {
  it('balances 10 symbols at 4 per shard as 4, 3, 3 rather than leaving a tiny last shard', () => {
    expect(sizes(planShards(symbols(10), 4))).toEqual([4, 3, 3]);
  });

  it('uses the fewest shards that respect symbolsPerShard', () => {
    expect(sizes(planShards(symbols(8), 4))).toEqual([4, 4]);
    expect(sizes(planShards(symbols(9), 4))).toEqual([3, 3, 3]);
    expect(sizes(planShards(symbols(3), 5))).toEqual([3]);
    expect(sizes(planShards(symbols(5), 1))).toEqual([1, 1, 1, 1, 1]);
  });

  it('names shards shard-000, shard-001, … with their index, and keeps symbol order', () => {
    const plan = planShards(['BTC', 'ETH', 'XRP', 'SOL', 'ADA'], 2);
    expect(plan).toEqual([
      { shardId: 'shard-000', index: 0, symbols: ['BTC', 'ETH'] },
      { shardId: 'shard-001', index: 1, symbols: ['XRP', 'SOL'] },
      { shardId: 'shard-002', index: 2, symbols: ['ADA'] },
    ]);
  });

  it('pads shard ids to three digits and lets larger indexes grow', () => {
    expect(shardIdFor(7)).toBe('shard-007');
    expect(shardIdFor(999)).toBe('shard-999');
    expect(shardIdFor(1000)).toBe('shard-1000');
  });

  it('plans nothing for no symbols', () => {
    expect(planShards([], 5)).toEqual([]);
  });

  it('rejects a symbolsPerShard that is not a positive integer, naming the field', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => planShards(symbols(3), bad)).toThrow(ValidationError);
    }
    expect(() => planShards(symbols(3), 0)).toThrow(/sharding\.symbolsPerShard: must be a positive integer, got 0/);
  });

  it('rejects a symbol listed twice, naming it and its position', () => {
    expect(() => planShards(['BTC', 'ETH', 'BTC'], 2)).toThrow(/symbols\.2: "BTC" is listed twice/);
  });

  it('is stable: the same input always yields the same plan, and the input is not modified', () => {
    const input = symbols(23);
    const copy = [...input];
    expect(planShards(input, 4)).toEqual(planShards(copy, 4));
    expect(input).toEqual(copy);
  });

  it('property: every symbol in exactly one shard, order preserved, sizes within one, none above symbolsPerShard', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (list, size) => {
        const plan = planShards(list, size);
        expect(plan.flatMap((s) => s.symbols)).toEqual(list);
        expect(plan.length).toBe(Math.ceil(list.length / size));
        const counts = sizes(plan);
        if (counts.length > 0) {
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          expect(Math.max(...counts)).toBeLessThanOrEqual(size);
          expect(Math.min(...counts)).toBeGreaterThan(0);
          // Larger shards come first, so the last one is never smaller than a balanced share.
          expect(counts).toEqual([...counts].sort((a, b) => b - a));
        }
        plan.forEach((s, i) => {
          expect(s.index).toBe(i);
          expect(s.shardId).toBe(shardIdFor(i));
        });
      }),
    );
  });
});
