/**
 * The small rules of `core/model/` that the services and stores lean on, each at its edges
 * (written for the Stryker run of `core/model/`, docs/mutation.md): a writer identity and who holds
 * a shard (`shard-writer.ts`), a virtual clock (`records.ts`), a schedule occurrence's key and
 * events id (`schedule-record.ts`), fills grouped into trades and their cash (`fill.ts`), and the
 * ledger's seq helpers (`ledger-reconcile.ts`).
 */
import { describe, expect, it } from 'vitest';
import { LedgerConflictError, LedgerGapError } from '../../../core/errors.js';
import { cashMicros, type Fill, fillCashMicros, foldTrades } from '../../../core/model/fill.js';
import { committedFills, isSeqRun, reconcileCommit, refuseGaps, seqRange } from '../../../core/model/ledger-reconcile.js';
import { isVirtualClock } from '../../../core/model/records.js';
import { occurrenceKey, scheduleEventsId } from '../../../core/model/schedule-record.js';
import { newWriterId, shardHolderBesides } from '../../../core/model/shard-writer.js';
import { fill, fills } from '../../contract/record-builders.js';
import { ms } from '../../../core/model/units.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('a writer identity (shard-writer.ts)', () => {
  it('a UUID, after the hint and a slash when there is one; never the same twice', () => {
    expect(newWriterId()).toMatch(new RegExp(`^${UUID}$`));
    expect(newWriterId('')).toMatch(new RegExp(`^${UUID}$`));
    expect(newWriterId('pid 4242')).toMatch(new RegExp(`^pid 4242/${UUID}$`));
    expect(newWriterId('pid 4242')).not.toBe(newWriterId('pid 4242'));
  });

  it('who else holds the shard: no one unclaimed, for another generation or for the writer itself; else the claimant', () => {
    const claim = { id: 'w-1', generation: 3, claimedAt: ms(0) };
    expect(shardHolderBesides(undefined, 3, 'w-2')).toBeUndefined();
    expect(shardHolderBesides(claim, 4, 'w-2')).toBeUndefined();
    expect(shardHolderBesides(claim, 3, 'w-1')).toBeUndefined();
    expect(shardHolderBesides(claim, 3, 'w-2')).toBe('w-1');
  });
});

describe('records and schedules', () => {
  it('only clock: virtual is a virtual clock (a config from before the field is real)', () => {
    expect(isVirtualClock({ clock: 'virtual' })).toBe(true);
    expect(isVirtualClock({ clock: 'real' })).toBe(false);
    expect(isVirtualClock({})).toBe(false);
  });

  it("an occurrence's idempotency key, a trigger's marked as such, and the schedule's events id", () => {
    const at = Date.parse('2026-02-02T00:10:00Z');
    expect(occurrenceKey('soak', at)).toBe('schedule:soak:2026-02-02T00:10:00.000Z');
    expect(occurrenceKey('soak', at, true)).toBe('schedule:soak:trigger:2026-02-02T00:10:00.000Z');
    expect(scheduleEventsId('soak')).toBe('schedule:soak');
  });
});

describe('fills (fill.ts)', () => {
  it('a trade is the fills of one (shard, tradeId): in order of each first fill, shard by shard, every fill folded in once', () => {
    const withTrade = (seq: number, tradeId: number): Fill => ({ ...fill(seq, 0), tradeId });
    const started: string[] = [];
    const trades = foldTrades(
      { 'shard-000': [withTrade(0, 7), withTrade(1, 5), withTrade(2, 7)], 'shard-001': [withTrade(0, 7)] },
      (shardId, first) => {
        started.push(`${shardId}#${first.tradeId}@${first.seq}`);
        return { shardId, tradeId: first.tradeId, seqs: [] as number[] };
      },
      (trade, f) => trade.seqs.push(f.seq),
    );
    expect(started).toEqual(['shard-000#7@0', 'shard-000#5@1', 'shard-001#7@0']);
    expect(trades).toEqual([
      { shardId: 'shard-000', tradeId: 7, seqs: [0, 2] },
      { shardId: 'shard-000', tradeId: 5, seqs: [1] },
      { shardId: 'shard-001', tradeId: 7, seqs: [0] },
    ]);
  });

  it("a fill's cash in micro-units of venue B's quote: a sell brings its notional in, a buy pays it, the fee always costs; venue A converted by fxRate", () => {
    const base = { qty: 2, price: 1_500, fee: 3, fxRate: 1_500 };
    expect(fillCashMicros({ ...base, venue: 'A', side: 'SELL' })).toBe(2_000_000 - 2_000);
    expect(fillCashMicros({ ...base, venue: 'A', side: 'BUY' })).toBe(-2_000_000 - 2_000);
    expect(fillCashMicros({ ...base, venue: 'B', side: 'SELL' })).toBe(3_000_000_000 - 3_000_000);
    expect(cashMicros(3, true, 1, 1, 0)).toBe(333_333); // rounded to the micro
  });
});

describe('the ledger seq helpers (ledger-reconcile.ts)', () => {
  it('seqRange: none for no fills; else the lowest and highest, in any order', () => {
    expect(seqRange([])).toBeUndefined();
    expect(seqRange([{ seq: 7 }])).toEqual({ low: 7, high: 7 });
    expect(seqRange([{ seq: 4 }, { seq: 9 }, { seq: 2 }])).toEqual({ low: 2, high: 9 });
  });

  it('committedFills keeps the fills at or below the head', () => {
    expect(committedFills(fills(0, 5, 0), 2).map((f) => f.seq)).toEqual([0, 1, 2]);
    expect(committedFills(fills(0, 2, 0), -1)).toEqual([]);
  });

  it('isSeqRun: none or one fill is a run; each next seq must be one more', () => {
    expect(isSeqRun([])).toBe(true);
    expect(isSeqRun([fill(5, 0)])).toBe(true);
    expect(isSeqRun(fills(3, 3, 0))).toBe(true);
    expect(isSeqRun([fill(1, 0), fill(3, 0)])).toBe(false);
    expect(isSeqRun([fill(2, 0), fill(1, 0)])).toBe(false);
  });

  it('refuseGaps: the covered fills continue the head one by one, or the first out of line is named with the seq expected', () => {
    expect(() => refuseGaps('shard-000', 1, fills(2, 3, 0))).not.toThrow();
    expect(() => refuseGaps('shard-000', -1, [])).not.toThrow();
    const error = (() => {
      try {
        refuseGaps('shard-000', 1, [fill(2, 0), fill(4, 0)]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(LedgerGapError);
    expect(error).toMatchObject({ shardId: 'shard-000', seq: 4, expectedSeq: 3 });
  });
});

describe('reconcileCommit: an orphan of the committing generation (above the head)', () => {
  const head = { committedSeq: 2, generation: 2 };
  const orphan = (writer?: string) => ({ fill: { ...fill(3, 2), qty: 9 }, writerGeneration: 2, ...(writer === undefined ? {} : { writer }) });

  it('written by the writer this one took over from: written over', () => {
    expect(reconcileCommit('shard-000', [fill(3, 2)], [orphan('w-1')], { ...head, writer: 'w-2' })).toEqual({
      toWrite: [fill(3, 2)],
      covered: [fill(3, 2)],
      alreadyStored: 0,
    });
  });

  it('of an unknown writer, or met by a writer that names none: a different fill under its seq is a conflict', () => {
    expect(() => reconcileCommit('shard-000', [fill(3, 2)], [orphan()], { ...head, writer: 'w-2' })).toThrow(LedgerConflictError);
    expect(() => reconcileCommit('shard-000', [fill(3, 2)], [orphan('w-1')], head)).toThrow(LedgerConflictError);
  });

  it("the committing writer's own, identical: covered again, not written", () => {
    const own = { fill: fill(3, 2), writerGeneration: 2, writer: 'w-2' };
    expect(reconcileCommit('shard-000', [fill(3, 2)], [own], { ...head, writer: 'w-2' })).toEqual({ toWrite: [], covered: [fill(3, 2)], alreadyStored: 0 });
  });
});
