/**
 * `readReplayExtent`: where a replay's recorded files end, per symbol, as its engines would play
 * them (the real 15-minute candles of both venues and the daily USD/KRW rate).
 */
import { describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../../../core/config/campaign-config.js';
import { loadCampaignFile } from '../../../core/config/load-config.js';
import { readReplayExtent } from '../../../core/data/replay-extent.js';

const REAL = new URL('../../../configs/real-btc-candles.yaml', import.meta.url).pathname;
const config = (): CampaignConfig => structuredClone(loadCampaignFile(REAL).config);

describe('readReplayExtent', () => {
  it("gives each symbol's last update on venue A or B, at the candle's close time; FX rows are no symbol's", () => {
    expect(readReplayExtent(config())).toEqual({ lastUpdateAt: { BTC: Date.parse('2025-08-23T23:15:00Z') } });
  });

  it('keeps to the window the engines play, [feed.from, feed.to)', () => {
    const windowed = config();
    if (windowed.feed.kind !== 'replay') throw new Error('a replay config');
    windowed.feed.to = '2025-08-22T12:00:00Z';
    expect(readReplayExtent(windowed)).toEqual({ lastUpdateAt: { BTC: Date.parse('2025-08-22T11:45:00Z') } });
  });

  it('reads nothing for another feed, a file that cannot be read, or files above the byte bound', () => {
    expect(readReplayExtent({ ...config(), feed: { kind: 'synthetic' } } as unknown as CampaignConfig)).toBeUndefined();
    const missing = config();
    if (missing.feed.kind !== 'replay') throw new Error('a replay config');
    missing.feed.sources![0]!.path = '/nonexistent/upbit.csv';
    expect(readReplayExtent(missing)).toBeUndefined();
    expect(readReplayExtent(config(), { maxBytes: 1_000 })).toBeUndefined();
  });

  it('reads nothing from files modified after the campaign was created (a report written again later)', () => {
    const when = Date.now(); // the fixtures are older
    expect(readReplayExtent(config(), { unchangedSince: when })).toEqual({ lastUpdateAt: { BTC: Date.parse('2025-08-23T23:15:00Z') } });
    expect(readReplayExtent(config(), { unchangedSince: Date.parse('2020-01-01T00:00:00Z') })).toBeUndefined();
  });
});
