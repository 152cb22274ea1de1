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

/** A validated, resolved campaign for engine tests. */
export function testCampaign(overrides: Partial<CampaignConfigInput> = {}): Campaign {
  return resolveCampaign(parseCampaignConfig(campaignInput(overrides)), symbolUniverse());
}

export const T0 = Date.UTC(2026, 0, 1);
