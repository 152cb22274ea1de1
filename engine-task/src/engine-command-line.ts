/**
 * The engine's command line (`npm run engine -- [CONFIG] [options]`, `node main.mjs` in the image),
 * on commander like every arbfleet program (`core/command-line.ts`): `--help` says what each option
 * does, its default and the environment variable the fleet sets instead; a usage error (an unknown
 * option, a value that is not a whole number, a `--protocol` other than `stdio`) exits 2 naming the
 * option, with the nearest right one and where the help is. Each option falls back on its
 * environment variable, then on its default: the launchers pass a shard's assignment in the
 * environment, a person types flags.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { configureProgram, type ProgramOutput, PROCESS_OUTPUT, parseCommandLine, standaloneProgram, wholeNumber } from '../../core/command-line.js';
import { parseDurationSeconds } from '../../core/config/duration.js';

/** What the engine was asked on its command line (and in the environment variables its options read). */
export interface EngineCommandLine {
  /** The campaign config file (`CONFIG`), else `ARBFLEET_CONFIG`; undefined when neither is given. */
  config?: string;
  /** This shard's symbols, comma-separated (`--symbols`, `ARBFLEET_SYMBOLS`); undefined: all the campaign's. */
  symbols?: string;
  /** `--duration` in seconds, overriding the campaign's. */
  duration?: number;
  virtual?: boolean;
  /** `memory`, `sqlite:<path>` or `dynamodb:<table-prefix>`. */
  store: string;
  campaign: string;
  shard: string;
  shardIndex: number;
  generation: number;
  protocol?: 'stdio';
  pretty?: boolean;
  json?: boolean;
}

/** The first line of its help. */
const DESCRIPTION = 'Runs one shard of a campaign: the arbitrage engine on its symbols, with heartbeats and checkpoints.';

const NOTES = `The config: CONFIG, else $ARBFLEET_CONFIG, else the config itself as JSON in $ARBFLEET_CONFIG_JSON, else
ARBFLEET_CONFIG_FROM=store: the config on the campaign's record in --store (how a Fargate task gets it).

Fleet-only environment: ARBFLEET_STARTED_AT / ARBFLEET_ENDS_AT (ms since the epoch),
ARBFLEET_CLOCK (real|virtual: the campaign's clock, unless --virtual), ARBFLEET_HEALTH_FILE (progress
file for the container HEALTHCHECK), ARBFLEET_CHAOS (stall|exit|leak@<epoch-ms>, comma-separated),
ARBFLEET_HEARTBEAT_INTERVAL (seconds), ARBFLEET_METRICS=emf (CloudWatch Embedded Metric Format lines
with each heartbeat).

Exit codes: 0 done or stopped by SIGTERM, every fill committed; 1 fatal error, or fills not
committed within the commit bound (staleAfter + 5 % of it; the summary's fillsUncommitted says how
many); 2 bad config or arguments; 3 fenced out; 4 the store busy or unreachable past the
self-fence or the commit bound, or a store file that cannot be opened (the last stderr line names
what it waited on or what failed).`;

/** The engine's commander program: its options, defaults and environment variables, and its help. */
export function engineProgram(output: ProgramOutput = PROCESS_OUTPUT): Command {
  const program = standaloneProgram('npm run engine --', DESCRIPTION, NOTES)
    .argument('[config]', 'the campaign config, YAML or JSON (env: ARBFLEET_CONFIG)')
    .addOption(new Option('--symbols <list>', "this shard's symbols, e.g. BTC,ETH (default: all the campaign's)").env('ARBFLEET_SYMBOLS'))
    .addOption(new Option('--duration <duration>', "override the campaign's duration, e.g. 90s or 5m").argParser(positiveDuration))
    .option('--virtual', "virtual time: run the whole duration as fast as the CPU allows; a replay runs on its recorded time (default: the config's clock)")
    .addOption(
      new Option('--store <spec>', 'memory, sqlite:<path> (an existing store, made by the control plane) or dynamodb:<table-prefix>')
        .env('ARBFLEET_STORE')
        .default('memory'),
    )
    .addOption(new Option('--campaign <id>', 'the campaign id').env('ARBFLEET_CAMPAIGN_ID').default('local'))
    .addOption(new Option('--shard <id>', 'the shard id').env('ARBFLEET_SHARD_ID').default('shard-000'))
    .addOption(
      new Option('--shard-index <n>', "the shard's number: varies the synthetic feed's seed").env('ARBFLEET_SHARD_INDEX').argParser(wholeNumber()).default(0),
    )
    .addOption(new Option('--generation <n>', 'the fencing generation').env('ARBFLEET_GENERATION').argParser(wholeNumber()).default(0))
    .addOption(
      new Option(
        '--protocol <kind>',
        "run behind the agent: shard, config and restore point from the task protocol's assignment on stdin (docs/task-protocol.md)",
      ).choices(['stdio']),
    )
    .option('--pretty', 'human-readable log lines (default on a terminal)')
    .option('--json', 'JSON log lines (default when not on a terminal; wins over --pretty)');
  return configureProgram(program, output, 'arbfleet-engine');
}

/** `--duration`: a duration of more than 0 s (`core/config/duration.ts`), in seconds. */
function positiveDuration(text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds <= 0) throw new InvalidArgumentError(`expected a duration such as 90s or 5m, got "${text}"`);
  return seconds;
}

/**
 * Parses the engine's arguments (`process.argv.slice(2)`); the environment variables are read from
 * `process.env`, where the fleet sets them.
 * @returns what to run, or the exit code when the engine should not run (0 after `--help`, 2 after
 * a usage error, already written to `output.err`).
 */
export function parseEngineCommandLine(argv: readonly string[], output: ProgramOutput = PROCESS_OUTPUT): EngineCommandLine | { exit: number } {
  const parsed = parseCommandLine<Omit<EngineCommandLine, 'config'>>(engineProgram(output), argv);
  if ('exit' in parsed) return parsed;
  const config = parsed.args[0] ?? process.env.ARBFLEET_CONFIG;
  return { ...parsed.options, ...(config ? { config } : {}) };
}
