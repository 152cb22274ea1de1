import type { ReplayFeedConfig } from '../../../core/config/campaign-config.js';
import type { LinePosition } from '../../../core/data/line-reader.js';
import { SKIP_REASONS, type RecordVenue } from '../../../core/data/quote-record.js';
import { SourceReader, type LineProblem, type SourceSpec } from '../../../core/data/source-reader.js';
import type { VenueQuality } from '../../../core/model/progress.js';
import type { MarketFeed, QuoteSink } from '../../../core/data/market-feed.js';

export interface ReplayFeedOptions {
  /** The replay feed of the campaign config: a canonical `path` or per-venue `sources` (absolute paths, or relative to the working directory). */
  feed: Pick<ReplayFeedConfig, 'path' | 'format' | 'sources' | 'from' | 'to'> & { strict?: boolean };
  /** This shard's base assets; instrument `i * 2 + venue` is `shardSymbols[i]` on venue A (0) or B (1). */
  shardSymbols: readonly string[];
  /** Quote currencies of venues A and B, for automatic symbol mapping (`BTCUSDT` on a USDT venue is BTC). */
  quotes: { a: string; b: string };
}

/** Per-venue replay quality: updates delivered to this shard and lines skipped, by reason. */
export type ReplayQuality = Record<'a' | 'b' | 'fx', VenueQuality>;

const VENUE_KEYS: Record<RecordVenue, 'a' | 'b' | 'fx'> = { A: 'a', B: 'b', FX: 'fx' };

/**
 * Replays recorded market updates in time order, streaming: each source is read in 1 MiB chunks
 * inside `emitUntil` (`core/data/source-reader.ts`), so memory stays flat whatever the files'
 * size. The sources are the canonical file of `feed.path` (`ts,symbol,venue,bid,ask` CSV or JSON
 * lines, see `core/data/formats/canonical.ts`), or `feed.sources`, each read through its format's
 * decoder and merged by event time. Only updates in `[feed.from, feed.to)` are played, but for
 * the last FX rate recorded before `from` (the rate in force, e.g. yesterday's daily close): it
 * comes first, stamped with its own recorded time so its age is told truly.
 *
 * Updates recorded at the same time are delivered one after the other whichever source they come
 * from (ties go in the order of `feed.sources`), and `nextTickAt` says when the next one is: the
 * engine applies a whole group of simultaneous updates before deciding (issue 19, `Engine.settle`)
 * and the runner decides it only once `nextTickAt` has moved past it, so a slice (`maxTicks`)
 * that ends inside a group splits no decision.
 *
 * A bad line (unparseable, crossed, zero, negative or non-finite, out of order, duplicate, an
 * unmapped symbol) is skipped and counted per venue and reason (`quality()`); under
 * `feed.strict` it is refused: `emitUntil` (or the constructor, for the first lines) throws a
 * `ValidationError` naming file:line, as it always does for a timestamp it cannot trust.
 *
 * Checkpoint state: for each source, the byte offset and line of the next update not yet
 * delivered, plus the counts so far: a restarted shard resumes at the same recorded position.
 */
export class ReplayFeed implements MarketFeed {
  private readonly specs: SourceSpec[];
  private readers: SourceReader[];
  /** Whether `readers[i].record` holds an update not yet delivered. */
  private pending: boolean[];
  private readonly instruments: Map<string, number>;
  private readonly fromMs: number;
  private readonly toMs: number;
  /** Added to recorded times: 0 in virtual time, the shift to "now" when paced in real time. */
  private offsetMs = 0;
  private readonly updates = { A: 0, B: 0, FX: 0 };
  private readonly lastAt: Record<RecordVenue, number | undefined> = { A: undefined, B: undefined, FX: undefined };
  /** Counts restored from a checkpoint (lines skipped before this generation's readers started). */
  private restoredSkips: Record<RecordVenue, Record<string, number>> = { A: {}, B: {}, FX: {} };
  private emitted = 0;
  /** The last FX rate recorded before `feed.from`: the rate in force when the window opens, delivered first (with its own recorded time). */
  private carryFx: { ts: number; rate: number } | undefined;

  constructor(options: ReplayFeedOptions) {
    const { feed, shardSymbols, quotes } = options;
    const symbols = new Set(shardSymbols);
    const strict = feed.strict ?? false;
    if (feed.path !== undefined)
      this.specs = [
        { path: feed.path, format: 'canonical', strict, quotes, symbols, order: 'skip', ...(feed.format !== undefined ? { shape: feed.format } : {}) },
      ];
    else {
      this.specs = (feed.sources ?? []).map((s) => ({
        path: s.path,
        format: s.format,
        venue: s.venue,
        strict,
        quotes,
        symbols,
        order: 'skip' as const,
        timeUnit: s.timeUnit,
        ...(s.symbolMap !== undefined ? { symbolMap: s.symbolMap } : {}),
        ...(s.tz !== undefined ? { tz: s.tz } : {}),
        ...(s.halfSpreadBps !== undefined ? { halfSpreadBps: s.halfSpreadBps } : {}),
      }));
    }
    this.instruments = new Map(shardSymbols.map((s, i) => [s, i]));
    this.fromMs = feed.from !== undefined ? Date.parse(feed.from) : -Infinity;
    this.toMs = feed.to !== undefined ? Date.parse(feed.to) : Infinity;
    this.readers = this.specs.map((spec) => new SourceReader(spec));
    this.pending = this.readers.map((r) => this.advance(r));
    if (feed.from === undefined) this.startAtFirstQuote();
  }

  /**
   * Without `feed.from`, the replay starts at the first quote, not at the first FX rate: a daily
   * FX series reaches back years (`USD-KRW-daily.csv`: 2011) and would otherwise set a virtual
   * campaign's start there, years before any quote. The FX rates before the first quote are
   * passed over but for the last one, the rate in force, delivered first as with `from`.
   */
  private startAtFirstQuote(): void {
    let first = Infinity;
    this.readers.forEach((r, i) => {
      if (this.pending[i] && this.specs[i]?.venue !== 'fx') first = Math.min(first, r.record.ts);
    });
    if (first === Infinity) return; // FX alone: nothing to start at but the FX itself
    this.readers.forEach((r, i) => {
      if (this.specs[i]?.venue !== 'fx') return;
      while (this.pending[i] && r.record.ts < first) {
        if (this.carryFx === undefined || r.record.ts >= this.carryFx.ts) this.carryFx = { ts: r.record.ts, rate: r.record.bid };
        this.pending[i] = this.advance(r);
      }
    });
  }

  emitUntil(untilMs: number, maxTicks: number, sink: QuoteSink): number {
    let emitted = 0;
    if (this.carryFx !== undefined && maxTicks > 0 && Math.max(this.carryFx.ts, this.nextRecordedAt()) + this.offsetMs <= untilMs) {
      sink.onFx(this.carryFx.rate, this.carryFx.ts + this.offsetMs);
      this.updates.FX++;
      this.lastAt.FX = this.carryFx.ts;
      this.carryFx = undefined;
      this.emitted++;
      emitted++;
    }
    const readers = this.readers;
    const pending = this.pending;
    const single = readers.length === 1;
    while (emitted < maxTicks) {
      let best = -1;
      let bestTs = Infinity;
      if (single) {
        if (pending[0]) {
          best = 0;
          bestTs = (readers[0] as SourceReader).record.ts;
        }
      } else {
        for (let i = 0; i < readers.length; i++) {
          if (!pending[i]) continue;
          const ts = (readers[i] as SourceReader).record.ts;
          if (ts < bestTs) {
            bestTs = ts;
            best = i;
          }
        }
      }
      if (best < 0 || bestTs + this.offsetMs > untilMs) break;
      const reader = readers[best] as SourceReader;
      const r = reader.record;
      const ts = bestTs + this.offsetMs;
      // A live recording's exchange time (NaN for other data) moves with the recorded time: the lag stays what it was live.
      const exchangeTs = r.exchangeTs + this.offsetMs;
      if (r.venue === 'FX') sink.onFx(r.bid, ts, exchangeTs);
      else {
        const instrument = (this.instruments.get(r.symbol) as number) * 2 + (r.venue === 'A' ? 0 : 1);
        // Sizes and depth, when recorded, go just before their quote (issue 19's execution models).
        if (r.bidLevels > 0 && sink.onLevels !== undefined) sink.onLevels(instrument, r);
        sink.onQuote(instrument, r.bid, r.ask, ts, exchangeTs);
      }
      this.updates[r.venue]++;
      this.lastAt[r.venue] = bestTs;
      this.emitted++;
      emitted++;
      pending[best] = this.advance(reader);
    }
    return emitted;
  }

  nextTickAt(): number {
    const ts = this.nextRecordedAt();
    return ts === Infinity ? Infinity : ts + this.offsetMs;
  }

  rebase(ms: number): void {
    const ts = this.nextRecordedAt();
    if (ts !== Infinity) this.offsetMs = ms - ts;
  }

  /** Recorded time of the next update (where a virtual-time run starts); 0 when there is none. */
  firstTickAt(): number {
    const ts = this.nextRecordedAt();
    return ts === Infinity ? 0 : ts;
  }

  /**
   * Per venue (`a`, `b`, `fx`): updates delivered to this shard, the recorded time of the last,
   * and lines skipped by reason (`unparseable`, `crossed`, `non-positive`, `non-finite`,
   * `unmapped-symbol`, `out-of-order`, `duplicate`; see `core/data/quote-record.ts`), cumulative
   * across restarts. The shape of `Progress.venues` (`core/model/progress.ts`): the engine's
   * heartbeat merges its own counts (e.g. `fx-jump`) into it.
   */
  quality(): ReplayQuality {
    const out = {} as ReplayQuality;
    for (const venue of ['A', 'B', 'FX'] as const) {
      const skipped = this.skipCounts(venue);
      const last = this.lastAt[venue];
      out[VENUE_KEYS[venue]] = { updates: this.updates[venue], ...(last !== undefined ? { lastUpdateAt: last } : {}), skipped };
    }
    return out;
  }

  /** The first few skipped lines of each reason, with file:line, and the symbols no map could name. */
  problems(): { lines: LineProblem[]; unmapped: Record<string, number> } {
    const unmapped: Record<string, number> = {};
    for (const r of this.readers) for (const [s, n] of r.unmapped()) unmapped[s] = (unmapped[s] ?? 0) + n;
    return { lines: this.readers.flatMap((r) => r.problems), unmapped };
  }

  state(): Record<string, unknown> {
    const sources = this.readers.map((r, i) => (this.pending[i] ? r.position() : { byte: -1, line: -1 }));
    const skipped = { A: this.skipCounts('A'), B: this.skipCounts('B'), FX: this.skipCounts('FX') };
    return {
      kind: 'replay',
      offsetMs: this.offsetMs,
      emitted: this.emitted,
      sources,
      updates: { ...this.updates },
      lastAt: { ...this.lastAt },
      skipped,
      ...(this.carryFx ? { carryFx: this.carryFx } : {}),
    };
  }

  restore(state: Record<string, unknown>): void {
    if (state.kind !== 'replay') throw new Error(`checkpoint feed state is ${String(state.kind)}, this shard replays recorded data`);
    const sources = state.sources as LinePosition[] | undefined;
    if (sources === undefined) {
      // A checkpoint from before streaming replay: skip as many updates as it had delivered.
      this.fastForward(state.next as number);
    } else {
      if (sources.length !== this.specs.length) throw new Error(`checkpoint holds ${sources.length} replay source(s), the feed has ${this.specs.length}`);
      for (const r of this.readers) r.close();
      this.readers = this.specs.map((spec, i) => {
        const at = sources[i] as LinePosition;
        return at.line < 0 ? new SourceReader({ ...spec, path: spec.path }, { byte: Number.MAX_SAFE_INTEGER, line: 0 }) : new SourceReader(spec, at);
      });
      this.pending = this.readers.map((r, i) => ((sources[i] as LinePosition).line < 0 ? false : this.advance(r)));
      Object.assign(this.updates, state.updates as object);
      Object.assign(this.lastAt, state.lastAt as object);
      this.restoredSkips = state.skipped as Record<RecordVenue, Record<string, number>>;
      this.emitted = state.emitted as number;
      this.carryFx = state.carryFx as { ts: number; rate: number } | undefined;
    }
    this.offsetMs = state.offsetMs as number;
  }

  /** Moves a reader to its next update inside [from, to); false when it has none left. */
  private advance(reader: SourceReader): boolean {
    for (;;) {
      if (!reader.next()) return false;
      const ts = reader.record.ts;
      if (ts >= this.toMs) return false;
      if (ts >= this.fromMs) return true;
      if (reader.record.venue === 'FX' && (this.carryFx === undefined || ts >= this.carryFx.ts)) this.carryFx = { ts, rate: reader.record.bid };
    }
  }

  /**
   * Recorded time of the next update to play. A carried FX rate (recorded before the window or
   * the first quote) does not count: it goes out with the first update after it, so the replay's
   * time starts where its quotes do, not at the rate's older stamp.
   */
  private nextRecordedAt(): number {
    let next = Infinity;
    for (let i = 0; i < this.readers.length; i++) {
      if (this.pending[i]) next = Math.min(next, (this.readers[i] as SourceReader).record.ts);
    }
    return next === Infinity && this.carryFx !== undefined ? this.carryFx.ts : next;
  }

  private skipCounts(venue: RecordVenue): Record<string, number> {
    const counts: Record<string, number> = { ...this.restoredSkips[venue] };
    for (const r of this.readers) {
      const mine = r.skipped[venue];
      for (const reason of SKIP_REASONS) {
        const n = mine[reason];
        if (n !== undefined) counts[reason] = (counts[reason] ?? 0) + n;
      }
    }
    return counts;
  }

  private fastForward(updates: number): void {
    const discard: QuoteSink = { onQuote: () => undefined, onFx: () => undefined };
    let left = updates;
    while (left > 0) {
      const n = this.emitUntil(Infinity, Math.min(left, 65_536), discard);
      if (n === 0) break;
      left -= n;
    }
  }
}
