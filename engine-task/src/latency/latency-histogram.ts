/**
 * A log-linear latency histogram (HDR style) in nanoseconds: exact below 64 ns, then 32
 * sub-buckets per power of two (at most ~3 % error), up to ~2.1 s. Recording is a few integer
 * operations on a preallocated array: no allocation, safe for the per-tick path.
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS; // 32
const LINEAR = 2 * SUB; // values below 64 ns get a bucket each
const MAX_NS = 0x7fffffff;
export const HISTOGRAM_BUCKETS = LINEAR + (31 - SUB_BITS - 1) * SUB;

export class LatencyHistogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  maxNs = 0;
  sumNs = 0;

  /** Records one latency given in milliseconds (what `performance.now()` differences are). */
  recordMs(ms: number): void {
    this.recordNs(ms * 1e6);
  }

  recordNs(ns: number): void {
    const v = ns > MAX_NS ? MAX_NS : ns < 0 ? 0 : ns | 0;
    if (v > this.maxNs) this.maxNs = v;
    this.sumNs += v;
    this.count++;
    (this.counts[bucketOf(v)] as number)++;
  }

  /** The value at quantile `q` (0..1) in nanoseconds: the bucket's upper bound, capped at the max seen. */
  quantileNs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(bucketUpperNs(i), this.maxNs);
    }
    return this.maxNs;
  }

  quantileUs(q: number): number {
    return this.quantileNs(q) / 1000;
  }

  meanUs(): number {
    return this.count === 0 ? 0 : this.sumNs / this.count / 1000;
  }

  /** Adds another histogram's counts into this one (shard totals from symbol histograms). */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.count += other.count;
    this.sumNs += other.sumNs;
    if (other.maxNs > this.maxNs) this.maxNs = other.maxNs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxNs = 0;
    this.sumNs = 0;
  }

  /** Non-empty buckets as `[upperBoundUs, count]` pairs: what reports chart. */
  buckets(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = this.counts[i] as number;
      if (c > 0) out.push([bucketUpperNs(i) / 1000, c]);
    }
    return out;
  }
}

function bucketOf(v: number): number {
  if (v < LINEAR) return v;
  const exponent = 31 - Math.clz32(v); // >= 6
  const mantissa = v >>> (exponent - SUB_BITS); // 32..63
  return LINEAR + (exponent - SUB_BITS - 1) * SUB + (mantissa - SUB);
}

/** The largest value that falls in bucket `i`, in nanoseconds. */
export function bucketUpperNs(i: number): number {
  if (i < LINEAR) return i;
  const k = i - LINEAR;
  const exponent = (k >> SUB_BITS) + SUB_BITS + 1;
  const mantissa = (k & (SUB - 1)) + SUB;
  return (mantissa + 1) * 2 ** (exponent - SUB_BITS) - 1;
}
