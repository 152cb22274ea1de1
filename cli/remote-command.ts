import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseDurationSeconds } from '../core/config/duration.js';
import { parseConfigText } from '../core/config/load-config.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import type { CampaignRecord } from '../core/model/records.js';
import { renderDashboard } from './dashboard.js';
import { RemoteApi, type RemoteResponse } from './remote-api.js';
import { campaignListOf, campaignViewOf } from './remote-answer.js';
import { runScheduleCommand, type ScheduleOptions, type ScheduleVerb } from './schedule-command.js';
import { apiRefusal, type RefusedRequest } from './schedule-output.js';
import { makeFolder } from '../core/local/make-folder.js';

/** The remote commands on campaigns (`remote schedule …` is the schedule commands over the same API). */
export const REMOTE_VERBS = ['start', 'list', 'show', 'stop', 'report'] as const;
export type RemoteVerb = (typeof REMOTE_VERBS)[number];

/** Where the deployed API is: `arbfleet remote`'s own options. */
export interface RemoteTarget {
  url?: string;
  region?: string;
  /** `--timeout`: how long one request waits for its answer (a duration: `30s`, `2m`). */
  timeout?: string;
}

/** The remote commands' options, as `cli/program.ts` declares them. */
export interface RemoteOptions {
  idempotencyKey?: string;
  out?: string;
  /** Print the API's JSON answer instead of tables. */
  json?: boolean;
}

/** A SigV4 client of the deployed API at `target` (the URL from --url or $ARBFLEET_API_URL, the region from it, --region or $AWS_REGION). */
export function remoteApi(target: RemoteTarget): RemoteApi {
  const url = target.url ?? process.env.ARBFLEET_API_URL;
  if (!url) throw new ValidationError([{ path: '--url', message: 'give the API URL (the stack output ApiUrl) or set ARBFLEET_API_URL' }]);
  const from = target.url === undefined ? 'ARBFLEET_API_URL' : '--url';
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ValidationError([
      { path: from, message: `not an http(s) URL: "${url}" (expected the stack output ApiUrl, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/)` },
    ]);
  }
  const region = target.region ?? /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1] ?? process.env.AWS_REGION;
  if (!region) throw new ValidationError([{ path: '--region', message: 'cannot tell the region from the URL: give --region or set AWS_REGION' }]);
  let timeoutMs: number | undefined;
  if (target.timeout !== undefined) {
    const seconds = parseDurationSeconds(target.timeout);
    if (seconds === undefined || seconds <= 0)
      throw new ValidationError([{ path: '--timeout', message: `expected a duration such as 30s or 2m, got "${target.timeout}"` }]);
    timeoutMs = seconds * 1000;
  }
  return new RemoteApi({
    url,
    region,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onRetry: (attempt, why) => process.stderr.write(`arbfleet: ${why}; trying again (try ${attempt + 1}, the same Idempotency-Key)\n`),
  });
}

/** `arbfleet remote schedule COMMAND`: the schedule commands over the deployed API. */
export function remoteScheduleCommand(
  target: RemoteTarget,
  command: ScheduleVerb,
  arg: string | undefined,
  values: ScheduleOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const api = remoteApi(target);
  return runScheduleCommand(command, arg, values, (method, path, body) => api.request(method, path, body), out, 'remote schedule');
}

/**
 * `arbfleet remote COMMAND`: resolves with `CLI_EXIT.OK` on a 2xx answer. A 2xx answer is drawn as a
 * table only once it reads as the records this CLI knows (`remote-answer.ts`); `--json` and `report`
 * print it as it came.
 * @throws IncompatibleAnswerError (exit 1) naming the request and the fields that did not match.
 * @throws the API's refusal in words on stderr (`apiRefusal`): `ValidationError` for a 400 (exit 2,
 *   each field with its line in the config file for `start`), `NotFoundError` saying how to list the
 *   campaigns, `StateConflictError`… (exit 1); never the API's JSON on stdout.
 */
export async function remoteCommand(
  target: RemoteTarget,
  command: RemoteVerb,
  arg: string | undefined,
  values: RemoteOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const api = remoteApi(target);
  const needId = (): string => {
    if (!arg) throw new ValidationError([{ path: 'ID', message: `${command} needs a campaign id` }]);
    return encodeURIComponent(arg);
  };
  let response: RemoteResponse;
  const refused: RefusedRequest = {
    command: ['remote', command, ...(arg === undefined ? [] : [arg])].join(' '),
    listCommand: 'arbfleet remote list',
    listed: 'the campaigns',
  };
  switch (command) {
    case 'start': {
      if (!arg) throw new ValidationError([{ path: 'CONFIG', message: 'start needs a campaign config file' }]);
      const text = readFileSync(arg, 'utf8');
      const config = parseConfigText(text, arg);
      refused.file = { path: arg, text, campaignConfig: false };
      // Always a key, made here when not given: a retry after a lost answer must not start a second campaign.
      const key = values.idempotencyKey ?? `arbfleet-${randomUUID()}`;
      response = await api.requestIdempotent('/campaigns', config, key);
      break;
    }
    case 'list':
      response = await api.request('GET', '/campaigns');
      break;
    case 'show':
      response = await api.request('GET', `/campaigns/${needId()}`);
      break;
    case 'stop':
      response = await api.request('POST', `/campaigns/${needId()}/stop`);
      break;
    case 'report':
      response = await api.request('GET', `/campaigns/${needId()}/report`);
      if (values.out && response.status === 200) {
        makeFolder(values.out);
        writeFileSync(join(values.out, 'report.json'), `${JSON.stringify(response.body, null, 2)}\n`);
      }
      break;
    default:
      throw new ValidationError([{ path: 'COMMAND', message: `unknown remote command "${command}": use start, list, show, stop or report` }]);
  }
  // A refusal was the API's JSON on stdout, exit 1 whatever it said (a bad config field as much as an unknown id).
  if (response.status < 200 || response.status >= 300) throw apiRefusal(response.status, response.body, refused);
  if (!values.json && command !== 'report') {
    // Read through the records' schemas first: an older or newer API's answer is refused naming its field (`remote-answer.ts`).
    const request = response.request ?? `remote ${command}`;
    const now = Date.now();
    out(
      `${(command === 'list' ? renderCampaignList(campaignListOf(response.body, request), now) : renderDashboard(campaignViewOf(response.body, request), now)).join('\n')}\n`,
    );
  } else {
    out(`${typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2)}\n`);
  }
  return CLI_EXIT.OK;
}

/** `remote list` for people: one row per campaign, newest first as the API lists them. */
export function renderCampaignList(campaigns: readonly CampaignRecord[], now: number): string[] {
  if (campaigns.length === 0) return ['no campaigns'];
  const when = (ms: number | undefined) => (ms === undefined ? '-' : `${new Date(ms).toISOString().slice(0, 16)}Z`);
  const rows = campaigns.map((c) => [
    c.campaignId,
    c.name,
    c.status,
    String(c.shardCount),
    when(c.startedAt),
    c.endedAt !== undefined ? when(c.endedAt) : c.startedAt !== undefined ? `running ${Math.round((now - c.startedAt) / 60_000)}m` : '-',
  ]);
  const all = [['campaign', 'name', 'status', 'shards', 'started (UTC)', 'ended (UTC)'], ...rows];
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  return all.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
