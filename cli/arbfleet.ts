/**
 * `arbfleet`: the command's entry. The commands, their arguments and options are declared in
 * `cli/program.ts` (commander: `arbfleet --help`, `arbfleet COMMAND --help`); the commands live in
 * `run-command.ts` (run, report), `serve.ts`, `schedule-command.ts`, `remote-command.ts`,
 * `data-command.ts` (data import), `data-record.ts` and `sweep-command.ts`.
 * Exit codes (`CLI_EXIT` in `core/exit-codes.ts`): 0 the command did what was asked (a campaign
 * completed, or was stopped by Ctrl-C, SIGTERM or SIGHUP), 1 it failed or an unexpected error,
 * 2 bad arguments or config (a usage error names the option and says what to type instead),
 * 4 (`run --strict` only) the campaign ended but its report fails an acceptance or trading row.
 */
import { cliExitCodeFor } from '../core/errors.js';
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`arbfleet: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(cliExitCodeFor(error));
  },
);
