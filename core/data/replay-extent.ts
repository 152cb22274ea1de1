/**
 * Where a replay campaign's recorded data ends, per symbol, read by the control plane from the
 * files themselves: the evidence against which an engine's "my replay ran out" (`feedDone`) is
 * judged. The report's "Ran the full duration" excuses a shard that stopped short of the asked
 * window only when its data ended there; an engine that stopped reading halfway (a reader that gave
 * up on a line, a lost gzip member) and said feed-done passed the row on its own word
 * ("every shard played its replay to the end"), found by reading the row's code for what it
 * could not fail.
 */
import { statSync } from 'node:fs';
import type { CampaignConfig } from '../config/campaign-config.js';
import { replaySourcesOf } from './source-check.js';
import { SourceReader } from './source-reader.js';

/**
 * The most bytes of recorded files (as stored, compressed or not) read for their end: 256 MiB. The
 * 31,121 gzip candles (0.63 MB of gzip, and the daily FX CSV) take 140-200 ms, so a bound's worth of plain CSV takes seconds
 * and of gzip (several times the lines) longer; larger replays are judged on the engines' word, and
 * the report says so.
 */
export const REPLAY_EXTENT_MAX_BYTES = 256 * 1024 * 1024;

/** The recorded data's end: for each base asset, the time of its last update on venue A or B (ms, the engine's event time). */
export interface ReplayExtent {
  lastUpdateAt: Record<string, number>;
}

/**
 * Reads every source of a replay campaign through the reader its engines use (`order: 'skip'`, the
 * same formats, maps and zones), keeping each symbol's last update on venue A or B within
 * `[feed.from, feed.to)`, the window the engines play; FX rows are not a symbol's. Streams:
 * memory stays flat (the 31,121 5-minute candles in 140-200 ms).
 * @param options.maxBytes the most bytes read (default `REPLAY_EXTENT_MAX_BYTES`).
 * @param options.unchangedSince the campaign's creation (ms): a file modified after it is not what
 *   the engines read, and nothing is judged.
 * @returns undefined for a feed that is not a replay, when a source is missing, cannot be read, was
 *   modified after `unchangedSince`, or the sources hold more than `maxBytes` (the report then says
 *   the engines' feed-done was taken on their word).
 */
export function readReplayExtent(config: CampaignConfig, options: { maxBytes?: number; unchangedSince?: number } = {}): ReplayExtent | undefined {
  const maxBytes = options.maxBytes ?? REPLAY_EXTENT_MAX_BYTES;
  // A stored record read back may lack a feed (written before it had one): nothing to read then.
  if (config.feed?.kind !== 'replay') return undefined;
  const sources = replaySourcesOf(config);
  if (sources.length === 0) return undefined;
  // A report is not worth minutes of reading: past the bound the end is left to the engines' word.
  let bytes = 0;
  for (const { spec } of sources) {
    const file = statSync(spec.path, { throwIfNoEntry: false });
    // Changed since the campaign was created: not what its engines read (a report written again later).
    if (file === undefined || (options.unchangedSince !== undefined && file.mtimeMs > options.unchangedSince)) return undefined;
    bytes += file.size;
  }
  if (bytes > maxBytes) return undefined;
  // The engines play only [feed.from, feed.to): the data's end is the last update they could play.
  const fromMs = config.feed.from !== undefined ? Date.parse(config.feed.from) : Number.NEGATIVE_INFINITY;
  const toMs = config.feed.to !== undefined ? Date.parse(config.feed.to) : Number.POSITIVE_INFINITY;
  const lastUpdateAt: Record<string, number> = {};
  for (const { spec } of sources) {
    let reader: SourceReader | undefined;
    try {
      reader = new SourceReader({ ...spec, order: 'skip' });
      const r = reader.record;
      while (reader.next()) {
        if (r.venue === 'FX' || r.ts < fromMs || r.ts >= toMs) continue;
        const last = lastUpdateAt[r.symbol];
        if (last === undefined || r.ts > last) lastUpdateAt[r.symbol] = r.ts;
      }
    } catch {
      return undefined;
    } finally {
      reader?.close();
    }
  }
  return { lastUpdateAt };
}
