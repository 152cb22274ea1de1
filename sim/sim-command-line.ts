/**
 * The simulation's command line (`npm run sim -- …`), on commander like every arbfleet program
 * (`core/command-line.ts`): `--help` says what each option does and its default; a usage error (an
 * unknown option, a value that is not a whole number) exits 2 naming the option, with the nearest
 * right one and where the help is.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { configureProgram, type ProgramOutput, PROCESS_OUTPUT, parseOptions, standaloneProgram, wholeNumber } from '../core/command-line.js';

/** What `npm run sim` was asked. */
export interface SimCommandLine {
  /** How many seeds to run, from `from` on. */
  seeds: number;
  from: number;
  /** Worker threads, at least 1. */
  jobs: number;
  /** `--seed S`: replay this one seed on the main thread instead. */
  seed?: number;
  trace?: boolean;
  spawningLauncher?: boolean;
}

/** The first line of its help. */
const DESCRIPTION = 'the deterministic simulation: the whole fleet on virtual time under injected faults, one seed per run, judged by its invariants';

const NOTES = `Examples:
  npm run sim -- --seeds 10000 --jobs 2     seeds 1..10000 on two worker threads
  npm run sim -- --seed 8728 --trace        replay one seed exactly, its whole trace printed

Exit codes: 0 every seed held every invariant, 1 a seed broke one (each failing seed is printed with
its violations and the end of its trace), 2 bad arguments.`;

/** The simulation's commander program: its options, defaults and help. */
export function simProgram(output: ProgramOutput = PROCESS_OUTPUT): Command {
  const program = standaloneProgram('npm run sim --', DESCRIPTION, NOTES)
    .addOption(new Option('--seeds <n>', 'how many seeds to run').argParser(wholeNumber()).default(100))
    .addOption(new Option('--from <s>', 'the first seed').argParser(wholeNumber()).default(1))
    .addOption(
      new Option('--jobs <j>', 'worker threads')
        .argParser((text) => Math.max(1, wholeNumber()(text)))
        .default(availableParallelism(), "the machine's parallelism"),
    )
    .addOption(new Option('--seed <s>', 'replay this one seed exactly (same seed, same trace hash) instead').argParser(wholeNumber()))
    .option('--trace', 'with --seed: print its whole trace')
    .option('--spawning-launcher', 'let 30 % of seeds have a launcher that spawns on every launch');
  return configureProgram(program, output, 'sim');
}

/**
 * Parses `npm run sim`'s arguments (`process.argv.slice(2)`).
 * @returns what to run, or the exit code when nothing should run (0 after `--help`, 2 after a usage error, already written).
 */
export function parseSimCommandLine(argv: readonly string[], output: ProgramOutput = PROCESS_OUTPUT): SimCommandLine | { exit: number } {
  return parseOptions<SimCommandLine>(simProgram(output), argv);
}
