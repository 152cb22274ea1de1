/**
 * What every program's command line shares: the `arbfleet` CLI (`cli/program.ts`), the engine
 * (`engine-task/src/engine-command-line.ts`), the benchmark and the simulation all parse with
 * commander, configured here once (issue 17: a CLI on a well-kept parser, `--help` everywhere).
 *
 * A configured program never calls `process.exit` inside the parser: `--help` (and `--version`)
 * write to `out` and a usage error writes one message to `err`, prefixed with the program's name
 * instead of commander's `error:`, the nearest right option or command suggested ("Did you mean
 * --format?") and where its help is; `usageExitCode` then turns what the parser threw into the
 * exit code, 0 after help, `USAGE_EXIT` (2, bad input in `core/exit-codes.ts`) after a usage error.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CLI_EXIT, type ENGINE_EXIT } from './exit-codes.js';

/** Where a program writes its help (`out`) and its usage errors (`err`). */
export interface ProgramOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Writes to the process's stdout and stderr. */
export const PROCESS_OUTPUT: ProgramOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The exit code of a usage error: bad input, 2 for every program (`CLI_EXIT.BAD_INPUT`, `ENGINE_EXIT.BAD_INPUT`). */
export const USAGE_EXIT: typeof CLI_EXIT.BAD_INPUT & typeof ENGINE_EXIT.BAD_INPUT = CLI_EXIT.BAD_INPUT;

/**
 * Configures `cmd` and every subcommand it has now (commander copies settings only to commands
 * made by `.command()` after them, so they are set on each): usage errors thrown as
 * `CommanderError`, written to `output.err` as `<prefix>: unknown option '--formt'`, then the
 * suggestion and `(see <command path> --help)`; help as wide as the terminal (at least 120 columns).
 * @param prefix the word a usage error starts with, e.g. `arbfleet` or `arbfleet-engine`.
 */
export function configureProgram(cmd: Command, output: ProgramOutput, prefix: string): Command {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: (text, write) => write(text.replace(/^error: /, `${prefix}: `)) })
    .configureHelp({ helpWidth: Math.max(process.stdout.columns ?? 0, 120), showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .showHelpAfterError(`(see ${commandPath(cmd)} --help)`);
  for (const sub of cmd.commands) configureProgram(sub, output, prefix);
  return cmd;
}

/**
 * A program of its own (the engine, the benchmark, the simulation; not a command of the CLI):
 * `name` as a person types it (`npm run sim --`, the usage line's start), its description,
 * `-h, --help`, and `notes` (examples, environment, exit codes) after the options in its help.
 * Declare its options on it, then `configureProgram` it.
 */
export function standaloneProgram(name: string, description: string, notes: string): Command {
  return new Command(name).description(description).helpOption('-h, --help', 'this help').addHelpText('after', `\n${notes}`);
}

/**
 * An option's value parser: a whole number of at least `min`, else a usage error that commander
 * words with the option (or the environment variable) it came from: `option '--seeds <n>'
 * argument '-1' is invalid. expected a whole number ≥ 0, got "-1"`.
 * @param what what the number counts, when the option's name does not say (`a shard count`).
 */
export function wholeNumber(min = 0, what?: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected ${what ? `${what}: ` : ''}a whole number ≥ ${min}, got "${text}"`);
    return n;
  };
}

/** The words that run `cmd`: `arbfleet data import` for the `import` command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * The exit code for what a configured program's parse threw: 0 after `--help`, `--version` or
 * `help COMMAND`; `USAGE_EXIT` after a usage error (already written to `err`) or a command asked
 * for without its subcommand (its help shown as an error, `commander.help`).
 * @throws `error` itself when it is not the parser's (an action's own error).
 */
export function usageExitCode(error: unknown): 0 | typeof USAGE_EXIT {
  if (!(error instanceof CommanderError)) throw error;
  return error.exitCode === 0 ? 0 : USAGE_EXIT;
}

/**
 * Parses `argv` (the words after the program's name) with a configured program that has no actions.
 * @returns the program's options and arguments, or the exit code when the program should not run
 * (0 after `--help`, `USAGE_EXIT` after a usage error, both already written).
 */
export function parseCommandLine<T>(program: Command, argv: readonly string[]): { options: T; args: string[] } | { exit: number } {
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    return { exit: usageExitCode(error) };
  }
  return { options: program.opts<T & Record<string, unknown>>(), args: program.args };
}

/** `parseCommandLine` for a program that takes options only: its options, or the exit code when it should not run. */
export function parseOptions<T>(program: Command, argv: readonly string[]): T | { exit: number } {
  const parsed = parseCommandLine<T>(program, argv);
  return 'exit' in parsed ? parsed : parsed.options;
}
