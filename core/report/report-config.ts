/**
 * What the report reads from a campaign's stored config. The record keeps the validated
 * `CampaignConfig` as data; the report needs only a few fields of it and must still build for a
 * record whose config predates a field, so it reads them leniently, with the config's defaults.
 */
import { z } from 'zod';
import { WatchdogSchema } from '../config/campaign-config.js';
import { ValidationError } from '../errors.js';
import type { CampaignRecord } from '../model/records.js';
import { TASK_PROTOCOL_VERSION } from '../model/task-protocol.js';

/**
 * The engine a campaign ran, as the report names it: `builtin`, or a `command` (with its image, if
 * any) behind the agent and the task protocol version the agent speaks (`core/model/task-protocol.ts`).
 */
export const ReportEngineSchema = z
  .object({
    kind: z.enum(['builtin', 'command']),
    command: z.array(z.string()).optional(),
    image: z.string().optional(),
    protocol: z.number().int().positive().optional(),
  })
  .strict();
export type ReportEngine = z.infer<typeof ReportEngineSchema>;

/** The engine in words: "built-in" or "`python3 engine.py` behind the agent, task protocol v1". */
export function engineText(engine: ReportEngine): string {
  if (engine.kind === 'builtin') return "built-in (arbfleet's own, in process)";
  const image = engine.image ? ` in image ${engine.image}` : '';
  return `${(engine.command ?? []).join(' ')}${image}, behind the agent, task protocol v${engine.protocol ?? TASK_PROTOCOL_VERSION}`;
}

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
  /** `engine` (built-in when absent: configs older than the field). */
  engine: ReportEngine;
}

const StoredConfigSchema = z.looseObject({
  name: z.string().optional(),
  duration: z.number().nonnegative().optional(),
  watchdog: z.looseObject({ staleAfter: z.number().positive().optional() }).optional(),
  venues: z.looseObject({ b: z.looseObject({ quoteCurrency: z.string().optional() }).optional() }).optional(),
  engine: z.looseObject({ kind: z.enum(['builtin', 'command']), command: z.array(z.string()).optional(), image: z.string().optional() }).optional(),
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
    engine:
      c.engine?.kind === 'command'
        ? { kind: 'command', command: c.engine.command ?? [], ...(c.engine.image ? { image: c.engine.image } : {}), protocol: TASK_PROTOCOL_VERSION }
        : { kind: 'builtin' },
  };
}
