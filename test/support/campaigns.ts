import { parseCampaignConfig } from '../../core/config/load-config.js';
import { resolveCampaign, type Campaign } from '../../core/config/resolve-campaign.js';
import { symbolUniverse } from '../../core/config/universe.js';
import type { CampaignConfigInput } from '../../core/config/campaign-config.js';

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
