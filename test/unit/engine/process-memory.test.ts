import { describe, expect, it } from 'vitest';
import { processMemory } from '../../../engine-task/src/monitor/shard-monitor.js';

describe('processMemory (the heartbeat memory probe)', () => {
  it("reads this process's resident set and used heap, as process.memoryUsage() names them", () => {
    const keep = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    const probe = processMemory();
    const full = process.memoryUsage();
    expect(keep.length).toBe(200_000);
    // Read a moment apart: the same figures within a margin, each in its own field.
    expect(probe.rssBytes).toBeGreaterThan(full.rss * 0.8);
    expect(probe.rssBytes).toBeLessThan(full.rss * 1.25);
    expect(probe.heapUsedBytes).toBeGreaterThan(full.heapUsed * 0.8);
    expect(probe.heapUsedBytes).toBeLessThan(full.heapUsed * 1.25);
    expect(probe.rssBytes).toBeGreaterThan(probe.heapUsedBytes);
  });
});
