/**
 * The synthetic market's generator: sfc32 (`core/random.ts`, the one implementation) seeded with
 * the campaign's seed in its counter word, a Gaussian source on top, and a checkpointable state.
 * Same seed, same sequence, on every machine.
 */
import { Sfc32 } from '../../../core/random.js';

export class Prng extends Sfc32 {
  private spareGaussian = 0;
  private hasSpare = false;

  constructor(seed: number) {
    super(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0, 16);
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
