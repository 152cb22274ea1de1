/**
 * Axes for the report's SVG charts: round tick values for counts and for time offsets, and the
 * linear mapping from values to pixels.
 */

/** Round ticks from 0 covering `max` (about `count` of them); `max` of 0 gives `[0, 1]`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  return ticksOf(step, max);
}

const TIME_STEPS_SEC = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** Ticks for an axis of seconds, on round durations (10 s, 5 min, 1 h …). */
export function timeTicks(maxSec: number, count = 6): number[] {
  if (!(maxSec > 0) || !Number.isFinite(maxSec)) return [0, 1];
  const rough = maxSec / count;
  const step = TIME_STEPS_SEC.find((s) => s >= rough) ?? Math.ceil(rough / 86_400) * 86_400;
  return ticksOf(step, maxSec);
}

/** A linear map from `[0, domainMax]` onto `[from, to]` pixels. */
export function linearScale(domainMax: number, from: number, to: number): (value: number) => number {
  const span = domainMax > 0 ? domainMax : 1;
  return (value) => round(from + ((to - from) * value) / span);
}

/**
 * A value axis's range: from `min(0, values)` to `max(0, values)` (so zero is always drawn), at
 * least 1 wide, padded by 5 % of the span on each side.
 */
export function paddedRange(values: readonly number[]): { lo: number; hi: number } {
  const lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo < 1) hi = lo + 1;
  const pad = (hi - lo) * 0.05;
  return { lo: lo - pad, hi: hi + pad };
}

function ticksOf(step: number, max: number): number[] {
  const ticks: number[] = [];
  for (let v = 0; ticks.length < 50; v += step) {
    ticks.push(round(v));
    if (v >= max) break;
  }
  return ticks;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
