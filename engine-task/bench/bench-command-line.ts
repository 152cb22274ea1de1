/**
 * The benchmark's command line (`npm run bench -- …`), on commander like every arbfleet program
 * (`core/command-line.ts`): `--help` says what each option measures and its default; a usage error
 * (an unknown option, a count that is not a whole number, a baseline or execution model that does
 * not exist) exits 2 naming the option, with the nearest right one and where the help is.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { configureProgram, type ProgramOutput, PROCESS_OUTPUT, parseOptions, standaloneProgram, wholeNumber } from '../../core/command-line.js';
import { EXECUTION_MODELS, type ExecutionModel } from '../../core/config/campaign-config.js';

/** `--baseline`: the strategy's premium baseline (`none` is the shipped rule; `ewma` adds an event-time EWMA per update). */
export const BASELINE_KINDS = ['none', 'ewma', 'fixed'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** What `npm run bench` was asked: one mode (the engine scenarios unless another is named) and its settings. */
export interface BenchCommandLine {
  json?: boolean;
  ticks: number;
  /** Symbol counts of the scenarios (`--execution`: the first, default 50); undefined: 10, 50 and 200. */
  symbols?: number[];
  baseline: BaselineKind;
  /** Shard counts, each at least 5. */
  watchdogPass?: number[];
  import?: number;
  ingest?: number;
  agent?: boolean;
  execution?: ExecutionModel[];
  /** Milliseconds per venue. */
  latency: number;
  backtest?: boolean;
  /** Measure nautilus_trader on the 5-minute candles beside the fleet (with `--backtest`, or alone: that data set only). */
  peer?: boolean;
  /** The Python with nautilus_trader (default: ARBFLEET_PEER_PYTHON). */
  peerPython?: string;
  runs: number;
}

/** The first line of its help. */
const DESCRIPTION = "the engine's throughput, tick-to-decision latency and heap growth on virtual time, or another mode's measures";

const NOTES = `Modes (one per run; the engine at 10, 50 and 200 symbols unless another is named):
  npm run bench -- [--json] [--ticks 10000000] [--symbols 10,50,200] [--baseline none|ewma|fixed]
  npm run bench -- [--json] --watchdog-pass 100,300,1000   (AWS calls of one watchdog pass, on moto)
  npm run bench -- [--json] --execution top,top-size,depth [--symbols 50] [--latency 0] [--ticks N]   (per-tick cost of each execution model)
  npm run bench -- [--import 10000000] [--ingest 5000000]   (data import lines/s and RSS; frames decoded into the engine)
  npm run bench -- [--json] --agent   (the agent beside an engine at 10,000 fills/s; task protocol messages/s against JSON.parse alone)
  npm run bench -- [--json] --backtest [--runs 3]   (backtest speed: recorded days per wall second, engine alone and local fleet)
  npm run bench -- [--json] [--backtest] --peer [--peer-python PATH] [--runs 3]   (nautilus_trader on the same rule and 5-minute candles, beside the fleet;
      without --backtest that data set only; the Python: bash scripts/peer-venv.sh, default ARBFLEET_PEER_PYTHON)

A benchmark, not a test: it reports, and flags targets missed, but never fails.`;

/** A comma-separated list, each item checked by `item`. */
function listOf<T>(item: (text: string) => T): (text: string) => T[] {
  return (text) => text.split(',').map((part) => item(part.trim()));
}

function executionModel(text: string): ExecutionModel {
  if (!(EXECUTION_MODELS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`expected ${EXECUTION_MODELS.join(', ')}, comma-separated; got "${text}"`);
  return text as ExecutionModel;
}

function milliseconds(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected milliseconds ≥ 0, got "${text}"`);
  return n;
}

/** The benchmark's commander program: its options, defaults and help. */
export function benchProgram(output: ProgramOutput = PROCESS_OUTPUT): Command {
  const program = standaloneProgram('npm run bench --', DESCRIPTION, NOTES)
    .option('--json', 'one JSON document instead of tables')
    .addOption(new Option('--ticks <n>', 'ticks per scenario').argParser(wholeNumber(1, 'ticks')).default(10_000_000))
    .addOption(
      new Option('--symbols <counts>', 'symbol counts, comma-separated (default: 10,50,200; --execution: the first count, default 50)').argParser(
        listOf(wholeNumber(1, 'a symbol count')),
      ),
    )
    .addOption(new Option('--baseline <kind>', "the premium baseline of the strategy's rule").choices(BASELINE_KINDS).default('none'))
    .addOption(
      new Option('--watchdog-pass <shards>', 'measure one watchdog pass over this many active shards on moto, e.g. 100,300,1000').argParser(
        listOf(wholeNumber(5, 'a shard count')),
      ),
    )
    .addOption(new Option('--import <lines>', 'measure arbfleet data import over this many lines').argParser(wholeNumber(1, 'lines')))
    .addOption(new Option('--ingest <frames>', 'measure this many live frames decoded into the engine').argParser(wholeNumber(1, 'frames')))
    .option('--agent', 'measure the agent beside an engine committing 10,000 fills/s, and the task protocol')
    .addOption(new Option('--execution <models>', "measure each execution model's per-tick cost, e.g. top,top-size,depth").argParser(listOf(executionModel)))
    .addOption(new Option('--latency <ms>', '--execution: the latency per venue').argParser(milliseconds).default(0))
    .option('--backtest', 'measure backtest speed: recorded days per wall second, the engine alone and the local fleet')
    .option('--peer', 'measure nautilus_trader on the same rule and 5-minute candles beside the fleet (with --backtest, or alone: that data set only)')
    .option('--peer-python <path>', '--peer: the Python with nautilus_trader (default: ARBFLEET_PEER_PYTHON; bash scripts/peer-venv.sh makes one)')
    .addOption(new Option('--runs <n>', '--backtest, --peer: runs per measure (the median is shown)').argParser(wholeNumber(1, 'runs')).default(3));
  return configureProgram(program, output, 'bench');
}

/**
 * Parses `npm run bench`'s arguments (`process.argv.slice(2)`).
 * @returns what to measure, or the exit code when nothing should run (0 after `--help`, 2 after a usage error, already written).
 */
export function parseBenchCommandLine(argv: readonly string[], output: ProgramOutput = PROCESS_OUTPUT): BenchCommandLine | { exit: number } {
  return parseOptions<BenchCommandLine>(benchProgram(output), argv);
}
