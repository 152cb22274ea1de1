/**
 * The daylight-saving rule of `core/schedule/cron-rule.ts`, checked against a computation of its
 * own: for every IANA zone with an offset change in 2026-2030 (found by scanning the zone's
 * offsets week by week, then bisecting to the minute), and cron rules whose minute and hour fields
 * are singles, lists, steps, ranges or `*` around the transition's wall hours, the occurrences the
 * production code gives near the transition equal those of a minute-by-minute walk of the local
 * wall clock through `Intl.DateTimeFormat`:
 * - a wall time seen once runs then; one seen twice (overlap) runs at its first instance;
 * - a wall time never seen (gap) runs once, shifted forward by the gap's length;
 * - wall times landing on one instant are one occurrence, the others counted by `coincident`.
 * The cron fields are matched here as number sets, not by croner. Assumes no offset lasts less
 * than a week in 2026-2030 (the daily scan, 15 s, found the same 1,302 transitions in 130 zones).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCronRule, type CronRule } from '../../../core/schedule/cron-rule.js';
import { calendarOf } from '../../../core/schedule/schedule-policy.js';

const MIN = 60_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** A zone's wall clock at an instant, written as if UTC (ms), read from Intl's formatted parts. */
function wallClock(zone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (instant) => {
    const parts = format.formatToParts(instant);
    const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  };
}

interface Transition {
  zone: string;
  /** The first instant (ms, on a minute) of the new offset. */
  at: number;
  /** New offset minus old (minutes): positive springs forward. */
  shiftMin: number;
}

/** Every offset change of every zone in 2026-2030: weekly samples, then bisection to the minute. */
function transitions(): Transition[] {
  const out: Transition[] = [];
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2031, 0, 1);
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const wall = wallClock(zone);
    const offset = (t: number) => wall(t) - t;
    let before = offset(from);
    for (let t = from + WEEK; t < to + WEEK; t += WEEK) {
      const now = offset(t);
      if (now === before) continue;
      let lo = t - WEEK;
      let hi = t;
      while (hi - lo > MIN) {
        const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
        if (offset(mid) === before) lo = mid;
        else hi = mid;
      }
      if (hi < to) out.push({ zone, at: hi, shiftMin: (now - before) / MIN });
      before = now;
    }
  }
  return out;
}

/**
 * The instants a rule matching wall minutes `minutes` and hours `hours` names between `lo` and
 * `hi` (inclusive), by walking every minute from well before the transition: first sightings of
 * each wall minute, and the gap's missing wall minutes at the gap's length later. Returns each
 * instant with the number of wall times landing on it.
 */
function walkedOccurrences(t: Transition, minutes: Set<number>, hours: Set<number>, lo: number, hi: number): Map<number, number> {
  const wall = wallClock(t.zone);
  const margin = Math.abs(t.shiftMin) * MIN + 70 * MIN;
  const seen = new Map<number, number>(); // wall minute -> instant of its first sighting
  const named = (w: number) => minutes.has(new Date(w).getUTCMinutes()) && hours.has(new Date(w).getUTCHours());
  let previous: number | undefined;
  for (let instant = t.at - margin; instant <= t.at + margin; instant += MIN) {
    const w = wall(instant);
    if (previous !== undefined && w - previous > MIN) {
      // a gap: the wall clock went from `previous` to `w`; each missing wall minute lands the gap later
      const gap = w - previous - MIN;
      for (let missing = previous + MIN; missing < w; missing += MIN) if (!seen.has(missing)) seen.set(missing, missing + gap - (w - instant));
    }
    if (!seen.has(w)) seen.set(w, instant);
    previous = w;
  }
  const out = new Map<number, number>();
  for (const [w, instant] of seen) if (named(w) && instant >= lo && instant <= hi) out.set(instant, (out.get(instant) ?? 0) + 1);
  return out;
}

/** A cron field over `values` (0..max) as text and as the set it names. */
type Field = { text: string; set: Set<number> };
const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);

function fieldArb(max: number, near: number[]): fc.Arbitrary<Field> {
  const value = fc.oneof(fc.constantFrom(...near.map((v) => ((v % (max + 1)) + max + 1) % (max + 1))), fc.integer({ min: 0, max }));
  return fc.oneof(
    value.map((v) => ({ text: `${v}`, set: new Set([v]) })),
    fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((vs) => ({ text: vs.join(','), set: new Set(vs) })),
    fc.integer({ min: 1, max: Math.min(30, max) }).map((k) => ({ text: `*/${k}`, set: new Set(range(0, max, k)) })),
    fc.tuple(value, value, fc.integer({ min: 1, max: 20 })).map(([a, b, k]) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      return { text: `${x}-${y}/${k}`, set: new Set(range(x, y, k)) };
    }),
    fc.tuple(value, value).map(([a, b]) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      return { text: `${x}-${y}`, set: new Set(range(x, y)) };
    }),
    fc.constant({ text: '*', set: new Set(range(0, max)) }),
  );
}

const all = transitions();
const byZone = new Map<string, Transition[]>();
for (const t of all) byZone.set(t.zone, [...(byZone.get(t.zone) ?? []), t]);
const zones = [...byZone.keys()];

describe('the daylight-saving rule over every IANA zone with a transition in 2026-2030', () => {
  it('finds the zones and shifts the rule must hold for (1-hour, 30-minute Lord_Howe, 2-hour Troll)', () => {
    expect(zones.length).toBeGreaterThanOrEqual(100);
    const shifts = new Set(all.map((t) => t.shiftMin));
    expect([...shifts].sort((a, b) => a - b)).toEqual([-120, -60, -30, 30, 60, 120]);
    expect(byZone.get('Australia/Lord_Howe')?.length).toBe(10);
  });

  it('occurrences near each transition equal the wall-clock walk, and folded wall times are counted', () => {
    const sample = fc
      .constantFrom(...zones)
      .chain((zone) => fc.constantFrom(...byZone.get(zone)!))
      .chain((t) => {
        const wall = wallClock(t.zone);
        const hoursNear = [wall(t.at - MIN), wall(t.at)].map((w) => new Date(w).getUTCHours()).flatMap((h) => [h - 1, h, h + 1]);
        const minutesNear = [wall(t.at - MIN), wall(t.at)].map((w) => new Date(w).getUTCMinutes()).flatMap((m) => [m, m + 1, m - 1, m + 15, m + 30, m + 45]);
        return fc.record({ t: fc.constant(t), minute: fieldArb(59, minutesNear), hour: fieldArb(23, hoursNear) });
      });
    fc.assert(
      fc.property(sample, ({ t, minute, hour }) => {
        const cron = `${minute.text} ${hour.text} * * *`;
        const rule = parseCronRule(cron, t.zone) as CronRule;
        const lo = t.at - 60 * MIN;
        const hi = t.at + Math.abs(t.shiftMin) * MIN + 60 * MIN;
        const expected = walkedOccurrences(t, minute.set, hour.set, lo, hi);
        const calendar = calendarOf({ until: new Date(hi).toISOString() }, rule);
        const actual = calendar.upcoming(lo, 1000);
        const context = `${cron} in ${t.zone}, transition at ${new Date(t.at).toISOString()} (${t.shiftMin} min)`;
        expect(
          actual.map((at) => new Date(at).toISOString()),
          context,
        ).toEqual([...expected.keys()].sort((a, b) => a - b).map((at) => new Date(at).toISOString()));
        for (const at of actual) expect(rule.coincident(at), `${context}: wall times on ${new Date(at).toISOString()}`).toBe(expected.get(at)! - 1);
      }),
      { numRuns: 150, seed: 20_2026, endOnFailure: true },
    );
  });
});
