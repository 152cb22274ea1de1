/**
 * The simulation's only source of chance: a seeded PRNG (sfc32 seeded through splitmix32), so
 * one seed always draws the same numbers in the same order. Never `Math.random`.
 *
 * One stream per actor (`Prng.stream(seed, actor)`, as TigerBeetle's VOPR splits its seed): the
 * swarm's fault mix, each engine, the launcher, the queue's and the store's faults, the clocks,
 * the client each draw from their own sfc32 stream, so an extra draw in one actor (a trade more,
 * a call more) does not shift every other actor's faults.
 */
export class Prng {
  /**
   * The stream of `actor` under `seed`: sfc32 seeded with the seed mixed with FNV-1a of the
   * actor's name. Equal (seed, actor) pairs give equal streams; different actors independent ones.
   */
  static stream(seed: number, actor: string): Prng {
    let h = 0x811c9dc5;
    for (let i = 0; i < actor.length; i++) h = Math.imul(h ^ actor.charCodeAt(i), 0x01000193);
    return new Prng((Math.imul(seed >>> 0, 0x9e3779b1) ^ h) >>> 0);
  }

  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    for (let i = 0; i < 12; i++) this.float();
  }

  /** A float in [0, 1). */
  float(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
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
