/**
 * Turns what a user sent into a validated schedule spec: the schedule's own fields, its cron rule
 * (croner), and the campaign config each run is created from (the campaign schema), every issue
 * named by its field path (`cron`, `timezone`, `campaign.venues.a.name`…).
 */
import { campaignFromObject } from '../config/load-config.js';
import { toFieldIssues } from '../config/zod-issues.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { parseCronRule, type CronRule } from './cron-rule.js';
import { calendarOf, type Calendar } from './schedule-policy.js';
import { ScheduleSpecSchema, type ScheduleSpec } from '../model/schedule-record.js';

/**
 * Validates a schedule spec. The campaign config's own `schedule` block means this: its `cron`
 * is the schedule's cron when the spec gives none, its `startAt` the schedule's `startAt`
 * likewise; it is then removed from the config runs are created from (each run starts at once).
 * @throws ValidationError naming every wrong field (a cron that never occurs, such as `0 0 31 2 *`, included).
 */
export function parseScheduleSpec(raw: unknown, source?: string): { spec: ScheduleSpec; calendar: Calendar } {
  const input = withCampaignSchedule(raw);
  const parsed = ScheduleSpecSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), source);
  const spec = parsed.data;
  const issues: FieldIssue[] = [];
  const rule = parseCronRule(spec.cron, spec.timezone);
  if (Array.isArray(rule)) issues.push(...rule);
  if (spec.startAt !== undefined && spec.until !== undefined && Date.parse(spec.until) <= Date.parse(spec.startAt)) {
    issues.push({ path: 'until', message: `must be after startAt (${spec.startAt}), got ${spec.until}` });
  }
  let campaign: Record<string, unknown> = spec.campaign;
  try {
    const { config } = campaignFromObject(spec.campaign);
    const { schedule: _calendarMovedToTheSchedule, ...rest } = config;
    campaign = rest as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues.map((issue) => ({ path: issue.path === '' ? 'campaign' : `campaign.${issue.path}`, message: issue.message })));
  }
  if (issues.length > 0) throw new ValidationError(issues, source);
  const validSpec = { ...spec, campaign };
  return { spec: validSpec, calendar: calendarOf(validSpec, rule as CronRule) };
}

/** The calendar of a stored (already validated) spec. */
export function calendarOfSpec(spec: ScheduleSpec): Calendar {
  const rule = parseCronRule(spec.cron, spec.timezone);
  if (Array.isArray(rule)) throw new ValidationError(rule, `schedule ${spec.name}`);
  return calendarOf(spec, rule);
}

/** Moves `campaign.schedule.cron` / `.startAt` up to the schedule when it does not set them itself. */
function withCampaignSchedule(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const spec = raw as Record<string, unknown>;
  const campaign = spec.campaign;
  if (typeof campaign !== 'object' || campaign === null || Array.isArray(campaign)) return raw;
  const schedule = (campaign as Record<string, unknown>).schedule;
  if (typeof schedule !== 'object' || schedule === null) return raw;
  const { cron, startAt } = schedule as Record<string, unknown>;
  return {
    ...(spec.cron === undefined && cron !== undefined ? { cron } : {}),
    ...(spec.startAt === undefined && startAt !== undefined ? { startAt } : {}),
    ...spec,
  };
}
