/**
 * Time, injected. Nothing outside this file reads the wall clock, so tests and soaks can run a
 * simulated hour in seconds.
 */
import type { z } from 'zod';

/**
 * An instant, milliseconds since 1970-01-01T00:00:00Z: the same type as zod's
 * `z.number().brand<'EpochMs'>()` output (`EpochMsSchema`, `core/model/units.ts`, which re-exports
 * it), so a record parsed by zod and a value read from a clock are one type. Defined here, below
 * the model, so a clock can return it.
 */
export type EpochMs = number & z.$brand<'EpochMs'>;

/**
 * `value` as `EpochMs` without a check (a type only: no cost at run time), for values read from a
 * clock and instants computed from instants (`asEpochMs(now + timeoutMs)`). The checking
 * constructor is `epochMs` in `core/model/units.ts`.
 */
export function asEpochMs(value: number): EpochMs {
  return value as EpochMs;
}

export interface Clock {
  /** Milliseconds since the epoch (an integer for the wall clock). */
  now(): EpochMs;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() as EpochMs };

/** A clock that moves only when told to: the engine's virtual time and the tests' time. */
export class VirtualClock implements Clock {
  constructor(private nowMs = Date.UTC(2026, 0, 1)) {}

  now(): EpochMs {
    return this.nowMs as EpochMs;
  }

  /** Moves to `ms` (never backwards). */
  set(ms: number): void {
    if (ms > this.nowMs) this.nowMs = ms;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}

const HOUR_MS = 3_600_000;
const HOUR_MEMORY = 4096;

/**
 * The UTC offset (ms, east positive) of the IANA `timezone` at an instant (epoch ms), as the
 * platform's ICU gives it (`Intl.DateTimeFormat`); throws a `RangeError` at creation for a zone ICU
 * does not know. One formatting costs about 20 µs, so an offset is remembered per UTC hour when the
 * hour's first and last second agree; inside an hour that holds a transition it is looked up per
 * second (zones also change on half hours: Australia/Lord_Howe moves at 15:30 UTC in October).
 * The memory is dropped past 4,096 hours. Used by the importer's naive timestamps
 * (`core/data/timestamps.ts`) and the schedules' cron rules (`core/schedule/cron-rule.ts`).
 */
export function zoneOffsets(timezone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const exact = (instant: number): number => {
    const second = Math.floor(instant / 1000) * 1000;
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(second)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second) - second;
  };
  /** Per UTC hour: its one offset, or null when a transition falls inside it. */
  const hours = new Map<number, number | null>();
  return (instant) => {
    const hour = Math.floor(instant / HOUR_MS);
    let offset = hours.get(hour);
    if (offset === undefined) {
      const first = exact(hour * HOUR_MS);
      offset = first === exact(hour * HOUR_MS + HOUR_MS - 1000) ? first : null;
      if (hours.size >= HOUR_MEMORY) hours.clear();
      hours.set(hour, offset);
    }
    return offset ?? exact(instant);
  };
}
