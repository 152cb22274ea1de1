/**
 * The exit codes of arbfleet's programs: one set of names per program, in one place.
 *
 * An exit code is a contract between two processes, like a record: the engine's are read by the
 * fleet (`classifyStop` in `core/fleet/watchdog-policy.ts` books a stop by them; the simulation's
 * engine model exits with them), the CLI's by the scripts of the people who run it. So they live
 * with the records, in `core/model/`, where every layer may import them. Which error kind ends a
 * program with which code is the table in `core/errors.ts` (`ERROR_TABLE`).
 *
 * | code | engine (`engine-task/src/main.ts`) | CLI (`cli/arbfleet.ts`) |
 * | --- | --- | --- |
 * | 0 | done, or stopped by a signal with every fill committed | completed, or stopped with Ctrl-C |
 * | 1 | fatal: any other error, fills not committed within the commit bound | the campaign failed, or any other error |
 * | 2 | bad config, arguments or data: never relaunched | bad arguments or config |
 * | 3 | fenced out: a newer generation owns the shard, or self-fenced | (not used) |
 * | 4 | the store busy or unreachable past its bound: booked `STORE_UNAVAILABLE` | `run --strict`: a report row failed |
 * | 130 | (not used) | `data import` stopped by a signal before its end, nothing written |
 *
 * 0, 1 and 2 mean the same in both programs. 4 does not, and need not: no process reads both
 * programs' codes. The fleet reads only the engine's (from a task's record, never from the CLI),
 * and a script reads only the CLI's (the CLI never passes an engine's exit code on: an engine's
 * end reaches the user as a restart in the report). Renumbering `--strict` would break scripts
 * written against the documented 4 for nothing any reader gains.
 */

/** The engine's exit codes, read by the fleet's watchdog (`classifyStop`) and by the simulation's engine model. */
export const ENGINE_EXIT = {
  /** Done, or stopped by SIGTERM/SIGINT with every fill committed and a final checkpoint written. */
  OK: 0,
  /** Fatal: an error with no code of its own, or fills not committed within the commit bound. */
  FATAL: 1,
  /** Bad config, arguments or data: the same input fails the same way, so the fleet never relaunches it. */
  BAD_INPUT: 2,
  /** Fenced out: a newer generation owns the shard, the store file was replaced, or no heartbeat within the self-fence. */
  FENCED_OUT: 3,
  /** The store was busy or unreachable past the self-fence or the commit bound; the last stderr line says what it waited on. */
  STORE_UNAVAILABLE: 4,
} as const;

/** The `arbfleet` command's exit codes, read by users' scripts. */
export const CLI_EXIT = {
  /** The command did what was asked (a campaign completed, or was stopped with Ctrl-C). */
  OK: 0,
  /** The campaign failed, or the command met an error with no code of its own. */
  FAILED: 1,
  /** Bad arguments or config: nothing was run. */
  BAD_INPUT: 2,
  /** `run --strict`: the campaign ended but its report fails an acceptance or trading row. */
  ROWS_FAILED: 4,
  /** `data import` stopped by Ctrl-C, SIGTERM or SIGHUP before its end: nothing written (128 + SIGINT's 2, the shells' convention). */
  INTERRUPTED: 130,
} as const;

export type EngineExitCode = (typeof ENGINE_EXIT)[keyof typeof ENGINE_EXIT];
export type CliExitCode = (typeof CLI_EXIT)[keyof typeof CLI_EXIT];
