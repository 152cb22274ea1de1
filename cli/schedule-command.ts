/**
 * `arbfleet schedule …` and `arbfleet remote schedule …`: the schedule commands, one code path for
 * three ways of reaching the control plane: the HTTP API of `arbfleet serve` (default), its data
 * folder directly (`--data DIR`: the same API handler in this process, over the same SQLite file;
 * the running service picks the change up on its next tick), or a deployed stack (SigV4).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createApiHandler } from '../core/api/api-handler.js';
import { LOCAL_CLIENT_HEADER, LOCAL_CLIENT_NAME } from '../core/api/local-request-guard.js';
import { systemClock } from '../core/clock.js';
import { parseConfigText } from '../core/config/load-config.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { CampaignService } from '../core/fleet/campaign-service.js';
import { MemoryLaunchQueue } from '../core/local/memory-launch-queue.js';
import { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../core/local/sqlite-schedule-store.js';
import type { ScheduleRecord } from '../core/model/schedule-record.js';
import type { ScheduleView, TaskLauncher, TriggerResult } from '../core/ports.js';
import { ScheduleService } from '../core/schedule/schedule-service.js';
import type { RemoteResponse } from './remote-api.js';
import { DEFAULT_SERVE_PORT } from './command-help.js';
import { renderScheduleList, renderScheduleView, renderTrigger, apiRefusal, type RefusedRequest } from './schedule-output.js';

/** The schedule commands, each the API call it makes. */
export const SCHEDULE_VERBS = ['create', 'list', 'show', 'pause', 'resume', 'trigger', 'delete'] as const;
export type ScheduleVerb = (typeof SCHEDULE_VERBS)[number];

/** The schedule commands' own options, as `cli/program.ts` declares them. */
export interface ScheduleOptions {
  name?: string;
  cron?: string;
  timezone?: string;
  overlap?: string;
  next?: string;
  note?: string;
  /** Print the API's JSON answer instead of tables and sentences. */
  json?: boolean;
}

/** Sends one API request (local HTTP, in-process handler, or SigV4 to a stack). */
export type ScheduleTransport = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<RemoteResponse>;

/**
 * Runs one schedule command over `transport`; prints its answer for people (`schedule-output.ts`),
 * or the API's JSON with `--json`. `commandName` is how the user called it (`schedule`,
 * `remote schedule`), for the words of a refusal.
 * @returns `CLI_EXIT.OK` on a 2xx answer.
 * @throws the API's refusal in words (`apiRefusal`): `ValidationError` for a 400 (exit 2),
 * `NotFoundError`, `AlreadyExistsError`, `StateConflictError` (exit 1), else an `Error` (exit 1).
 */
export async function runScheduleCommand(
  command: ScheduleVerb,
  arg: string | undefined,
  values: ScheduleOptions,
  transport: ScheduleTransport,
  out: (text: string) => void,
  commandName = 'schedule',
): Promise<number> {
  const id = (): string => {
    if (!arg) throw new ValidationError([{ path: 'ID', message: `${command} needs a schedule id (its name)` }]);
    return encodeURIComponent(arg);
  };
  let response: RemoteResponse;
  const refused: RefusedRequest = {
    command: [commandName, command, ...(arg === undefined ? [] : [arg])].join(' '),
    listCommand: `arbfleet ${commandName} list`,
    flags: flagsGiven(values),
  };
  switch (command) {
    case 'create': {
      if (!arg) throw new ValidationError([{ path: 'FILE', message: 'create needs a schedule or campaign config file' }]);
      const { spec, text, campaignConfig } = scheduleFromFile(arg, values);
      refused.file = { path: arg, text, campaignConfig };
      response = await transport('POST', '/schedules', spec);
      break;
    }
    case 'list':
      response = await transport('GET', '/schedules');
      break;
    case 'show':
      response = await transport('GET', `/schedules/${id()}${values.next !== undefined ? `?next=${encodeURIComponent(values.next)}` : ''}`);
      break;
    case 'pause':
      response = await transport('POST', `/schedules/${id()}/pause`, values.note !== undefined ? { note: values.note } : undefined);
      break;
    case 'resume':
      response = await transport('POST', `/schedules/${id()}/resume`);
      break;
    case 'trigger':
      response = await transport('POST', `/schedules/${id()}/trigger`);
      break;
    case 'delete':
      response = await transport('DELETE', `/schedules/${id()}`);
      break;
    default:
      throw new ValidationError([
        { path: 'COMMAND', message: `unknown schedule command "${command ?? ''}": use create, list, show, pause, resume, trigger or delete` },
      ]);
  }
  // A refusal was the API's JSON on stdout, exit 1 whatever it said (a bad zone as much as a lost race).
  if (response.status < 200 || response.status >= 300) throw apiRefusal(response.status, response.body, refused);
  const body = response.body === '' || response.body === undefined ? { status: response.status } : response.body; // 204: no body
  if (values.json || typeof body === 'string') {
    out(`${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`);
  } else {
    out(`${peopleShaped(command, arg ?? '', body).join('\n')}\n`);
  }
  return CLI_EXIT.OK;
}

/** The request fields the flags set, each with its flag (a refusal names the flag, not the file): create's spec fields, show's next, pause's note. */
function flagsGiven(values: ScheduleOptions): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const field of ['name', 'cron', 'timezone', 'overlap', 'next', 'note'] as const) if (values[field] !== undefined) flags[field] = `--${field}`;
  return flags;
}

/** A 2xx answer for people (`cli/schedule-output.ts`). */
function peopleShaped(command: ScheduleVerb, arg: string, body: unknown): string[] {
  const now = systemClock.now();
  switch (command) {
    case 'list':
      return renderScheduleList((body as { schedules: ScheduleRecord[] }).schedules, now);
    case 'trigger':
      return renderTrigger(arg, body as TriggerResult);
    case 'delete':
      return [`schedule ${arg} deleted: no more runs; live runs go on, and its runs stay readable`];
    default:
      return renderScheduleView(body as ScheduleView, now);
  }
}

/**
 * `arbfleet schedule [--api URL | --data DIR] COMMAND` on this machine: the command over the data
 * folder's store (`--data`), else over the HTTP API of `arbfleet serve`.
 */
export async function localScheduleCommand(
  where: { api?: string; data?: string },
  command: ScheduleVerb,
  arg: string | undefined,
  values: ScheduleOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (where.data !== undefined) return withDataFolder(where.data, (transport) => runScheduleCommand(command, arg, values, transport, out));
  const base = where.api ?? process.env.ARBFLEET_SERVE_URL ?? `http://127.0.0.1:${DEFAULT_SERVE_PORT}`;
  return runScheduleCommand(command, arg, values, httpTransport(base), out);
}

/** Plain HTTP to a local `arbfleet serve` (loopback, no signing). */
export function httpTransport(base: string): ScheduleTransport {
  if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
    // It was "arbfleet: Invalid URL", exit 1, naming neither the option nor the value.
    const from = process.env.ARBFLEET_SERVE_URL === base ? 'ARBFLEET_SERVE_URL' : '--api';
    throw new ValidationError([{ path: from, message: `not an http(s) URL: "${base}" (expected arbfleet serve's, e.g. http://127.0.0.1:8787)` }]);
  }
  return async (method, path, body) => {
    const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
    let res: Response;
    try {
      // The client header lets a call without a JSON body (resume, trigger, delete) past the local API's guard.
      const headers = { [LOCAL_CLIENT_HEADER]: LOCAL_CLIENT_NAME, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
      res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw new Error(
        `cannot reach arbfleet serve at ${base} (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}): start it, or give --api URL or --data DIR`,
      );
    }
    const text = await res.text();
    return { status: res.status, body: text === '' ? { status: res.status } : (JSON.parse(text) as unknown) };
  };
}

/** The API handler over the data folder's store, in this process (no service needs to run). */
async function withDataFolder<T>(dir: string, use: (transport: ScheduleTransport) => Promise<T>): Promise<T> {
  const path = `${dir.replace(/\/$/, '')}/fleet.db`;
  if (!existsSync(path))
    throw new ValidationError([{ path: '--data', message: `no control plane data here (no ${path}): give the folder arbfleet serve --data uses` }]);
  const store = new SqliteCampaignStore(path, systemClock, { mustExist: true });
  const noTasks: TaskLauncher = {
    launch: async () => {
      throw new Error('arbfleet schedule --data launches nothing: arbfleet serve starts the runs');
    },
    stop: async () => undefined,
    describe: async () => [],
  };
  const log = { log: () => undefined };
  const campaigns = new CampaignService({
    store,
    queue: new MemoryLaunchQueue(systemClock, { visibilityTimeoutSec: 30, maxReceives: 5 }),
    launcher: noTasks,
    clock: systemClock,
    log,
    taskEnvironment: () => ({}),
  });
  const handler = createApiHandler(campaigns, {
    schedules: new ScheduleService({ schedules: new SqliteScheduleStore(store.database, systemClock), store, campaigns, clock: systemClock, log }),
  });
  try {
    return await use(async (method, path, body) => {
      const response = await handler({
        method,
        path,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: response.body === '' ? { status: response.status } : (JSON.parse(response.body) as unknown) };
    });
  } finally {
    store.close();
  }
}

/** The schedule a file describes: a schedule spec as is, or a campaign config wrapped in one; flags override. */
function scheduleFromFile(
  path: string,
  flags: { name?: string; cron?: string; timezone?: string; overlap?: string },
): { spec: Record<string, unknown>; text: string; campaignConfig: boolean } {
  if (!existsSync(path)) throw new ValidationError([{ path: '', message: 'no such file' }], path);
  const text = readFileSync(path, 'utf8');
  const raw = parseConfigText(text, path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError([{ path: '', message: 'expected a mapping: a schedule or a campaign config' }], path);
  const doc = raw as Record<string, unknown>;
  const isSchedule = 'campaign' in doc;
  // Without a cron the API's refusal named no file ("cron: … expected string, received undefined").
  const cron = isSchedule ? doc.cron : (doc.schedule as { cron?: unknown } | undefined)?.cron;
  if (cron === undefined && flags.cron === undefined) {
    const field = isSchedule ? 'cron' : 'schedule.cron';
    throw new ValidationError(
      [{ path: field, message: `missing: when the runs start, e.g. ${field}: "0 9 * * 1-5" (a five-field cron rule), or give --cron` }],
      path,
    );
  }
  const spec: Record<string, unknown> = isSchedule ? { ...doc } : { name: doc.name, campaign: doc };
  if (flags.name !== undefined) spec.name = flags.name;
  if (flags.cron !== undefined) spec.cron = flags.cron;
  if (flags.timezone !== undefined) spec.timezone = flags.timezone;
  if (flags.overlap !== undefined) spec.overlap = flags.overlap;
  return { spec, text, campaignConfig: !isSchedule };
}
