import { z } from 'zod';

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * Parses a human duration such as `90s`, `5m`, `1h30m` or `250ms` into seconds.
 * Returns `undefined` when the text is not a duration, so callers can report it.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const compact = text.trim().replace(/\s+/g, '');
  if (!WHOLE.test(compact)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) {
    seconds += Number(amount) * (UNIT_SECONDS[unit as string] as number);
  }
  return seconds;
}

/** Formats seconds back into the shortest readable duration (`90` → `1m30s`). */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0) parts.push(`${whole}${unit}`);
    rest -= whole * size;
  }
  return parts.join('') || '0s';
}

/**
 * A duration field: a number of seconds, or a string like `5m`. Always yields seconds.
 * `min` and `max` are in seconds and are checked after parsing.
 */
export function durationSeconds(min: number, max: number) {
  return z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const seconds = typeof value === 'number' ? value : parseDurationSeconds(value);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 90, "90s", "5m" or "1h", got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      if (seconds < min || seconds > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${formatDuration(min)} and ${formatDuration(max)}, got ${formatDuration(seconds)}`,
        });
        return z.NEVER;
      }
      return seconds;
    })
    .meta({ description: `seconds, or a duration string like "90s", "5m", "1h" (${formatDuration(min)} to ${formatDuration(max)})` });
}
