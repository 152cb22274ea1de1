/**
 * arbfleet's one seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's "small fast
 * chaotic" generator from PractRand: 128 bits of state, 32-bit outputs, passes PractRand to 2^60
 * bytes), in 32-bit integer arithmetic so that the same seed gives the same draws on every machine.
 * Never `Math.random` where a run must be replayable.
 *
 * Two programs extend it with their own seeding and draws, which their recorded runs depend on:
 * the engine's synthetic market (`engine-task/src/feed/prng.ts`: a seed into `d`, Gaussian draws, a
 * checkpointable state) and the simulation (`sim/prng.ts`: one stream per actor, seeded through
 * `splitmix32`). The step itself is written here once.
 */
export class Sfc32 {
  protected a: number;
  protected b: number;
  protected c: number;
  protected d: number;

  /**
   * The generator at state (`a`, `b`, `c`, `d`) (each taken as a 32-bit integer), then advanced by
   * `discard` draws: the first outputs of a fresh state are poorly mixed.
   */
  constructor(a: number, b: number, c: number, d: number, discard = 0) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < discard; i++) this.nextUint32();
  }

  /** The next draw: an integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}

/**
 * The first `count` outputs of splitmix32 from `seed` (each in [0, 2^32)): how a small seed is
 * spread over a generator's state words, so that seeds 1 and 2 start far apart.
 */
export function splitmix32(seed: number, count: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out.push((z ^ (z >>> 16)) >>> 0);
  }
  return out;
}
