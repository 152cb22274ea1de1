/**
 * How an engine process ends: its exit code (`ENGINE_EXIT`, `core/exit-codes.ts`) and its last
 * stderr line, which the fleet quotes in a restart's detail (`classifyStop`). One mapping, used by
 * the entrypoint (`main.ts`, which writes the line and exits) and by the simulation's real-runner
 * tasks (`sim/real-runner-task.ts`), so the simulation judges the exits the engine really gives.
 */
import { engineExitCodeFor, errorKindOf, ValidationError } from '../../core/errors.js';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { STORE_UNAVAILABLE_PREFIX, storeTroubleOf } from '../../core/fleet/store-trouble.js';
import { ChaosExit } from './chaos.js';
import type { RunOutcome } from './runner.js';

/** An engine's end: the code it exits with and its last stderr line (none for a clean end). */
export interface EngineEnd {
  code: number;
  /** Without the `arbfleet-engine: ` prefix and the newline; undefined when nothing is written. */
  lastWords?: string;
}

/**
 * The end of a run that returned: never 0 while fills the engine made are not in the ledger.
 * 3 when fenced or self-fenced; 4 `store unavailable: …` naming what it waited on; 1 when its
 * fills could not be committed (`commit-failed`, or any fill left uncommitted); else 0.
 */
export function endOfOutcome(outcome: RunOutcome): EngineEnd {
  if (outcome.end === 'fenced' || outcome.end === 'self-fenced') return { code: ENGINE_EXIT.FENCED_OUT };
  if (outcome.end === 'store-unavailable') {
    return {
      code: ENGINE_EXIT.STORE_UNAVAILABLE,
      lastWords: `${STORE_UNAVAILABLE_PREFIX}${outcome.reason}; ${outcome.fillsUncommitted} of ${outcome.fills} fill(s) not committed`,
    };
  }
  if (outcome.end === 'commit-failed' || outcome.fillsUncommitted > 0) {
    return { code: ENGINE_EXIT.FATAL, lastWords: `${outcome.fillsUncommitted} of ${outcome.fills} fill(s) not committed: ${outcome.reason}` };
  }
  return { code: ENGINE_EXIT.OK };
}

/**
 * The end of a run that threw (before or during the run): 2 `invalid config: …` for bad input;
 * 1 for a chaos `exit`; 4 `store unavailable: …` for a store busy or unreachable before the run
 * began (the restore, the config read) or one that cannot be opened; else the error kind's code
 * in `ERROR_TABLE` (`core/errors.ts`), `fatal: …` (1) for anything without one.
 */
export function endOfError(error: unknown): EngineEnd {
  if (error instanceof ValidationError) return { code: engineExitCodeFor(error), lastWords: `invalid config: ${error.message}` };
  if (error instanceof ChaosExit) return { code: engineExitCodeFor(error), lastWords: error.message };
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const trouble = storeTroubleOf(error);
  if (trouble !== undefined) {
    const what = trouble.kind === 'busy' ? 'store busy' : trouble.kind === 'throttled' ? 'DynamoDB throttled' : 'store unreachable';
    return { code: ENGINE_EXIT.STORE_UNAVAILABLE, lastWords: `${STORE_UNAVAILABLE_PREFIX}${what}: ${trouble.code}: ${reason}` };
  }
  // A store that cannot be opened (`StoreUnavailableError`, exit 4) says so in the line the fleet quotes.
  return { code: engineExitCodeFor(error), lastWords: `${errorKindOf(error) === 'store-unavailable' ? STORE_UNAVAILABLE_PREFIX : 'fatal: '}${reason}` };
}
