import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordPathOf } from '../../../core/data/live/live-feed.js';

describe('the file a live shard records into', () => {
  it('is the record path itself for a single shard, and one file per shard otherwise', () => {
    expect(recordPathOf('/data/live.csv')).toBe('/data/live.csv');
    expect(recordPathOf('/data/live.csv', { index: 0, count: 1 })).toBe('/data/live.csv');
    expect(recordPathOf('/data/live.csv', { index: 2, count: 3 })).toBe('/data/live.shard-002.csv');
    expect(recordPathOf('runs/live', { index: 11, count: 12 })).toBe(resolve('runs/live.shard-011'));
  });
});
