/**
 * The words and defaults `cli/program.ts` declares the command tree with: each command's help text
 * after its options, and the defaults its options show. Apart from the command modules, which
 * `cli/program.ts` loads only when their command runs (issue 19: `arbfleet --version`, `--help` and
 * each command start without evaluating the others' code), so this module imports nothing.
 */

/** How long a stopping `arbfleet run` may take to end its campaign after Ctrl-C before it ends it by force (ms). */
export const STOP_DEADLINE_MS = 45_000;

/**
 * `--chaos`'s verbs (cli/chaos-plan.ts parses and injects them):
 * - `kill`   SIGKILL the shard's task (a crash);
 * - `exit`   the engine exits 1 by itself;
 * - `stall`  the engine stops processing ticks while its process and timers live on;
 * - `freeze` SIGSTOP the task for a while, then SIGCONT (a zombie that must fence itself);
 * - `leak`   the engine holds on to memory until it is recycled.
 */
export const CHAOS_VERBS = ['kill', 'exit', 'stall', 'freeze', 'leak'] as const;
export type ChaosVerb = (typeof CHAOS_VERBS)[number];

/** What `arbfleet data import --help` says after its options. */
export const DATA_IMPORT_NOTES = `gzip and zip files are read as they are. Run one import per venue (or file group) and list the
outputs, or the original files, as the replay feed's sources. Exit 2 on bad input (file:line), and
when no row was imported (the message says why, per file). fx-daily gaps are weekdays without a
fixing (no weekend fixings; holidays count); other formats' gaps are time over --gap.
arbfleet data record (see arbfleet data record --help) records a live session in the same canonical form.`;

/** What `arbfleet data record --help` says after its options. */
export const DATA_RECORD_NOTES = `CONFIG is a campaign config: its venues (upbit, binance), symbols, fx and, when its feed is live,
that feed's endpoints, silentAfter and reconnect settings. Ctrl-C stops early.
Replay the file with feed: { kind: replay, path: OUT }.`;

/** What `arbfleet remote --help` says after its commands. */
export const REMOTE_NOTES = `Talks to a deployed arbfleet API (the stack's ApiUrl output), signing every request with your
AWS credentials (SigV4; the same chain the AWS CLI uses: environment, profile, SSO, role).
--url defaults to $ARBFLEET_API_URL; --region to the URL's region, else $AWS_REGION.`;

/** Where `arbfleet serve` listens unless told otherwise. */
export const DEFAULT_SERVE_PORT = 8787;

/** What `arbfleet schedule --help` says after its commands. */
export const SCHEDULE_NOTES = `Manages the recurring campaigns of a local control plane (arbfleet serve): through its HTTP API
(--api, default $ARBFLEET_SERVE_URL or http://127.0.0.1:${DEFAULT_SERVE_PORT}), or directly in its data folder (--data).`;

/** What `schedule create --help` says about FILE. */
export const SCHEDULE_CREATE_NOTES = `FILE is a schedule (YAML/JSON: name, cron, timezone, overlap, catchupWindow, jitter, startAt,
until, maxRuns, paused, note, campaign) or a campaign config (its schedule.cron is the schedule's cron).`;

/** What `arbfleet serve --help` says after its options. */
export const SERVE_NOTES = `Runs the control plane as a service: the HTTP API and live console on http://127.0.0.1:N/, the
watchdog, the scheduler and the schedules, over the data folder DIR. Start campaigns with
POST /campaigns, recurring ones with arbfleet schedule create. Started again on the same folder,
it resumes every campaign and schedule. One control plane per folder: a second serve, or an
arbfleet run, on DIR is refused (exit 2, naming the first's pid). Ctrl-C stops the service;
engines keep running and are taken over on the next start. Each campaign's task logs go to DIR/campaigns/<id>/tasks/, and its
report, once it ends, to DIR/campaigns/<id>/.`;

/** What `arbfleet sweep --help` says after its options. */
export const SWEEP_NOTES = `Runs one clock: virtual campaign (a backtest through the local fleet) per combination of the
values given, over the config's recorded data, and prints their trading side by side.
Each --set value is read as YAML (20, 2m, true); repeat --set for a grid.
Exit codes: 0 every campaign completed, 1 one did not, 2 bad arguments or config.`;

/** What `arbfleet run --help` says after its options. */
export const RUN_NOTES = `Local watchdog defaults (unless the config sets them): heartbeat every 1s, stale after 5s,
watchdog every 250ms. Ctrl-C (or SIGTERM, or SIGHUP: a closed terminal) stops the campaign
gracefully: the engines checkpoint and exit, the report is still written, exit 0, even when
nothing reads this command's output any more; a second signal is ignored; a stop that cannot
finish within ${STOP_DEADLINE_MS / 1000}s ends the run by force (exit 1). Any other exit sends SIGTERM to the engines.
If the store becomes unwritable or its file is deleted or replaced, the campaign fails, the
engines are stopped and the report is written wherever it can be (the run folder, else the
system's temporary directory), saying where. Without --strict a run whose report fails a row
exits 0; its last lines say the score and name each failed row with its result, e.g.
"acceptance 10/11", then "✗ Crash-free: 2 crashes", then the P&L and where the report is.

Examples:
  arbfleet run configs/top10-paper-baseline.yaml --duration 90s
  arbfleet run --resume runs/c-…      pick up a campaign whose control plane was killed

Exit codes: 0 completed (or stopped with Ctrl-C), 1 failed, 2 bad arguments or config,
4 with --strict: the report fails an acceptance or trading row.`;
