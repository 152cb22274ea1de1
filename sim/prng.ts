/**
 * The simulation's only source of chance: a seeded PRNG (sfc32 seeded through splitmix32), so
 * one seed always draws the same numbers in the same order. Never `Math.random`.
 *
 * One stream per actor (`Prng.stream(seed, actor)`, as TigerBeetle's VOPR splits its seed): the
 * swarm's fault mix, each engine, the launcher, the queue's and the store's faults, the clocks,
 * the client each draw from their own sfc32 stream, so an extra draw in one actor (a trade more,
 * a call more) does not shift every other actor's faults. The generator is core's (`core/random.ts`).
 */
import { Sfc32, splitmix32 } from '../core/random.js';

export class Prng extends Sfc32 {
  /**
   * The stream of `actor` under `seed`: sfc32 seeded with the seed mixed with FNV-1a of the
   * actor's name. Equal (seed, actor) pairs give equal streams; different actors independent ones.
   */
  static stream(seed: number, actor: string): Prng {
    let h = 0x811c9dc5;
    for (let i = 0; i < actor.length; i++) h = Math.imul(h ^ actor.charCodeAt(i), 0x01000193);
    return new Prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ h) >>> 0);
  }

  /** The generator of `seed`: sfc32 (`core/random.ts`) with its first three words from splitmix32, 12 draws discarded. */
  constructor(seed: number) {
    const [a, b, c] = splitmix32(seed, 3) as [number, number, number];
    super(a, b, c, 1, 12);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }
}
