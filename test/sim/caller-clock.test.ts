/**
 * The simulation's stores stamp a call with its caller's clock (`CallerWallClock`, `sim/fault-proxy.ts`),
 * even when a layer between the fault injector and the store awaits before the store reads the clock
 * (the ledger oracle reads the shard's status first). Set only around the call's synchronous start,
 * the skew was gone by then: every engine's heartbeat was stamped in true time, the seeds' engine
 * clock skew never reached `receivedAt`, and the outcome invariants judged skew the stamps never had
 * (seed 8728 of `npm run sim`).
 */
import { describe, expect, it } from 'vitest';
import { FaultLedger } from '../../sim/fault-ledger.js';
import { CallerWallClock, FaultInjector, newActor } from '../../sim/fault-proxy.js';
import { Prng } from '../../sim/prng.js';
import { SimLoop } from '../../sim/sim-loop.js';

const T0 = Date.UTC(2026, 0, 1);
const NO_FAULTS = { failBefore: 0, failAfter: 0, maxLatencyMs: 0, duplicate: 0, reorder: 0, landAfterDeath: 0 };

describe("the simulation's caller clock", () => {
  it("stamps a store call with its caller's clock after an await, and concurrent callers each with their own", async () => {
    const loop = new SimLoop(T0, false);
    const wall = new CallerWallClock(loop);
    const injector = new FaultInjector(loop, (actor) => Prng.stream(1, actor), NO_FAULTS, new FaultLedger(), wall);
    // A store behind a wrapper that awaits first (as the ledger oracle's status read), then reads the clock.
    const store = {
      async heartbeat(): Promise<number> {
        await Promise.resolve();
        await Promise.resolve();
        return wall.now();
      },
    };
    const ahead = injector.wrap(store, 'store', newActor('task-ahead', 2_947), ['heartbeat']);
    const behind = injector.wrap(store, 'store', newActor('task-behind', -1_500), ['heartbeat']);
    const stamps = Promise.all([ahead.heartbeat(), behind.heartbeat()]);
    await loop.run(T0 + 1_000);

    expect(await stamps).toEqual([T0 + 2_947, T0 - 1_500]);
    expect(wall.now()).toBe(T0 + 1_000); // outside a call: true time
  });
});
