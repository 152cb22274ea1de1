/**
 * Time, injected. Nothing outside this file reads the wall clock, so tests and soaks can run a
 * simulated hour in seconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: the engine's virtual time and the tests' time. */
export class VirtualClock implements Clock {
  constructor(private nowMs = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.nowMs;
  }

  /** Moves to `ms` (never backwards). */
  set(ms: number): void {
    if (ms > this.nowMs) this.nowMs = ms;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}
