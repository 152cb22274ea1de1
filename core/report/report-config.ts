/**
 * What the report reads from a campaign's stored config. The record keeps the validated
 * `CampaignConfig` as data; the report needs only a few fields of it and must still build for a
 * record whose config predates a field, so it reads them leniently, with the config's defaults.
 */
import { z } from 'zod';
import { WatchdogSchema } from '../config/campaign-config.js';
import { ValidationError } from '../errors.js';
import type { CampaignRecord, Heartbeat } from '../model/records.js';

/**
 * The engine a campaign ran, as the report names it: `builtin`, or a `command` (with its image, if
 * any) behind the agent. `name`, `version` and `protocol` are what the engine itself said in its
 * task protocol `hello` (`core/model/task-protocol.ts`), carried by the agent's heartbeats
 * (`Progress.engine`): absent when no heartbeat carries one (the built-in engine in process, an
 * engine that never said hello, older runs).
 */
export const ReportEngineSchema = z
  .object({
    kind: z.enum(['builtin', 'command']),
    command: z.array(z.string()).optional(),
    image: z.string().optional(),
    name: z.string().optional(),
    version: z.string().optional(),
    protocol: z.number().int().positive().optional(),
  })
  .strict();
export type ReportEngine = z.infer<typeof ReportEngineSchema>;

/**
 * The engine in words: "built-in (arbfleet's own, in process)", or "`python-seed-engine 0.1.0`
 * (`python3 engine.py`) behind the agent, task protocol v1" with what its hello said.
 */
export function engineText(engine: ReportEngine): string {
  const said = engine.name !== undefined ? `${engine.name} ${engine.version ?? ''}`.trim() : undefined;
  const protocol = engine.protocol !== undefined ? `task protocol v${engine.protocol}` : 'no hello heard';
  if (engine.kind === 'builtin') return said === undefined ? "built-in (arbfleet's own, in process)" : `built-in (${said}) behind the agent, ${protocol}`;
  const image = engine.image ? ` in image ${engine.image}` : '';
  const command = `${(engine.command ?? []).join(' ')}${image}`;
  return `${said === undefined ? command : `${said} (${command})`} behind the agent, ${protocol}`;
}

/**
 * The engine that ran: the config's `engine` with what the engines said in their `hello`, from the
 * latest heartbeat of any shard that carries one (`Progress.engine`). Not the config's claim: an
 * image or a command can hold another engine than the config's author thought.
 */
export function engineThatRan(configured: ReportEngine, histories: Iterable<readonly Heartbeat[]>): ReportEngine {
  let latest: Heartbeat | undefined;
  for (const history of histories) {
    for (let i = history.length - 1; i >= 0; i--) {
      const heartbeat = history[i] as Heartbeat;
      if (heartbeat.progress.engine === undefined) continue;
      if (latest === undefined || heartbeat.receivedAt > latest.receivedAt) latest = heartbeat;
      break;
    }
  }
  const said = latest?.progress.engine;
  return said === undefined ? configured : { ...configured, name: said.name, version: said.version, protocol: said.protocol };
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
  /** `engine` as configured (built-in when absent: configs older than the field); `engineThatRan` adds what the engine said. */
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
        ? { kind: 'command', command: c.engine.command ?? [], ...(c.engine.image ? { image: c.engine.image } : {}) }
        : { kind: 'builtin' },
  };
}
