/**
 * The FX rate's gate against bad prints. An update that moves more than `fxJumpBps` from the last
 * accepted rate is held, not used: entries are refused (`fx-unconfirmed`) and trades are marked
 * at the last accepted rate until a second update confirms it, i.e. lies within `fxJumpBps` of
 * the held one. An update back within `fxJumpBps` of the accepted rate drops the held print (it
 * was a spike: `../shared/cases/case04`, one print 50 % off for 10 s). The first update from the
 * feed replaces the configured rate without comparison: a config constant is no observation.
 */
import type { BookTable } from './book-table.js';

export const FX_ACCEPTED = 0;
export const FX_HELD = 1;

export class FxGuard {
  /** Event time of the accepted rate, ms; NaN while the configured rate stands (it never ages). */
  acceptedAt = Number.NaN;
  /** True once a rate from the feed was accepted (the configured one no longer stands). */
  observed = false;
  /** The held print (NaN when none) and its event time. */
  held = Number.NaN;
  heldAt = Number.NaN;
  private readonly jump: number;

  /** `jumpBps`: `strategy.fxJumpBps`. The accepted rate lives in `book.fxRate`. */
  constructor(
    private readonly book: BookTable,
    jumpBps: number,
  ) {
    this.jump = jumpBps / 1e4;
  }

  /** True while a jump waits for its confirmation. */
  isHeld(): boolean {
    return this.held === this.held;
  }

  /** Offers a finite, positive rate stamped `ts`; returns `FX_ACCEPTED` or `FX_HELD`. */
  offer(rate: number, ts: number): number {
    if (!this.observed || Math.abs(rate / this.book.fxRate - 1) <= this.jump) return this.accept(rate, ts);
    if (this.isHeld() && Math.abs(rate / this.held - 1) <= this.jump) return this.accept(rate, ts);
    this.held = rate;
    this.heldAt = ts;
    return FX_HELD;
  }

  /** Puts back the accepted rate a checkpoint kept (`at` absent: the configured rate). */
  restore(rate: number, at: number | undefined): void {
    this.book.fxRate = rate;
    this.acceptedAt = at ?? Number.NaN;
    this.observed = at !== undefined;
  }

  private accept(rate: number, ts: number): number {
    this.book.fxRate = rate;
    this.acceptedAt = ts;
    this.observed = true;
    this.held = Number.NaN;
    this.heldAt = Number.NaN;
    return FX_ACCEPTED;
  }
}
