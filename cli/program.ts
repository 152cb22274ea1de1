/**
 * The `arbfleet` command tree: every command, subcommand, argument and option, declared once with
 * commander (the one parser of the CLI; issue 17). Commander gives each command `--help` (its usage
 * line, its options with their defaults and one-line meanings), `arbfleet --version`, and usage
 * errors that name the bad option or argument, suggest the nearest right one and say where the help
 * is. A usage error, and a command asked for without its subcommand, exit `CLI_EXIT.BAD_INPUT` (2);
 * `--help` and `--version` exit 0. Each action calls the command's module with its options parsed
 * (commander's camelCase names: `--api-port` is `apiPort`, `--no-dashboard` sets `dashboard: false`).
 * A command's module is loaded by its action (`import()`), not here: the tree itself needs only
 * commander and the help texts (`command-help.ts`), so `--version`, `--help` and each command
 * evaluate no other command's code (issue 19; the CLI bundle puts each in chunks: cli/build.mjs).
 * Only types are imported statically from the command modules.
 *
 * `runCli` resolves with the exit code; an error of a command (a `ValidationError`, a refused
 * campaign…) rejects, and `cli/arbfleet.ts` turns it into a message and its code (`cliExitCodeFor`).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { commandPath, configureProgram, type ProgramOutput, PROCESS_OUTPUT, usageExitCode } from '../core/command-line.js';
import { IMPORT_FORMATS } from '../core/config/import-formats.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import {
  CHAOS_VERBS,
  DATA_IMPORT_NOTES,
  DATA_RECORD_NOTES,
  DEFAULT_SERVE_PORT,
  REMOTE_NOTES,
  RUN_NOTES,
  SCHEDULE_CREATE_NOTES,
  SCHEDULE_NOTES,
  SERVE_NOTES,
  SWEEP_NOTES,
} from './command-help.js';
import type { DataImportOptions } from './data-command.js';
import type { DataRecordOptions } from './data-record.js';
import type { RemoteOptions, RemoteTarget, RemoteVerb } from './remote-command.js';
import type { RunOptions } from './run-command.js';
import type { ScheduleOptions, ScheduleVerb } from './schedule-command.js';
import type { ServeOptions } from './serve.js';
import type { SweepOptions } from './sweep-command.js';
import type { TradesOptions } from './trades-command.js';

/** Where the CLI writes: its results and help (`out`) and its usage errors (`err`). */
export type CliOutput = ProgramOutput;

const STD_OUTPUT: CliOutput = PROCESS_OUTPUT;

export { commandPath };

/**
 * A folder option's value (`--out`, `--data`, `--resume`). An empty one is a usage error (exit 2):
 * `--out "$OUT"` with `OUT` unset used to mean the current folder, where the run's fleet.db, task
 * logs and report were written.
 */
function folderPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('an empty path (an unset shell variable?): give a folder');
  return value;
}

/** The version `arbfleet --version` prints: package.json's (inlined by the CLI bundle, cli/build.mjs). */
export const CLI_VERSION: string = packageJson.version;

/**
 * The whole command tree. `collect` receives each action's exit code. Every command gets the same
 * settings (`configureProgram`, `core/command-line.ts`): usage errors thrown as `CommanderError`
 * (never `process.exit` inside the parser), a suggestion for a mistyped option or command, and
 * where its help is.
 */
export function buildProgram(output: CliOutput = STD_OUTPUT, collect: (code: number) => void = () => undefined): Command {
  const done = (code: number): void => collect(code);
  const program = new Command('arbfleet')
    .description('run arbitrage-engine campaigns as a watched fleet of shard tasks, locally or on AWS')
    .version(CLI_VERSION, '-V, --version', "print arbfleet's version")
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failed, 2 bad arguments or config, 4 run --strict: a report row failed, 130 data import stopped by Ctrl-C (nothing written).',
    );

  program
    .command('run')
    .description('run a campaign locally, one engine process per shard')
    .argument('[config]', 'the campaign config file (YAML or JSON); not with --resume')
    .option('--duration <duration>', "override the config's duration, e.g. 90s or 5m")
    .option('--out <dir>', 'where the database, task logs and report go (default: runs/<campaign-id>)', folderPath)
    .option('--api-port <n>', 'serve the HTTP API and a live console on http://127.0.0.1:N/')
    .option('--chaos <spec>', `inject faults, e.g. stall:shard-001@20s,kill:shard-000@40s; verbs: ${CHAOS_VERBS.join(', ')}`)
    .option('--no-dashboard', 'no live table; one log line per event instead')
    .option('--json', 'log lines as JSON')
    .option('--strict', "exit 4 when the campaign's report fails any acceptance or trading row")
    .option('--store-fault-bound <duration>', "how long the run folder's store may stay unwritable before the campaign fails (default: 20s)")
    .option('--resume <dir>', 'pick up the campaign of this run folder, whose control plane was killed', folderPath)
    .addHelpText('after', `\n${RUN_NOTES}`)
    .action(async (config: string | undefined, options: RunOptions) => done(await (await import('./run-command.js')).runCommand(config, options)));

  program
    .command('report')
    .description("re-render a run folder's report from its database")
    .argument('<dir>', 'the run folder arbfleet run wrote, e.g. runs/c-…, or the data folder of arbfleet serve (with --campaign)')
    .option('--campaign <id>', 'in a serve data folder: the campaign (its report goes to <dir>/campaigns/<id>/, where serve writes it)')
    .action(async (dir: string, options: { campaign?: string }) => done(await (await import('./run-command.js')).reportCommand(dir, options)));

  program
    .command('trades')
    .description(
      "a run folder's trade blotter from its ledger: entry and exit per venue, each venue's entry quantity filled (of its order when short) and the unhedged part, quote ages, exit reason, P&L",
    )
    .argument('<dir>', 'the run folder arbfleet run wrote, e.g. runs/c-…, or the data folder of arbfleet serve (with --campaign)')
    .option('--campaign <id>', 'in a serve data folder: the campaign')
    .option('--symbol <symbol>', "only this symbol's trades")
    .option('--csv', 'CSV (RFC 4180) with a header row')
    .option('--json', 'one JSON object per trade per line')
    .addHelpText('after', "\nClosed trades in close order, then open ones; times in UTC; P&L in the reporting currency (venue B's quote).")
    .action(async (dir: string, options: TradesOptions) => done(await (await import('./trades-command.js')).tradesCommand(dir, options)));

  remoteCommands(program.command('remote'), done, output);

  program
    .command('serve')
    .description('the control plane as a service: API, live console, watchdog, scheduler and schedules')
    .option('--api-port <n>', 'the port of the HTTP API and live console on 127.0.0.1', String(DEFAULT_SERVE_PORT))
    .option('--data <dir>', 'the data folder: store, task logs, reports', folderPath, 'arbfleet-data')
    .option('--json', 'log lines as JSON')
    .addHelpText('after', `\n${SERVE_NOTES}`)
    .action(async (options: ServeOptions) => {
      const [{ serve }, { fleetLogger }] = await Promise.all([import('./serve.js'), import('./run-command.js')]);
      done(await serve(options, (json) => fleetLogger(json, false)));
    });

  const schedule = program
    .command('schedule')
    .description('recurring campaigns on arbfleet serve: create, list, show, pause, resume, trigger, delete')
    .option('--api <url>', `the API of arbfleet serve (default: $ARBFLEET_SERVE_URL or http://127.0.0.1:${DEFAULT_SERVE_PORT})`)
    .option('--data <dir>', "act on serve's data folder directly (the running service picks the change up)", folderPath)
    .option('--json', "print the API's JSON answer instead of tables")
    .addHelpText('after', `\n${SCHEDULE_NOTES}`);
  scheduleCommands(
    schedule,
    async (where, verb, arg, options) => (await import('./schedule-command.js')).localScheduleCommand(where, verb, arg, options, output.out),
    done,
  );

  const data = program.command('data').description('recorded and live market data to canonical replay files');
  data
    .command('import')
    .description("recorded market data in a venue's or vendor's own format to the canonical replay CSV")
    .argument('<files...>', 'the recorded files (gzip and zip read as they are)')
    .addOption(new Option('--format <f>', "the files' format").choices(IMPORT_FORMATS))
    .addOption(
      new Option('--venue <venue>', 'whose quotes the files hold (fx: the conversion rate; canonical files say it per line)').choices(['a', 'b', 'fx']),
    )
    .option('--symbol-map <map>', 'venue symbol to base asset, e.g. KRW-BTC=BTC,BTCUSDT=BTC (obvious forms map by themselves)')
    .option('--quote <cur>', "the venue's quote currency for automatic symbol mapping (default: KRW for a, USDT for b)")
    .option('--tz <zone>', 'IANA zone of naive timestamps (required when the files have them; fx-daily: default UTC)')
    .addOption(
      new Option('--time-unit <unit>', 'the unit of numeric timestamps (auto: judged per value)').choices(['auto', 's', 'ms', 'us', 'ns']).default('auto'),
    )
    .option('--half-spread-bps <n>', 'ccxt-ohlcv: the half-spread quoted around each close (required: a candle is not a quote)')
    .option('--gap <duration>', "list gaps between a venue's updates longer than this", '60s')
    .option('--strict', 'refuse the input on its first bad, duplicate or out-of-order line')
    .option('--json', 'print the summary as JSON')
    .option('-o, --out <file>', 'the canonical CSV to write')
    .addHelpText('after', `\n${DATA_IMPORT_NOTES}`)
    .action(async (files: string[], options: DataImportOptions) => done(await (await import('./data-command.js')).dataImportCommand(files, options)));
  data
    .command('record')
    .description("the venues' live streams to a canonical replay file, without trading")
    .argument('<config>', 'a campaign config: its venues, symbols, fx and live feed settings')
    .option(
      '-o, --out <file>',
      'the CSV to append to (ts,symbol,venue,bid,ask,exchange_ts: ts the arrival, exchange_ts the venue’s own time, empty when it gives none; FX rows ts,FX,,rate,,exchange_ts)',
    )
    .option('--duration <duration>', "how long to record, e.g. 10m (default: the campaign's duration)")
    .option('--symbols <list>', "record only these of the campaign's symbols, e.g. BTC,ETH")
    .option(
      '--levels <n>',
      "book levels a side to record with their sizes (bid_size, ask_size, bids, asks columns), 0 to 20: 0 top prices only; default what the campaign's execution model keeps (top 0, top-size 1, depth 20; Upbit sends 15, Binance its top)",
    )
    .option('--json', 'progress and summary as JSON lines')
    .addHelpText('after', `\n${DATA_RECORD_NOTES}`)
    .action(async (config: string, options: DataRecordOptions) => done(await (await import('./data-record.js')).dataRecordCommand(config, options)));

  program
    .command('sweep')
    .description('clock: virtual campaigns over the same recorded data, one per combination, side by side')
    .argument('<config>', 'a campaign config over recorded data')
    .option(
      '--set <path=values>',
      'a config field (dotted path) and its comma-separated values, e.g. strategy.entryBps=20,30,40; repeat for a grid',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--parallel <n>', 'campaigns at once', '2')
    .option('--out <dir>', "where each campaign's run folder, sweep.md and sweep.json go (default: runs/sweep-<time>)", folderPath)
    .addHelpText('after', `\n${SWEEP_NOTES}`)
    .action(async (config: string, options: SweepOptions) => done(await (await import('./sweep-command.js')).sweepCommand(config, options)));

  configureProgram(program, output, 'arbfleet');
  return program;
}

/** `arbfleet remote …`: the campaign commands and `remote schedule …` over a deployed API. */
function remoteCommands(remote: Command, done: (code: number) => void, output: CliOutput): void {
  remote
    .description('start, list, show, stop campaigns and manage schedules on a deployed API (SigV4)')
    .option('--url <url>', "the stack's ApiUrl output (default: $ARBFLEET_API_URL)")
    .option('--region <region>', "the API's region (default: the URL's, else $AWS_REGION)")
    .option('--timeout <duration>', 'how long each request waits for its answer', '30s')
    .option('--json', "print the API's JSON answer instead of tables (report is always JSON)")
    .addHelpText('after', `\n${REMOTE_NOTES}`);
  const verb = (name: RemoteVerb, description: string, argument?: [string, string]) => {
    const cmd = remote.command(name).description(description);
    if (argument) cmd.argument(...argument);
    return cmd;
  };
  const act = (cmd: Command, name: RemoteVerb) =>
    cmd.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Command;
      const arg = typeof args[0] === 'string' ? args[0] : undefined;
      const json = self.optsWithGlobals<{ json?: boolean }>().json === true;
      const { remoteCommand } = await import('./remote-command.js');
      done(await remoteCommand(self.optsWithGlobals<RemoteTarget>(), name, arg, { ...self.opts<RemoteOptions>(), ...(json ? { json } : {}) }, output.out));
    });
  act(
    verb('start', 'start a campaign from a config file', ['<config>', 'the campaign config file']).option(
      '--idempotency-key <key>',
      'the same key starts the campaign once (default: a new key, sent again on each retry after a lost answer)',
    ),
    'start',
  );
  act(verb('list', 'list campaigns'), 'list');
  act(verb('show', 'a campaign and its shards', ['<id>', 'the campaign id']), 'show');
  act(verb('stop', 'stop a campaign (it ends CANCELLED)', ['<id>', 'the campaign id']), 'stop');
  act(
    verb('report', "the campaign's report (JSON)", ['<id>', 'the campaign id']).option('--out <dir>', 'also save it to DIR/report.json', folderPath),
    'report',
  );
  scheduleCommands(
    remote
      .command('schedule')
      .description('recurring campaigns on the deployed API: create, list, show, pause, resume, trigger, delete')
      .option('--json', "print the API's JSON answer instead of tables"),
    async (target, verb, arg, options) => (await import('./remote-command.js')).remoteScheduleCommand(target as RemoteTarget, verb, arg, options, output.out),
    done,
  );
}

/** The schedule commands under `parent` (`arbfleet schedule` or `arbfleet remote schedule`); `run` sends one to its control plane. */
function scheduleCommands(
  parent: Command,
  run: (where: Record<string, string | undefined>, verb: ScheduleVerb, arg: string | undefined, options: ScheduleOptions) => Promise<number>,
  done: (code: number) => void,
): void {
  const verb = (name: ScheduleVerb, description: string, argument?: [string, string]) => {
    const cmd = parent.command(name).description(description);
    if (argument) cmd.argument(...argument);
    return cmd.action(async (...args: unknown[]) => {
      const self = args.at(-1) as Command;
      const arg = typeof args[0] === 'string' ? args[0] : undefined;
      const json = self.optsWithGlobals<{ json?: boolean }>().json === true;
      done(await run(self.optsWithGlobals(), name, arg, { ...self.opts<ScheduleOptions>(), ...(json ? { json } : {}) }));
    });
  };
  verb('create', 'create a schedule from a schedule file or a campaign config', ['<file>', 'a schedule or a campaign config (YAML/JSON)'])
    .option('--name <name>', "the schedule's name (its id)")
    .option('--cron <expr>', 'when it runs, e.g. "0 9 * * 1-5"')
    .option('--timezone <zone>', 'the IANA zone of the cron, e.g. Asia/Seoul')
    .addOption(new Option('--overlap <policy>', 'what a run due while one is live does').choices(['skip', 'bufferOne', 'cancelPrevious', 'allow']))
    .addHelpText('after', `\n${SCHEDULE_CREATE_NOTES}`);
  verb('list', 'every schedule with its next run');
  verb('show', 'a schedule, its next occurrences and its runs', ['<id>', 'the schedule id (its name)']).option(
    '--next <n>',
    'how many next occurrences (default: 5)',
  );
  verb('pause', 'no runs until resumed (occurrences meanwhile are neither run nor missed)', ['<id>', 'the schedule id']).option(
    '--note <text>',
    'why, kept on the schedule',
  );
  verb('resume', 'the calendar goes on from now', ['<id>', 'the schedule id']);
  verb('trigger', 'start a run now (under the overlap policy)', ['<id>', 'the schedule id']);
  verb('delete', 'no more runs; live runs go on', ['<id>', 'the schedule id']);
}

/**
 * Parses `argv` (the words after `arbfleet`) and runs the command it names.
 * @returns the exit code: the command's, 0 after `--help` or `--version`, `CLI_EXIT.BAD_INPUT` after
 * a usage error (written to `output.err`, with the suggestion and where the help is).
 * @throws what the command throws (a `ValidationError` for bad input it finds itself, …).
 */
export async function runCli(argv: readonly string[], output: CliOutput = STD_OUTPUT): Promise<number> {
  let code: number = CLI_EXIT.OK;
  const program = buildProgram(output, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    return usageExitCode(error);
  }
  return code;
}
