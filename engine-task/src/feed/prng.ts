/**
 * A small, fast, seeded pseudo-random generator (sfc32) with a checkpointable state, and a
 * Gaussian source on top of it. Same seed, same sequence, on every machine.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareGaussian = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in (0, 1): never exactly 0, so `Math.log` of it is finite. */
  nextUniform(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  nextGaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareGaussian;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextUniform()));
    const theta = 2 * Math.PI * this.nextUniform();
    this.spareGaussian = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** The full state, for a checkpoint. */
  state(): number[] {
    return [this.a, this.b, this.c, this.d, this.spareGaussian, this.hasSpare ? 1 : 0];
  }

  /** Rebuilds a generator at exactly the point `state()` captured. */
  static fromState(state: readonly number[]): Prng {
    const prng = new Prng(0);
    [prng.a, prng.b, prng.c, prng.d, prng.spareGaussian] = state.map(Number) as [number, number, number, number, number];
    prng.hasSpare = state[5] === 1;
    return prng;
  }
}
