import { parseCampaignConfig } from '../../core/config/load-config.js';
import { resolveCampaign, type Campaign } from '../../core/config/resolve-campaign.js';
import { symbolUniverse } from '../../core/config/universe.js';
import type { CampaignConfigInput } from '../../core/config/campaign-config.js';
import type { ScheduleRecord } from '../../core/model/schedule-record.js';
import { ms } from '../../core/model/units.js';
import { parseScheduleSpec } from '../../core/schedule/schedule-spec.js';

/** A valid KRW/USDT campaign input; tests override what they are about. */
export function campaignInput(overrides: Partial<CampaignConfigInput> = {}): CampaignConfigInput {
  return {
    name: 'test-campaign',
    symbols: ['BTC', 'ETH', 'XRP', 'SOL'],
    venues: {
      a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 },
      b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 },
    },
    fx: { pair: 'USDT/KRW', rate: 1380 },
    feed: { kind: 'synthetic', seed: 11, ticksPerSecond: 10 },
    duration: '10m',
    ...overrides,
  };
}

/**
 * The campaign of the whole-path runs on the emulator: two shards of two symbols on a lively
 * synthetic market, heartbeats every 0.5 s, stale after 3 s, restarts without backoff.
 */
export function emulatorCampaignInput(name: string, seed: number): CampaignConfigInput {
  return campaignInput({
    name,
    symbols: ['BTC', 'ETH', 'XRP', 'SOL'],
    sharding: { symbolsPerShard: 2 },
    feed: { kind: 'synthetic', seed, ticksPerSecond: 20, dislocationBps: 40, dislocationHalfLife: '3s' },
    watchdog: { heartbeatInterval: '0.5s', staleAfter: '3s', launchTimeout: '30s', maxRestarts: 3, backoff: { initial: 0 } },
    monitor: { interval: '5s', flushInterval: '0.25s' },
    duration: '10m',
  });
}

/** A validated, resolved campaign for engine tests. */
export function testCampaign(overrides: Partial<CampaignConfigInput> = {}): Campaign {
  return resolveCampaign(parseCampaignConfig(campaignInput(overrides)), symbolUniverse());
}

export const T0 = Date.UTC(2026, 0, 1);

/**
 * A schedule as a store holds it: `input` parsed as the API parses it (every 10 minutes over
 * `campaignInput()` unless it says otherwise; its `name` is the id), active and never run, created
 * (and last updated) at `times.createdAt`, next due at `times.nextRunAt`; `state` over that.
 */
export function storedSchedule(
  input: Record<string, unknown>,
  times: { createdAt: number; nextRunAt: number; version: number },
  state: Partial<ScheduleRecord> = {},
): ScheduleRecord {
  const { spec } = parseScheduleSpec({ cron: '*/10 * * * *', campaign: campaignInput(), ...input });
  return {
    scheduleId: spec.name,
    spec,
    paused: false,
    nextRunAt: ms(times.nextRunAt),
    runs: 0,
    skipped: 0,
    missed: 0,
    createdAt: ms(times.createdAt),
    updatedAt: ms(times.createdAt),
    version: times.version,
    ...state,
  };
}
