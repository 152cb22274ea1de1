/**
 * `arbfleet serve`: the control plane as a long-lived service on this machine, the way
 * `temporal server start-dev` serves a developer. One data folder holds the embedded SQLite store
 * (`fleet.db`), each campaign's task logs (`campaigns/<id>/tasks/`: campaigns run side by side
 * and their shards share ids) and, once it ended, its report (`campaigns/<id>/`); one process runs
 * the HTTP API and the live console (runs, shards, trades, schedules, with stop / pause / resume /
 * trigger buttons and updates pushed as server-sent events), the watchdog, the campaign scheduler and the schedules, for
 * as many campaigns and schedules as are stored.
 *
 * Restart: everything is in the store, so a service killed in any way (SIGKILL included) picks up
 * where it was when started again on the same folder: live campaigns are resumed exactly as
 * `arbfleet run --resume` resumes one (`LocalFleet.resume`: waiting shards queued again, running
 * engines found by their heartbeats), and schedules go on from their stored `nextRunAt`
 * (occurrences that came meanwhile run if still inside their `catchupWindow`, else are missed).
 *
 * The API shares this process, and its limit on open files, with the launcher and the store: its
 * connections are capped so that a flood of them cannot make an engine's relaunch fail with
 * EMFILE (`core/local/descriptor-budget.ts`, `core/api/local-http-server.ts`).
 *
 * SIGINT / SIGTERM stop the service and leave the engines running: they keep heartbeating into
 * the store, and the next `arbfleet serve` on this folder takes them over.
 *
 * One control plane per folder (`core/local/control-plane-lock.ts`): a `serve` or `run` already on
 * it makes this one exit 2 at start, naming its pid and command; the lock goes with its holder's
 * process, however it ends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiHandler } from '../core/api/api-handler.js';
import { EventStreams } from '../core/api/event-streams.js';
import { startLocalApiServer } from '../core/api/local-http-server.js';
import type { FleetApi, ScheduleApi } from '../core/ports.js';
import { systemClock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import type { Logger } from '../core/log.js';
import { renderConsolePage } from '../core/report/console-page.js';
import { Console } from '../core/report/console-sections.js';
import { ControlPlaneLock } from '../core/local/control-plane-lock.js';
import type { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import { apiConnectionCap, openFileLimit } from '../core/local/descriptor-budget.js';
import { ScheduleService } from '../core/schedule/schedule-service.js';
import { LOCAL_WATCHDOG_DEFAULTS, LocalFleet } from './local-fleet.js';
import { refuseBusyPort } from './port-free.js';
import { writeReportFiles } from './report-files.js';

/** `arbfleet serve`'s options, as `cli/program.ts` declares them. */
export interface ServeOptions {
  apiPort: string;
  data: string;
  json?: boolean;
}

/** How often the schedules are ticked (ms): an occurrence starts within this of its time. */
const SCHEDULE_TICK_MS = 1000;

/**
 * How often the service checkpoints the store's WAL besides its fleet's ticks (ms;
 * `SqliteCampaignStore.checkpointWal`, PASSIVE, never waiting on a lock). The fleet checkpoints it
 * every `CONTROL_PLANE_WAL_CHECKPOINT_MS` while it ticks, and engines' commits only once it holds
 * `ENGINE_WAL_AUTOCHECKPOINT_PAGES`; this one also runs when nothing is being written, so a WAL
 * left large by a reader that held an old snapshot is copied back and shrinks at the next write.
 */
const WAL_CHECKPOINT_INTERVAL_MS = 30_000;

/** `arbfleet serve`: runs until SIGINT or SIGTERM; resolves with the exit code (`CLI_EXIT`). */
export async function serve(values: ServeOptions, log: (json: boolean) => Logger): Promise<number> {
  const port = apiPort(values.apiPort);
  const dataDir = resolve(values.data);
  // A second control plane on this folder is refused before it opens the store or takes anything over,
  // and before the port is looked at (two services on one folder likely share the default port). A
  // folder still missing is nobody's: a busy port is refused before it is made.
  const taken = existsSync(dataDir) ? await ControlPlaneLock.take(dataDir, 'arbfleet serve', '--data') : undefined;
  try {
    await refuseBusyPort(port, '--api-port');
  } catch (error) {
    taken?.release();
    throw error;
  }
  const lock = taken ?? (await ControlPlaneLock.take(dataDir, 'arbfleet serve', '--data'));
  const logger = log(values.json === true);
  const fleet = new LocalFleet({ runDir: dataDir, log: logger, taskDir: (campaignId) => join(dataDir, 'campaigns', campaignId, 'tasks') });
  const schedules = new ScheduleService({ schedules: fleet.schedules, store: fleet.store, campaigns: fleet.campaigns, clock: systemClock, log: logger });

  await fleet.prepareEngine();
  const resumed: string[] = [];
  for (const campaign of await fleet.store.listLiveCampaigns()) {
    await fleet.resume(campaign.campaignId);
    resumed.push(campaign.campaignId);
  }
  fleet.start();
  const reported = new Set<string>();
  let busy = false;
  let checkpointedAt = systemClock.now();
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      await schedules.tick();
      await writeEndedReports(fleet.store, dataDir, reported, logger);
      if (systemClock.now() - checkpointedAt >= WAL_CHECKPOINT_INTERVAL_MS) {
        checkpointedAt = systemClock.now();
        fleet.store.checkpointWal();
      }
    } catch (error) {
      logger.log('error', 'schedule tick failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), SCHEDULE_TICK_MS);
  void tick();

  const operatorConsole = liveConsole(fleet, { schedules });
  const handler = createApiHandler(localCampaigns(fleet), { schedules: localSchedules(schedules), livePage: operatorConsole.livePage });
  const fileLimit = openFileLimit();
  const maxConnections = apiConnectionCap(fileLimit);
  const server = await startLocalApiServer(handler, { port, maxConnections, events: operatorConsole.events });
  const scheduleCount = (await schedules.listSchedules()).length;
  process.stderr.write(
    `arbfleet serve: control plane on ${server.url}/ (data ${dataDir}): ${resumed.length} campaign(s) resumed` +
      `${resumed.length > 0 ? ` (${resumed.join(', ')})` : ''}, ${scheduleCount} schedule(s); ` +
      `the API holds at most ${maxConnections} connections (open-file limit ${fileLimit ?? 'unknown'})\n`,
  );

  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  process.stderr.write(`arbfleet serve: ${signal}: stopping; engines keep running and the next arbfleet serve on ${dataDir} takes them over\n`);
  clearInterval(timer);
  await server.close();
  fleet.detach();
  fleet.store.close();
  lock.release();
  return CLI_EXIT.OK;
}

/** Campaigns created through this service get the local watchdog defaults, as `arbfleet run` gives them. */
function localCampaigns(fleet: LocalFleet): FleetApi {
  return {
    createCampaign: (raw, options) => fleet.campaigns.createCampaign(withLocalWatchdog(raw), options),
    listCampaigns: () => fleet.campaigns.listCampaigns(),
    getCampaign: (id) => fleet.campaigns.getCampaign(id),
    stopCampaign: (id) => fleet.campaigns.stopCampaign(id),
    getReport: (id) => fleet.campaigns.getReport(id),
  };
}

/** Likewise the campaign config of a schedule created here. */
function localSchedules(schedules: ScheduleService): ScheduleApi {
  return {
    createSchedule: (raw) => {
      const spec = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
      return schedules.createSchedule(spec === undefined ? raw : { ...spec, campaign: withLocalWatchdog(spec.campaign) });
    },
    listSchedules: () => schedules.listSchedules(),
    getSchedule: (id, next) => schedules.getSchedule(id, next),
    pauseSchedule: (id, note) => schedules.pauseSchedule(id, note),
    resumeSchedule: (id) => schedules.resumeSchedule(id),
    triggerSchedule: (id) => schedules.triggerSchedule(id),
    deleteSchedule: (id) => schedules.deleteSchedule(id),
  };
}

function withLocalWatchdog(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const watchdog = typeof config.watchdog === 'object' && config.watchdog !== null ? (config.watchdog as Record<string, unknown>) : {};
  return { ...config, watchdog: { ...LOCAL_WATCHDOG_DEFAULTS, ...watchdog } };
}

/**
 * The live console over a local fleet (`core/report/console-sections.ts`, `console-page.ts`): the
 * page for `GET /` (the list of runs, or `?campaignId=`'s page) and the event streams that push its
 * changes (`GET /events`). With `only`, the console is that one campaign's (`arbfleet run --api-port`).
 */
export function liveConsole(
  fleet: LocalFleet,
  options: { schedules?: ScheduleService; only?: string },
): { livePage: (campaignId?: string) => Promise<string>; events: EventStreams } {
  const pages = new Console({
    listCampaigns: () => fleet.campaigns.listCampaigns(),
    getCampaign: (id) => fleet.campaigns.getCampaign(id),
    readLedger: (key) => fleet.store.readLedger(key),
    ...(options.schedules === undefined ? {} : { schedules: options.schedules }),
    ...(options.only === undefined ? {} : { only: options.only }),
    now: () => systemClock.now(),
  });
  return {
    livePage: async (campaignId) => renderConsolePage(await pages.view(campaignId)),
    events: new EventStreams({ sections: async (campaignId) => (await pages.view(campaignId)).sections, clock: systemClock }),
  };
}

/**
 * Writes the report of every campaign that ended and has no final one yet in
 * `<data>/campaigns/<id>/` (`hasFinalReport`), once per campaign per process (`reported`).
 */
export async function writeEndedReports(store: SqliteCampaignStore, dataDir: string, reported: Set<string>, log: Logger): Promise<void> {
  for (const campaign of await store.listCampaigns()) {
    if (!isTerminalCampaign(campaign.status) || reported.has(campaign.campaignId)) continue;
    const dir = join(dataDir, 'campaigns', campaign.campaignId);
    reported.add(campaign.campaignId);
    if (hasFinalReport(dir, campaign.status)) continue;
    const files = await writeReportFiles(store, campaign.campaignId, dir, systemClock.now());
    log.log('info', 'campaign report written', { campaignId: campaign.campaignId, status: campaign.status, report: files.markdown });
  }
}

/**
 * Whether `dir/report.json` is already the report of the campaign as it ended: its
 * `campaign.status` is `status` (a terminal status). A report written by `arbfleet report DIR
 * --campaign ID` while the campaign still ran says RUNNING and is replaced by the final one; so is
 * one missing, unreadable or not JSON. Any status equal to the ended one is kept (written by a
 * serve before it was restarted, or by `arbfleet report` after the end).
 */
export function hasFinalReport(dir: string, status: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, 'report.json'), 'utf8');
  } catch {
    return false;
  }
  try {
    const report = JSON.parse(text) as { campaign?: { status?: unknown } } | null;
    return report?.campaign?.status === status;
  } catch {
    return false;
  }
}

function apiPort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ValidationError([{ path: '--api-port', message: `expected a port number 0-65535, got "${text}"` }]);
  return n;
}
