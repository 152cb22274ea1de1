import { type EpochMs, VirtualClock } from '../core/clock.js';

interface Scheduled {
  at: number;
  order: number;
  fire: () => void;
}

/**
 * The simulation's scheduler: virtual time and one queue of events ordered by (time, order of
 * scheduling). It fires one event, then lets every promise continuation that event set off run
 * to its next wait (`setImmediate` is only a yield: nothing under simulation touches real time
 * or I/O, so the continuations are the same on every run), then fires the next. Each port call,
 * timer and delivery of the fleet is such an event, so actors interleave at every port call,
 * and the same seed gives the same interleaving.
 */
export class SimLoop {
  readonly clock: VirtualClock;
  readonly start: number;
  private readonly heap: Scheduled[] = [];
  private order = 0;
  private readonly lines: string[] = [];
  private hash = 0x811c9dc5;
  events = 0;

  constructor(
    start: number,
    private readonly keepTrace: boolean,
  ) {
    this.clock = new VirtualClock(start);
    this.start = start;
  }

  now(): EpochMs {
    return this.clock.now();
  }

  /** Runs `fire` at virtual time `at` (never before now). */
  at(at: number, fire: () => void): void {
    const event = { at: Math.max(at, this.clock.now()), order: this.order++, fire };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent] as Scheduled)) break;
      heap[i] = heap[parent] as Scheduled;
      i = parent;
    }
    heap[i] = event;
  }

  /** Resolves `ms` of virtual time from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.clock.now() + ms, resolve));
  }

  /** Fires every event due up to `until` (ms), in order, and leaves the clock there. */
  async run(until: number): Promise<void> {
    while (this.heap.length > 0 && (this.heap[0] as Scheduled).at <= until) {
      const event = this.pop();
      this.clock.set(event.at);
      this.events++;
      event.fire();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.clock.set(until);
  }

  /** Records one line of the trace (`<virtual seconds> <actor>: <what>`) and folds it into the trace hash. */
  note(actor: string, what: string): void {
    const line = `${((this.clock.now() - this.start) / 1000).toFixed(3)}s ${actor}: ${what}`;
    for (let i = 0; i < line.length; i++) this.hash = Math.imul(this.hash ^ line.charCodeAt(i), 0x01000193);
    if (this.keepTrace) this.lines.push(line);
  }

  /** The trace so far (empty unless kept). */
  trace(): readonly string[] {
    return this.lines;
  }

  /** FNV-1a over every trace line, as 8 hex digits: equal for equal runs. */
  traceHash(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }

  private pop(): Scheduled {
    const heap = this.heap;
    const top = heap[0] as Scheduled;
    const last = heap.pop() as Scheduled;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < n && before(heap[l] as Scheduled, best)) {
          m = l;
          best = heap[l] as Scheduled;
        }
        if (r < n && before(heap[r] as Scheduled, best)) {
          m = r;
          best = heap[r] as Scheduled;
        }
        if (m === i) break;
        heap[i] = best;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
