/**
 * What the report reads from a campaign's stored config. The record keeps the validated
 * `CampaignConfig` as data; the report needs only a few fields of it and must still build for a
 * record whose config predates a field, so it reads them leniently, with the config's defaults.
 */
import { z } from 'zod';
import { WatchdogSchema } from '../config/campaign-config.js';
import { ValidationError } from '../errors.js';
import type { CampaignRecord } from '../model/records.js';

/** The config fields a report uses. */
export interface ReportConfig {
  /** The config's `name` (the campaign record's name when absent). */
  name: string;
  /** Configured duration in seconds (from `endsAt - startedAt` when absent, else 0). */
  durationSec: number;
  /** `watchdog.staleAfter` in seconds. */
  staleAfterSec: number;
  /** `venues.b.quoteCurrency`: the reporting currency (empty when absent). */
  currency: string;
}

const StoredConfigSchema = z.looseObject({
  name: z.string().optional(),
  duration: z.number().nonnegative().optional(),
  watchdog: z.looseObject({ staleAfter: z.number().positive().optional() }).optional(),
  venues: z.looseObject({ b: z.looseObject({ quoteCurrency: z.string().optional() }).optional() }).optional(),
});

const DEFAULT_STALE_AFTER_SEC = WatchdogSchema.parse({}).staleAfter;

/** Reads the report's config fields from `campaign.config`; `ValidationError` names a malformed field. */
export function reportConfigOf(campaign: CampaignRecord): ReportConfig {
  const parsed = StoredConfigSchema.safeParse(campaign.config);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(issues, `campaign ${campaign.campaignId} config`);
  }
  const c = parsed.data;
  const scheduled = campaign.startedAt !== undefined && campaign.endsAt !== undefined ? (campaign.endsAt - campaign.startedAt) / 1000 : 0;
  return {
    name: c.name ?? campaign.name,
    durationSec: c.duration ?? scheduled,
    staleAfterSec: c.watchdog?.staleAfter ?? DEFAULT_STALE_AFTER_SEC,
    currency: c.venues?.b?.quoteCurrency ?? '',
  };
}
