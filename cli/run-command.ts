/**
 * `arbfleet run` and `arbfleet report`: a campaign on this machine, one engine process per shard,
 * and the re-rendering of a run folder's report. Their options are declared in `cli/program.ts`
 * (commander); these functions take them parsed.
 * Exit codes (`CLI_EXIT`): 0 the campaign completed (or was stopped by Ctrl-C, SIGTERM or SIGHUP),
 * 1 it failed or an unexpected error, 2 bad arguments or config, 4 (`run --strict` only) it ended
 * but its report fails an acceptance or trading row.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { campaignFromObject, parseConfigText, withLinesOf } from '../core/config/load-config.js';
import type { Campaign } from '../core/config/resolve-campaign.js';
import { planShards } from '../core/fleet/shard-planner.js';
import { isTerminalCampaign } from '../core/fleet/campaign-lifecycle.js';
import { resolveFeedPaths } from '../core/config/feed-paths.js';
import { replaySourceIssues } from '../core/data/source-check.js';
import { readReplayExtent, type ReplayExtent } from '../core/data/replay-extent.js';
import type { CampaignConfig } from '../core/config/campaign-config.js';
import { parseDurationSeconds } from '../core/config/duration.js';
import { systemClock } from '../core/clock.js';
import { StateConflictError, ValidationError, VersionConflictError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { createLogger, type Logger } from '../core/log.js';
import { prepareNumberFormats } from '../core/report/report-format.js';
import { runSummaryLines } from '../core/report/run-summary.js';
import { ControlPlaneLock } from '../core/local/control-plane-lock.js';
import { SqliteCampaignStore } from '../core/local/sqlite-campaign-store.js';
import type { CampaignRecord } from '../core/model/records.js';
import type { FleetApi, ShardKey } from '../core/ports.js';
import { parseChaos, refuseUnreachableChaos, type ChaosFault } from './chaos-plan.js';
import { refuseBusyPort } from './port-free.js';
import { DashboardWriter } from './dashboard.js';
import { LOCAL_WATCHDOG_DEFAULTS, LocalFleet } from './local-fleet.js';
import { terminalPaint } from './terminal-paint.js';
import { STOP_DEADLINE_MS } from './command-help.js';
import { makeFolder } from '../core/local/make-folder.js';

/** How long after the campaign's creation its replay's files are read for their end: after its engines' launch (about 30 ms). */
const REPLAY_EXTENT_DELAY_MS = 100;

export interface RunManifest {
  campaignId: string;
  config: string;
  chaos: ChaosFault[];
  apiPort?: number;
}

/** `arbfleet run`'s options, as `cli/program.ts` declares them (commander's camelCase names). */
export interface RunOptions {
  duration?: string;
  out?: string;
  apiPort?: string;
  chaos?: string;
  /** false with --no-dashboard. */
  dashboard: boolean;
  storeFaultBound?: string;
  strict?: boolean;
  resume?: string;
  json?: boolean;
}

/** `arbfleet run [CONFIG] [options]` or `arbfleet run --resume DIR`: resolves with the exit code. */
export async function runCommand(configPath: string | undefined, values: RunOptions): Promise<number> {
  const dashboard = values.dashboard && process.stdout.isTTY === true;
  const log = fleetLogger(values.json === true, dashboard);
  const apiPort = values.apiPort === undefined ? undefined : port(values.apiPort);
  // Read before the run folder is made: a bad value used to leave run.json with no campaign behind.
  const storeFaultBoundMs = faultBoundMs(values.storeFaultBound);
  if (apiPort !== undefined) await refuseBusyPort(apiPort, '--api-port');

  let runDir: string;
  let manifest: RunManifest;
  let raw: Record<string, unknown> | undefined;
  let lock: ControlPlaneLock;
  // From before the run folder is written on: a Ctrl-C in the seconds before the campaign exists
  // (the store opening, the engine bundle made fresh) killed the CLI by the signal's default,
  // leaving a run.json without a campaign that neither `report` nor `--resume` could read. It is
  // now kept and stops the campaign once it exists.
  const stops = new SignalStops();
  if (values.resume) {
    if (configPath !== undefined) {
      throw new ValidationError([
        {
          path: 'CONFIG',
          message: `not with --resume: the run folder's campaign is resumed as it was created (give --resume ${values.resume} alone, or CONFIG alone for a new run)`,
        },
      ]);
    }
    runDir = resolve(values.resume);
    manifest = readManifest(runDir);
    // Before the store is opened: a control plane still on this folder (a serve, or a run not killed after all) refuses this one, exit 2.
    lock = await ControlPlaneLock.take(runDir, 'arbfleet run --resume', '--resume');
    stops.install(runDir);
  } else {
    if (!configPath) throw new ValidationError([{ path: 'CONFIG', message: 'give a campaign config file, e.g. configs/top10-paper-baseline.yaml' }]);
    const local = localConfig(configPath, values.duration);
    raw = local.raw;
    const chaos = parseChaos(values.chaos ?? '');
    const { config } = local.campaign;
    refuseUnreachableChaos(
      chaos,
      planShards(
        local.campaign.symbols.map((s) => s.base),
        config.sharding.symbolsPerShard,
      ).map((s) => s.shardId),
      config.clock === 'real' ? config.duration : undefined,
    );
    const campaignId = `c-${systemClock.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    runDir = resolve(values.out ?? join('runs', campaignId));
    refuseUsedRunFolder(runDir);
    // A folder without run.json may still be another control plane's (a serve's data folder).
    lock = await ControlPlaneLock.take(runDir, 'arbfleet run', '--out');
    manifest = { campaignId, config: resolve(configPath), chaos, ...(apiPort !== undefined ? { apiPort } : {}) };
    stops.install(runDir);
    makeFolder(runDir);
    writeFileSync(join(runDir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  const fleet = new LocalFleet({ runDir, log, chaos: values.resume ? [] : manifest.chaos, ...(storeFaultBoundMs !== undefined ? { storeFaultBoundMs } : {}) });
  fleet.useCampaignId(manifest.campaignId);
  stops.fleetIs(fleet);
  await fleet.prepareEngine();
  // Whatever ends this process from here on (a throw, process.exit) first sends SIGTERM to the engines it started.
  const stopTasksAtExit = fleet.stopTasksAtExit('the control plane exited');
  fleet.start();
  let campaign: CampaignRecord;
  if (raw) {
    try {
      campaign = (await fleet.campaigns.createCampaign(raw)).view.campaign;
    } catch (error) {
      stops.uninstall();
      await fleet.close();
      lock.release();
      throw error;
    }
  } else {
    campaign = await fleet.resume(manifest.campaignId);
  }
  const server = apiPort === undefined ? undefined : await startApi(fleet, apiPort, campaign.campaignId);
  process.stderr.write(
    `arbfleet: campaign ${campaign.name} (${campaign.campaignId}), ${campaign.shardCount} shard(s), run folder ${runDir}` +
      (server ? `, live console ${server.url}/` : '') +
      '\n',
  );
  stops.campaignIs(campaign.campaignId);

  const screen = new DashboardWriter(process.stdout);
  // The fills and heartbeats the engines write are read while they run (`readAhead`): the report at
  // the end parses only those written since, and still reads exactly what the store then holds. Its
  // number formats are made now too (`prepareNumberFormats`: ICU's locale data, loaded once).
  const ledgers = (await fleet.store.listShards(campaign.campaignId)).map((s) => ({ campaignId: campaign.campaignId, shardId: s.shardId }));
  prepareNumberFormats();
  void reportFiles().catch(() => undefined); // loaded while the engines run; a failure is the end's to say
  // Where the replay's data ends (the evidence an engine's feed-done is judged against: 140-200 ms
  // for the 5-minute candles) is read while the engines run, once they are launched; at the end if
  // the campaign ended first.
  let replayExtent: { value: ReplayExtent | undefined } | undefined;
  const readExtent = () => (replayExtent ??= { value: readReplayExtent(campaign.config as unknown as CampaignConfig, { unchangedSince: campaign.createdAt }) });
  const extentTimer = setTimeout(readExtent, REPLAY_EXTENT_DELAY_MS);
  extentTimer.unref();
  const outcome = await Promise.race([
    fleet
      .waitForEnd(campaign.campaignId, () => {
        readShardsAhead(fleet.store, ledgers);
        if (!values.dashboard) return;
        void fleet.campaigns.getCampaign(campaign.campaignId).then((view) => screen.write(view, systemClock.now()));
      })
      .then((record) => ({ ended: record })),
    fleet.fatal.then((cause) => ({ cause })),
    stops.forced.then((cause) => ({ cause })),
  ]);
  if ('cause' in outcome) {
    await server?.close();
    const code = await abandon(fleet, campaign.campaignId, runDir, outcome.cause);
    stopTasksAtExit();
    lock.release();
    return code;
  }
  const ended = outcome.ended;
  clearTimeout(extentTimer);
  // A run folder that cannot take the report (its disk full) has it written under the temporary folder, and says where.
  const files = await writeReportWhereItFits(fleet.store, campaign.campaignId, runDir, systemClock.now(), 'the report', { replayExtent: readExtent().value });
  await server?.close();
  await fleet.close();
  stopTasksAtExit();
  stops.uninstall();
  lock.release();
  if (files === undefined) {
    process.stderr.write(`arbfleet: the campaign ended ${ended.status}, but its report could not be written anywhere (above)\n`);
    return CLI_EXIT.FAILED;
  }
  const r = files.report;
  const summary = runSummaryLines({ report: r, status: ended.status, endReason: ended.endReason, signal: stops.signal, files }, terminalPaint(process.stderr));
  process.stderr.write(`${summary.join('\n')}\n`);
  if (ended.status === 'FAILED') return CLI_EXIT.FAILED;
  if (values.strict === true && r.outcome.acceptance.failed > 0) {
    process.stderr.write(`arbfleet: --strict: ${r.outcome.acceptance.failed} acceptance row(s) failed: exit ${CLI_EXIT.ROWS_FAILED}\n`);
    return CLI_EXIT.ROWS_FAILED;
  }
  return CLI_EXIT.OK;
}

/**
 * Reads the shards' committed fills and heartbeats ahead of the report (`SqliteCampaignStore.readAhead`). Only
 * a head start: a read that fails here is left to the report's own read at the end, which words it.
 */
function readShardsAhead(store: SqliteCampaignStore, shards: readonly ShardKey[]): void {
  try {
    for (const key of shards) store.readAhead(key);
  } catch {
    // The report's read at the end reads every row again and refuses what does not read.
  }
}

/** The signals that stop a running campaign gracefully: Ctrl-C, `kill`, and a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * How `arbfleet run` answers a stop signal (SIGINT, SIGTERM, SIGHUP): it stops the campaign (the
 * engines get SIGTERM, commit, checkpoint and exit 0), records the signal in the campaign's events
 * (`control-plane.signal`, so `events.jsonl` says why it stopped even when nobody reads stderr),
 * and the report follows. A second signal is ignored; a stop that cannot be recorded, or does not
 * end the campaign within `STOP_DEADLINE_MS`, settles `forced` (the CLI then stops the engines
 * itself and exits 1). A signal before the campaign exists is kept and acted on once it does.
 *
 * The CLI's own output may be gone by then (its terminal closed: SIGHUP; a pipe whose reader
 * exited): a write to it fails with EPIPE, which Node raises as an uncaught error that ended the
 * CLI at once, with exit 1, leaving its engines, each in a process group of its own, running. So
 * from `install` on, errors of stdout and stderr are swallowed: the run goes on without its output.
 */
class SignalStops {
  /** The first stop signal received, if any. */
  signal: NodeJS.Signals | undefined;
  readonly forced: Promise<Error>;
  private forceEnd: (cause: Error) => void = () => {};
  private campaignId: string | undefined;
  private fleet: LocalFleet | undefined;
  private runDir = '';
  private readonly onSignal = (signal: NodeJS.Signals) => this.received(signal);
  private readonly onOutputError = () => undefined;

  constructor() {
    this.forced = new Promise<Error>((resolve) => (this.forceEnd = resolve));
  }

  /** From here on a stop signal is kept (`runDir`: where the report will go, for the message). */
  install(runDir: string): void {
    this.runDir = runDir;
    process.stdout.on('error', this.onOutputError);
    process.stderr.on('error', this.onOutputError);
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
  }

  uninstall(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
  }

  /** The fleet the campaign will run on (before `campaignIs`). */
  fleetIs(fleet: LocalFleet): void {
    this.fleet = fleet;
  }

  /** The campaign is created (or resumed) on the fleet: a signal that came first stops it now. */
  campaignIs(campaignId: string): void {
    this.campaignId = campaignId;
    if (this.signal !== undefined) this.stop(this.signal);
  }

  private received(signal: NodeJS.Signals): void {
    if (this.signal !== undefined) {
      process.stderr.write(`arbfleet: ${signal} ignored: the campaign is already stopping (within ${STOP_DEADLINE_MS / 1000} s; the report will follow)\n`);
      return;
    }
    this.signal = signal;
    process.stderr.write(
      `\narbfleet: ${signal}: stopping the campaign (the engines checkpoint and exit; the report will still be written to ${this.runDir})\n`,
    );
    if (this.campaignId !== undefined) this.stop(signal);
  }

  private stop(signal: NodeJS.Signals): void {
    const campaignId = this.campaignId as string;
    const fleet = this.fleet as LocalFleet;
    const fail = (what: string) => (error: unknown) =>
      this.forceEnd(new Error(`${signal}: ${what} (${error instanceof Error ? error.message : String(error)})`, { cause: error }));
    fleet.store
      .appendEvents([
        { at: systemClock.now(), campaignId, type: 'control-plane.signal', detail: { signal, action: 'stopping the campaign: SIGTERM to every engine' } },
      ])
      .catch(() => undefined)
      .then(() => fleet.campaigns.stopCampaign(campaignId))
      // Already stopping (its end came first): it is ending anyway, within the same deadline.
      .catch((error: unknown) =>
        error instanceof StateConflictError || error instanceof VersionConflictError ? undefined : fail('the stop could not be recorded')(error),
      );
    setTimeout(() => this.forceEnd(new Error(`${signal}: the campaign did not end within ${STOP_DEADLINE_MS / 1000} s of the stop`)), STOP_DEADLINE_MS).unref();
  }
}

/**
 * Ends a campaign that cannot end normally (its store unwritable or replaced, or a stop that could
 * not be recorded): stops every task, writes whatever report the store still yields to the run
 * folder or, when that cannot be written either, to a folder under the system's temporary
 * directory, and says where or why not. Exit 1.
 */
async function abandon(fleet: LocalFleet, campaignId: string, runDir: string, cause: Error): Promise<number> {
  fleet.detach();
  process.stderr.write(`arbfleet: FAILED: ${cause.message}\n`);
  await fleet.launcher.stopAll(`campaign abandoned: ${cause.message}`).catch(() => undefined);
  const files = await writeReportWhereItFits(fleet.store, campaignId, runDir, systemClock.now(), 'the report');
  if (files !== undefined)
    process.stderr.write(`arbfleet: the report as the store last recorded it (not a final one):\n  ${files.markdown}\n  ${files.html}\n  ${files.json}\n`);
  try {
    fleet.store.close();
  } catch {
    // the store's file is what failed: nothing more to save
  }
  return CLI_EXIT.FAILED;
}

/**
 * Writes the campaign's report to `runDir`, or, when that cannot be written (a full disk), to
 * `<tmp>/arbfleet-<campaign>`; each failure said on stderr, and the fallback folder named as `what`.
 * @returns the files written, or undefined when neither folder took them.
 */
async function writeReportWhereItFits(
  store: SqliteCampaignStore,
  campaignId: string,
  runDir: string,
  now: number,
  what: string,
  read: { replayExtent?: ReplayExtent | undefined } = {},
): Promise<Awaited<ReturnType<ReportFilesModule['writeReportFiles']>> | undefined> {
  const fallback = join(tmpdir(), `arbfleet-${campaignId}`);
  for (const dir of [runDir, fallback]) {
    try {
      const files = await (await reportFiles()).writeReportFiles(store, campaignId, dir, now, read);
      if (dir === fallback) process.stderr.write(`arbfleet: ${what} written to ${fallback} instead\n`);
      return files;
    } catch (error) {
      process.stderr.write(`arbfleet: could not write the report to ${dir}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return undefined;
}

/** `arbfleet report DIR`: writes DIR's report files again from its database; prints their paths. */
export async function reportCommand(dir: string, options: { campaign?: string } = {}): Promise<number> {
  const { campaignId, outDir, store } = await campaignInFolder(dir, options.campaign);
  try {
    const files = await (await reportFiles()).writeReportFiles(store, campaignId, outDir, systemClock.now());
    process.stdout.write(`${files.markdown}\n${files.html}\n${files.json}\n${files.events}\n`);
    const status = files.report.campaign.status;
    if (!isTerminalCampaign(status)) {
      process.stderr.write(`arbfleet: campaign ${campaignId} is ${status}: this report is as of now, not its final one (its rows judge a run not yet ended)\n`);
    }
  } finally {
    store.close();
  }
  return CLI_EXIT.OK;
}

/**
 * Reads a config file and fills in the local watchdog defaults it does not set itself. Validated
 * here, before the run folder is made, so a refusal names the file (`bad.yaml: duration: …`,
 * exit 2) and leaves no run folder behind.
 * @returns the config as the API takes it (`raw`) and the campaign it resolves to (its symbols, for the shard plan).
 */
function localConfig(path: string, duration: string | undefined): { raw: Record<string, unknown>; campaign: Campaign } {
  if (!existsSync(path)) throw new ValidationError([{ path: '', message: 'no such file' }], path);
  if (statSync(path).isDirectory()) throw new ValidationError([{ path: '', message: 'is a folder: give a campaign config file (YAML or JSON)' }], path);
  const text = readFileSync(path, 'utf8');
  const raw = resolveFeedPaths(parseConfigText(text, path), dirname(resolve(path)));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError([{ path: '', message: 'expected a mapping of campaign settings' }], path);
  const config = { ...(raw as Record<string, unknown>) };
  const watchdog = (config.watchdog ?? {}) as Record<string, unknown>;
  config.watchdog = { ...LOCAL_WATCHDOG_DEFAULTS, ...watchdog };
  if (duration !== undefined) {
    const seconds = parseDurationSeconds(duration);
    if (seconds === undefined || seconds <= 0)
      throw new ValidationError([{ path: '--duration', message: `expected a duration such as 90s or 5m, got "${duration}"` }]);
    config.duration = seconds;
  }
  try {
    const campaign = withLinesOf(text, path, () => {
      // The recorded files too, before the run folder is made: a missing or unreadable one is named
      // with the config's file and line, as any other field (the fleet checks again at creation).
      const resolved = campaignFromObject(config, path);
      const issues = replaySourceIssues(resolved.config);
      if (issues.length > 0) throw new ValidationError(issues, path);
      return resolved;
    });
    return { raw: config, campaign };
  } catch (error) {
    // A --duration out of range was blamed on the file's duration line ("x.yaml:12: duration: … got 1ms"), which says something else.
    if (duration !== undefined && error instanceof ValidationError && error.issues.every((i) => i.path === 'duration')) {
      throw new ValidationError(error.issues.map(({ message }) => ({ path: '--duration', message })));
    }
    throw error;
  }
}

/**
 * A run folder holds one campaign: `--out` naming a folder another run wrote (its `run.json`) is
 * refused, exit 2, before anything is written. It used to start the new campaign there, replacing
 * the earlier run's `run.json`, report, `events.jsonl` and task logs (its records left in
 * `fleet.db`, but `arbfleet report` and `trades` reading the new one).
 */
function refuseUsedRunFolder(runDir: string): void {
  // A file there was "EEXIST: file already exists, mkdir …", exit 1.
  if (existsSync(runDir) && !statSync(runDir).isDirectory()) {
    throw new ValidationError([{ path: '--out', message: 'is a file, not a folder: give a folder for the run (made when missing)' }], runDir);
  }
  if (!existsSync(join(runDir, 'run.json'))) return;
  let earlier = 'another run';
  try {
    earlier = `run ${readManifest(runDir).campaignId}`;
  } catch {
    // An unreadable run.json is still another run's: refused all the same.
  }
  throw new ValidationError(
    [
      {
        path: '--out',
        message: `already holds ${earlier} (run.json): give another --out, or remove that folder (arbfleet run --resume ${runDir} picks up a run whose control plane was killed)`,
      },
    ],
    runDir,
  );
}

/**
 * The campaign of a folder whose report or blotter is asked for, with its store open: a run
 * folder's own (its `run.json`), or, in a folder of `arbfleet serve` (a `fleet.db` without
 * `run.json`, holding many campaigns), the one `--campaign` names, its files in
 * `<data>/campaigns/<id>/` where serve writes them once it ends. The caller closes the store.
 * @throws ValidationError (exit 2) naming the folder: no store there; a serve folder without
 *   `--campaign` (its campaigns listed) or with an id it does not hold; `--campaign` naming another
 *   campaign than a run folder's. (`arbfleet report` on a serve folder said "not a run folder".)
 */
export async function campaignInFolder(dir: string, campaign: string | undefined): Promise<{ campaignId: string; outDir: string; store: SqliteCampaignStore }> {
  const folder = resolve(dir);
  if (existsSync(join(folder, 'run.json'))) {
    const { campaignId } = readManifest(folder);
    if (campaign !== undefined && campaign !== campaignId)
      throw new ValidationError([{ path: '--campaign', message: `this run folder holds campaign ${campaignId}, not ${campaign}` }], folder);
    return { campaignId, outDir: folder, store: new SqliteCampaignStore(join(folder, 'fleet.db'), systemClock, { mustExist: true }) };
  }
  if (!existsSync(join(folder, 'fleet.db')))
    throw new ValidationError(
      [{ path: '', message: 'not a run folder (no run.json) nor a serve data folder (no fleet.db): give the folder arbfleet run or serve wrote' }],
      folder,
    );
  const store = new SqliteCampaignStore(join(folder, 'fleet.db'), systemClock, { mustExist: true });
  try {
    const held = (await store.listCampaigns()).map((c) => c.campaignId);
    const list = held.length === 0 ? 'it holds none yet' : `it holds ${held.join(', ')}`;
    if (campaign === undefined)
      throw new ValidationError([{ path: '--campaign', message: `an arbfleet serve data folder: give the campaign (${list})` }], folder);
    if (!held.includes(campaign)) throw new ValidationError([{ path: '--campaign', message: `no campaign ${campaign} here (${list})` }], folder);
    return { campaignId: campaign, outDir: join(folder, 'campaigns', campaign), store };
  } catch (error) {
    store.close();
    throw error;
  }
}

type ReportFilesModule = typeof import('./report-files.js');
let reportFilesModule: Promise<ReportFilesModule> | undefined;

/**
 * The report's writer and its renderers, loaded once, when first asked: `arbfleet run` asks while
 * its engines run, so they are not on the way to its campaign's start (issue 19: the CLI's start).
 */
function reportFiles(): Promise<ReportFilesModule> {
  reportFilesModule ??= import('./report-files.js');
  return reportFilesModule;
}

export function readManifest(runDir: string): RunManifest {
  const path = join(runDir, 'run.json');
  if (!existsSync(path)) throw new ValidationError([{ path: '', message: 'not a run folder (no run.json): give the folder arbfleet run wrote' }], runDir);
  return JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
}

function faultBoundMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds < 1 || seconds > 3600) {
    throw new ValidationError([{ path: '--store-fault-bound', message: `expected a duration from 1s to 1h such as 20s, got "${text}"` }]);
  }
  return seconds * 1000;
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ValidationError([{ path: '--api-port', message: `expected a port number 0-65535, got "${text}"` }]);
  return n;
}

/**
 * The API of `arbfleet run --api-port`: its one campaign, read and stopped. It creates no other
 * (the run folder, the dashboard and the report are that campaign's; the CLI ends with it): a
 * `POST /campaigns` is refused 409 saying where campaigns are created, before its body is read.
 */
async function startApi(fleet: LocalFleet, apiPort: number, campaignId: string) {
  const campaigns = fleet.campaigns;
  const api: FleetApi = {
    createCampaign: async () => {
      throw new StateConflictError(
        `arbfleet run serves its one campaign (${campaignId}) and creates no other: create campaigns over the API with \`arbfleet serve\`, or start another \`arbfleet run\``,
      );
    },
    listCampaigns: () => campaigns.listCampaigns(),
    getCampaign: (id) => campaigns.getCampaign(id),
    stopCampaign: (id) => campaigns.stopCampaign(id),
    getReport: (id) => campaigns.getReport(id),
  };
  // Loaded here, not at the CLI's start: a run without --api-port never evaluates the HTTP server,
  // the live console and the schedule code they bring (issue 19: the CLI's start).
  const [{ liveConsole }, { createApiHandler }, { startLocalApiServer }] = await Promise.all([
    import('./serve.js'),
    import('../core/api/api-handler.js'),
    import('../core/api/local-http-server.js'),
  ]);
  const operatorConsole = liveConsole(fleet, { only: campaignId });
  const handler = createApiHandler(api, { livePage: operatorConsole.livePage });
  return startLocalApiServer(handler, { port: apiPort, events: operatorConsole.events });
}

/** Fleet events on stderr: pretty lines, or JSON; quiet under the live dashboard but for warnings. */
export function fleetLogger(json: boolean, dashboard: boolean): Logger {
  const inner = createLogger({ pretty: !json, write: (line) => process.stderr.write(`${line}\n`) });
  if (!dashboard) return inner;
  return { log: (level, event, fields) => (level === 'warn' || level === 'error' ? inner.log(level, event, fields) : undefined) };
}
