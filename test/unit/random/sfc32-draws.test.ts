/**
 * One generator, the same draws as before it was shared (issue 17): the engine's synthetic market
 * (`engine-task/src/feed/prng.ts`) and the simulation (`sim/prng.ts`) both extend `Sfc32` from
 * `core/random.ts`. The numbers below were drawn by the two copies they replace (commit 84f7d0e),
 * so a recorded synthetic run, a checkpoint's generator state and every simulation seed's trace
 * (test/sim/simulation.test.ts replays its regression seeds) still mean what they meant.
 */
import { describe, expect, it } from 'vitest';
import { Sfc32, splitmix32 } from '../../../core/random.js';
import { Prng as FeedPrng } from '../../../engine-task/src/feed/prng.js';
import { Prng as SimPrng } from '../../../sim/prng.js';

describe('the one sfc32', () => {
  it("the simulation's streams draw what they drew before", () => {
    const swarm = SimPrng.stream(8728, 'swarm');
    expect([swarm.float(), swarm.float(), swarm.int(1, 100), swarm.chance(0.5), swarm.pick(['a', 'b', 'c'])]).toEqual([
      0.797482333611697,
      0.4592216096352786,
      25,
      true,
      'b',
    ]);
    const one = new SimPrng(1);
    expect([one.float(), one.float()]).toEqual([0.18452622229233384, 0.7486324321944267]);
  });

  it("the synthetic market's generator draws what it drew before, and its checkpointed state resumes it", () => {
    const feed = new FeedPrng(99);
    expect([feed.nextUint32(), feed.nextUint32(), feed.nextUniform(), feed.nextGaussian(), feed.nextGaussian()]).toEqual([
      303204340, 4124263076, 0.6423902608221397, 0.9566659067944909, -1.891999467440705,
    ]);
    const state = feed.state();
    expect(state).toEqual([-1330837433, 1397537095, 756059755, 120, -1.891999467440705, 0]);
    expect(FeedPrng.fromState(state).nextUint32()).toBe(66699782);
    expect(feed.nextUint32()).toBe(66699782);
  });

  it('both are the one step: the same state words give the same draws', () => {
    const [a, b, c] = splitmix32(1, 3) as [number, number, number];
    const core = new Sfc32(a, b, c, 1, 12);
    const sim = new SimPrng(1);
    for (let i = 0; i < 1000; i++) expect(sim.float()).toBe(core.nextUint32() / 2 ** 32);
  });
});
