/**
 * The HTTP API as one transport-neutral function: the `api` Lambda and the local `--api-port`
 * server both turn their requests into an `ApiRequest` and send back the `ApiResponse`.
 *
 * | route | answer |
 * | --- | --- |
 * | `POST /campaigns` | 201 + the campaign view (200 when `Idempotency-Key` replayed an existing one) |
 * | `GET /campaigns` | 200 `{ campaigns: CampaignRecord[] }` |
 * | `GET /campaigns/{id}` | 200 the campaign view `{ campaign, shards }` |
 * | `POST /campaigns/{id}/stop` | 200 the campaign view after the stop |
 * | `GET /campaigns/{id}/report` | 200 the report JSON |
 * | `GET /` | 200 `text/html` from `livePage`, or 404 without one |
 * | `GET /events?campaignId=` | the console's server-sent events: answered by the local server (`event-streams.ts`) before this handler; 404 here (the `api` Lambda) |
 * | `POST /schedules` | 201 + the schedule view `{ schedule, next, runs }` |
 * | `GET /schedules` | 200 `{ schedules: ScheduleRecord[] }` |
 * | `GET /schedules/{id}?next=N` | 200 the schedule view with its next N occurrences (default 5) |
 * | `POST /schedules/{id}/pause` | 200 the view; optional body `{ "note": "…" }` |
 * | `POST /schedules/{id}/resume` | 200 the view |
 * | `POST /schedules/{id}/trigger` | 201 `{ outcome, occurrence, campaignId? }`; 409 when the overlap policy refuses |
 * | `DELETE /schedules/{id}` | 204 |
 *
 * The schedule routes answer 404 where no `schedules` option is given.
 *
 * A request is checked in this order: route (404) and method (405); body size (413, any route);
 * campaign id (404, see `request-ids.ts`); for `POST /campaigns`: content type (415), JSON (400),
 * `Idempotency-Key` (400); then the fleet call, which validates the config (400 with field
 * paths). Errors become responses in `http-status.ts` only; every error body is
 * `{ error, message, issues? }`.
 */
import { NotFoundError, ValidationError } from '../errors.js';
import { excerpt } from './http-errors.js';
import type { FleetApi, ScheduleApi } from '../ports.js';
import { matchRoute, type RouteMatch } from './api-routes.js';
import { errorResponse } from './http-status.js';
import type { ApiRequest, ApiResponse } from './http-types.js';
import { jsonResponse } from './json-response.js';
import { bodyBytes, checkBodySize, checkJsonContentType, parseJsonBody } from './request-body.js';
import { campaignIdFromPath, IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, scheduleIdFromPath } from './request-ids.js';

/** The largest request body accepted by default: 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Where the handler reports what it cannot answer for (500s): one structured event per call. */
export type ApiLog = (event: string, fields: Record<string, unknown>) => void;

export interface ApiHandlerOptions {
  /** Bodies larger than this (decoded bytes) are refused with 413. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Receives `api.internal_error` for every 500. Default: one JSON line on stderr. */
  log?: ApiLog;
  /** Renders the live page for `GET /` (`?campaignId=` picks a campaign). Without it, `GET /` is 404. */
  livePage?: (campaignId?: string) => Promise<string>;
  /** Serves the `/schedules` routes. Without it, they are 404. */
  schedules?: ScheduleApi;
}

/** Answers one request; never throws (every failure is a response). */
export type ApiHandler = (req: ApiRequest) => Promise<ApiResponse>;

/** Builds the API handler over a fleet. */
export function createApiHandler(api: FleetApi, options: ApiHandlerOptions = {}): ApiHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }
  const log = options.log ?? logToStderr;
  return async (req) => {
    try {
      const headers = lowerCaseHeaders(req.headers);
      const match = matchRoute(req.method, req.path);
      checkBodySize(req, maxBodyBytes);
      return await answer(api, options, match, { ...req, headers });
    } catch (error) {
      const response = errorResponse(error);
      if (response.status >= 500) reportInternalError(log, req, response.status, error);
      return response;
    }
  };
}

async function answer(api: FleetApi, options: ApiHandlerOptions, match: RouteMatch, req: ApiRequest): Promise<ApiResponse> {
  switch (match.route) {
    case 'livePage':
      return livePage(options, match);
    case 'events':
      throw new NotFoundError("the console's event stream is served by the local API only (arbfleet serve, arbfleet run --api-port)");
    case 'listCampaigns':
      return jsonResponse(200, { campaigns: await api.listCampaigns() });
    case 'createCampaign': {
      checkJsonContentType(req.headers['content-type']);
      const config = parseJsonBody(bodyBytes(req));
      const idempotencyKey = idempotencyKeyOf(req.headers[IDEMPOTENCY_KEY_HEADER]);
      const { view, created } = await api.createCampaign(config, idempotencyKey === undefined ? {} : { idempotencyKey });
      return jsonResponse(created ? 201 : 200, view, { location: `/campaigns/${encodeURIComponent(view.campaign.campaignId)}` });
    }
    case 'getCampaign':
      return jsonResponse(200, await api.getCampaign(campaignIdOf(match)));
    case 'stopCampaign':
      return jsonResponse(200, await api.stopCampaign(campaignIdOf(match)));
    case 'getReport':
      return jsonResponse(200, await api.getReport(campaignIdOf(match)));
    default:
      return answerSchedules(schedulesOf(options), match, req);
  }
}

async function answerSchedules(schedules: ScheduleApi, match: RouteMatch, req: ApiRequest): Promise<ApiResponse> {
  const id = (): string => scheduleIdFromPath(match.scheduleId ?? '');
  switch (match.route) {
    case 'listSchedules':
      return jsonResponse(200, { schedules: await schedules.listSchedules() });
    case 'createSchedule': {
      checkJsonContentType(req.headers['content-type']);
      const view = await schedules.createSchedule(parseJsonBody(bodyBytes(req)));
      return jsonResponse(201, view, { location: `/schedules/${encodeURIComponent(view.schedule.scheduleId)}` });
    }
    case 'getSchedule': {
      const next = match.query.get('next');
      return jsonResponse(200, await schedules.getSchedule(id(), next === null ? undefined : nextCount(next)));
    }
    case 'deleteSchedule':
      await schedules.deleteSchedule(id());
      return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    case 'pauseSchedule':
      return jsonResponse(200, await schedules.pauseSchedule(id(), pauseNote(req)));
    case 'resumeSchedule':
      return jsonResponse(200, await schedules.resumeSchedule(id()));
    case 'triggerSchedule':
      return jsonResponse(201, await schedules.triggerSchedule(id()));
    default:
      throw new NotFoundError(`no route ${match.route}`);
  }
}

function schedulesOf(options: ApiHandlerOptions): ScheduleApi {
  if (!options.schedules) throw new NotFoundError('schedules are not served here');
  return options.schedules;
}

/** `?next=N`: a whole number (the service checks its range). */
function nextCount(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n)) throw new ValidationError([{ path: 'next', message: `must be a whole number, got ${excerpt(text)}` }]);
  return n;
}

/** The optional `{ "note": "…" }` of a pause: no body is no note. */
function pauseNote(req: ApiRequest): string | undefined {
  if (req.body === undefined || req.body === '') return undefined;
  checkJsonContentType(req.headers['content-type']);
  const body = parseJsonBody(bodyBytes(req));
  const note = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).note : undefined;
  if (note !== undefined && (typeof note !== 'string' || note.length > 500))
    throw new ValidationError([{ path: 'note', message: 'must be text of at most 500 characters' }]);
  return note as string | undefined;
}

async function livePage(options: ApiHandlerOptions, match: RouteMatch): Promise<ApiResponse> {
  if (!options.livePage) throw new NotFoundError('no live page is served here: use GET /campaigns');
  const requested = match.query.get('campaignId');
  const html = await options.livePage(requested === null ? undefined : campaignIdFromPath(requested));
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: html,
  };
}

function campaignIdOf(match: RouteMatch): string {
  return campaignIdFromPath(match.campaignId ?? '');
}

/** `ApiRequest` promises lower-cased names; an adapter that forgot is forgiven here. */
function lowerCaseHeaders(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  const lower: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lower[name.toLowerCase()] = value;
  }
  return lower;
}

/** Logs a 500; a logger that throws must not turn the answer into a throw. */
function reportInternalError(log: ApiLog, req: ApiRequest, status: number, error: unknown): void {
  try {
    log('api.internal_error', { method: req.method, path: req.path, status, error: describeError(error) });
  } catch {
    // The response is what matters now; there is nowhere left to report to.
  }
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  try {
    return { thrown: String(error) };
  } catch {
    return { thrown: typeof error };
  }
}

function logToStderr(event: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level: 'error', event, ...fields })}\n`);
}
