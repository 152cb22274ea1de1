/**
 * The error family of arbfleet: every error the product throws on purpose is an `ArbfleetError`
 * with a `kind` (what went wrong, a closed set), `retryable` (whether the same request may
 * succeed later: only then may a caller try it again) and a standard `cause` (ES2022).
 * `ERROR_TABLE` says, for each kind, the HTTP status the API answers (`core/api/http-status.ts`
 * turns errors into responses with it) and the exit code each program ends with
 * (`core/exit-codes.ts` names them).
 *
 * | kind | class | retryable | HTTP | engine exit | CLI exit |
 * | --- | --- | --- | --- | --- | --- |
 * | `invalid-input` | `ValidationError`, `UnitError` (`core/model/units.ts`: money or time not in its unit), `FolderHeldError` (`core/local/control-plane-lock.ts`: a data folder another control plane holds) | no | 400 | 2 | 2 |
 * | `foreign-request` | `ForeignRequestError` (`core/api/local-request-guard.ts`) | no | 403 | 1 | 1 |
 * | `not-found` | `NotFoundError` | no | 404 | 1 | 1 |
 * | `method-not-allowed` | `MethodNotAllowedError` | no | 405, with `Allow` | 1 | 1 |
 * | `payload-too-large` | `PayloadTooLargeError` | no | 413 | 1 | 1 |
 * | `unsupported-media-type` | `UnsupportedMediaTypeError` | no | 415 | 1 | 1 |
 * | `too-many-streams` | `TooManyStreamsError` (`core/api/http-errors.ts`: the local API's event streams are all taken) | yes | 429 | 1 | 1 |
 * | `idempotency-key-reused` | `IdempotencyKeyReusedError` | no | 422 | 1 | 1 |
 * | `version-conflict` | `VersionConflictError` (a lost compare-and-set) | yes | 409 | 1 | 1 |
 * | `state-conflict` | `StateConflictError` (the record's state refuses the request) | when the state is passing | 409 | 1 | 1 |
 * | `already-exists` | `AlreadyExistsError` | no | 409 | 1 | 1 |
 * | `fenced-out` | `FencedOutError`, `StoreReplacedError`, `ShardClosedError` | no | 409 | 3 | 1 |
 * | `ledger-conflict` | `LedgerConflictError` | no | 409 | 1 | 1 |
 * | `ledger-gap` | `LedgerGapError` | no | 409 | 1 | 1 |
 * | `store-unavailable` | `StoreUnavailableError` | yes | 503, with `Retry-After` | 4 | 1 |
 * | `commit-failed` | `CommitFailedError` | yes | 503, with `Retry-After` | 1 | 1 |
 * | `launch-failed` | `TaskLaunchError` (`core/aws/ecs-task-launcher.ts`), `EngineBuildError` (`core/local/engine-bundle.ts`: the local engine bundle could not be built) | TaskLaunchError when ECS's reason may pass; EngineBuildError never | 502 | 1 | 1 |
 * | `store-fault` | `StoreFaultError` (`cli/store-health.ts`) | no | 500 | 1 | 1 |
 * | `incompatible-answer` | `IncompatibleAnswerError` (`cli/remote-answer.ts`: a deployed API's answer this CLI cannot read) | no | 502 | 1 | 1 |
 * | `unanswered-request` | `UnansweredRequestError` (`cli/remote-api.ts`: no answer from a deployed API, after its retries when idempotent) | no | 504 | 1 | 1 |
 * | `chaos-exit` | `ChaosExit` (`engine-task/src/chaos.ts`) | no | 500 | 1 | 1 |
 * | `programming-error` | `ProgrammingError` (a caller broke a rule of the code) | no | 500 | 1 | 1 |
 *
 * An error outside the family (a bug's `TypeError`, an SDK's error) answers 500 and exits 1,
 * except what each program recognises before the table: a store busy, throttled or unreachable
 * (`storeTroubleOf`, `core/fleet/store-trouble.ts`) is `store-unavailable` for the API (503) and
 * the engine (exit 4), and a bad command-line option (`ERR_PARSE_ARGS_*`) is bad input (exit 2).
 */
import { CLI_EXIT, ENGINE_EXIT, type CliExitCode, type EngineExitCode } from './exit-codes.js';

/** Every kind of error the family knows: `ArbfleetError.kind`. */
export const ERROR_KINDS = [
  'invalid-input',
  'foreign-request',
  'not-found',
  'method-not-allowed',
  'payload-too-large',
  'unsupported-media-type',
  'too-many-streams',
  'idempotency-key-reused',
  'version-conflict',
  'state-conflict',
  'already-exists',
  'fenced-out',
  'ledger-conflict',
  'ledger-gap',
  'store-unavailable',
  'commit-failed',
  'launch-failed',
  'store-fault',
  'incompatible-answer',
  'unanswered-request',
  'chaos-exit',
  'programming-error',
] as const;

/** What went wrong, as a closed set: the key of `ERROR_TABLE`. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** How an error of one kind ends a request or a program. */
export interface ErrorOutcome {
  /** The HTTP status the API answers (the API handler and the local server alike). */
  status: number;
  /** The engine's exit code (`ENGINE_EXIT`), read by the fleet's watchdog. */
  engineExit: EngineExitCode;
  /** The `arbfleet` command's exit code (`CLI_EXIT`), read by users' scripts. */
  cliExit: CliExitCode;
}

/** The one table from an error's kind to its HTTP status and exit codes (the module's docstring has it as a table). */
export const ERROR_TABLE: Readonly<Record<ErrorKind, ErrorOutcome>> = {
  'invalid-input': { status: 400, engineExit: ENGINE_EXIT.BAD_INPUT, cliExit: CLI_EXIT.BAD_INPUT },
  'foreign-request': { status: 403, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'not-found': { status: 404, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'method-not-allowed': { status: 405, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'payload-too-large': { status: 413, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'unsupported-media-type': { status: 415, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'too-many-streams': { status: 429, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'idempotency-key-reused': { status: 422, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'version-conflict': { status: 409, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'state-conflict': { status: 409, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'already-exists': { status: 409, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'fenced-out': { status: 409, engineExit: ENGINE_EXIT.FENCED_OUT, cliExit: CLI_EXIT.FAILED },
  'ledger-conflict': { status: 409, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'ledger-gap': { status: 409, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'store-unavailable': { status: 503, engineExit: ENGINE_EXIT.STORE_UNAVAILABLE, cliExit: CLI_EXIT.FAILED },
  'commit-failed': { status: 503, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'launch-failed': { status: 502, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'store-fault': { status: 500, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'incompatible-answer': { status: 502, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'unanswered-request': { status: 504, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'chaos-exit': { status: 500, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
  'programming-error': { status: 500, engineExit: ENGINE_EXIT.FATAL, cliExit: CLI_EXIT.FAILED },
};

/** What every member of the family may be given: whether trying again may succeed, and the error behind it. */
export interface ArbfleetErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

/**
 * The root of the family. `kind` keys `ERROR_TABLE`; `retryable` (false unless a class says
 * otherwise) tells a caller whether it may try the same request again; `cause` is the error
 * behind this one (ES2022 `Error.cause`), kept for the log, never shown to an API client.
 */
export abstract class ArbfleetError extends Error {
  abstract readonly kind: ErrorKind;
  readonly retryable: boolean;
  constructor(message: string, options: ArbfleetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** The kind of `error`, or undefined for an error outside the family. */
export function errorKindOf(error: unknown): ErrorKind | undefined {
  return error instanceof ArbfleetError ? error.kind : undefined;
}

/** True when `error` says that trying the same request again may succeed (an error outside the family may: a network fault). */
export function isRetryable(error: unknown): boolean {
  return error instanceof ArbfleetError ? error.retryable : true;
}

/** The engine's exit code for an error that ends it (`ERROR_TABLE`); anything outside the family is fatal (usage errors exit 2 in `core/command-line.ts`). */
export function engineExitCodeFor(error: unknown): EngineExitCode {
  const kind = errorKindOf(error);
  if (kind !== undefined) return ERROR_TABLE[kind].engineExit;
  return ENGINE_EXIT.FATAL;
}

/** The `arbfleet` command's exit code for an error that ends it (`ERROR_TABLE`); anything outside the family fails (usage errors exit 2 in `core/command-line.ts`). */
export function cliExitCodeFor(error: unknown): CliExitCode {
  const kind = errorKindOf(error);
  if (kind !== undefined) return ERROR_TABLE[kind].cliExit;
  return CLI_EXIT.FAILED;
}

/** One thing wrong with an input: where (a field path such as `strategy.entryBps`) and what. */
export interface FieldIssue {
  path: string;
  message: string;
  /** The 1-based line of the field in the file `source` names, when known. */
  line?: number;
}

/** Input that does not satisfy a schema or a rule. `source` names the file or request, if any. */
export class ValidationError extends ArbfleetError {
  override readonly name = 'ValidationError';
  readonly kind = 'invalid-input';
  constructor(
    readonly issues: FieldIssue[],
    readonly source?: string,
  ) {
    super(formatIssues(issues, source));
  }
}

/** A campaign, shard or other record that does not exist. */
export class NotFoundError extends ArbfleetError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not-found';
}

/**
 * A compare-and-set someone else won: the record is at another version than the one the caller
 * read. Always retryable: read the record again, decide again, write again.
 */
export class VersionConflictError extends ArbfleetError {
  override readonly name: string = 'VersionConflictError';
  readonly kind = 'version-conflict';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * A request the record's current state refuses (stopping a campaign that has ended, a transition
 * the lifecycle does not allow, a trigger the overlap policy refuses). Not retryable unless the
 * state is one that passes by itself (`retryable: true`, e.g. a schedule starting a run).
 */
export class StateConflictError extends ArbfleetError {
  override readonly name = 'StateConflictError';
  readonly kind = 'state-conflict';
}

/** A record that must be new and is not (a campaign id, a schedule name, an idempotency key in use). Permanent. */
export class AlreadyExistsError extends ArbfleetError {
  override readonly name = 'AlreadyExistsError';
  readonly kind = 'already-exists';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * A call that breaks a rule of the code itself (a shard listed twice, a fill seq twice in one
 * commit, a stop classified before the task stopped): a bug in the caller, never a conflict to
 * shrug off or retry. HTTP 500, exit 1.
 */
export class ProgrammingError extends ArbfleetError {
  override readonly name = 'ProgrammingError';
  readonly kind = 'programming-error';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * The store cannot be opened or reached (a missing file, a disk or permission fault): the
 * environment, not the request. Retryable. The API answers 503 with `Retry-After`; an engine
 * exits 4 (`ENGINE_EXIT.STORE_UNAVAILABLE`), which the fleet books `STORE_UNAVAILABLE`; nothing was written.
 */
export class StoreUnavailableError extends ArbfleetError {
  override readonly name = 'StoreUnavailableError';
  readonly kind = 'store-unavailable';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * An `Idempotency-Key` already used for a campaign with another config: the same key must mean
 * the same request (a retry), so a different body under it is refused (HTTP 422), never answered
 * with the other campaign. Permanent.
 */
export class IdempotencyKeyReusedError extends ArbfleetError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly kind = 'idempotency-key-reused';
  constructor(
    readonly idempotencyKey: string,
    readonly campaignId: string,
    /** Top-level config fields that differ from the stored campaign's. */
    readonly differences: string[],
  ) {
    super(
      `Idempotency-Key ${idempotencyKey} was used for campaign ${campaignId} with a different config (differs in: ${differences.join(', ')}); ` +
        'use a new key for a new campaign',
    );
  }
}

/**
 * A commit that would put a different fill under a `seq` the ledger already holds: the ledger
 * and the engine disagree about history. Permanent: retrying the commit cannot fix it, and the
 * stored fill is never overwritten. Nothing of the commit was written.
 */
export class LedgerConflictError extends ArbfleetError {
  override readonly name = 'LedgerConflictError';
  readonly kind = 'ledger-conflict';
  constructor(
    readonly shardId: string,
    readonly seq: number,
    /** The fields whose values differ, each as `field: stored → committed`. */
    readonly differences: string[],
  ) {
    super(`shard ${shardId}: the ledger already holds a different fill under seq ${seq} (${differences.join('; ')}); nothing of this commit was written`);
  }
}

/**
 * A commit whose new fills do not continue the ledger one seq at a time: written, it would leave
 * a gap, i.e. fills the engine made but the ledger never got (lost). Fills already stored
 * identically do not count as new (a retry). Permanent: retrying the same commit cannot fill
 * the gap; the engine must restart from checkpoint + ledger tail. Nothing of the commit was written.
 */
export class LedgerGapError extends ArbfleetError {
  override readonly name = 'LedgerGapError';
  readonly kind = 'ledger-gap';
  constructor(
    readonly shardId: string,
    /** The first new fill's seq that does not follow. */
    readonly seq: number,
    /** The seq it had to be: one after the ledger's last committed seq (or the commit's previous new fill). */
    readonly expectedSeq: number,
  ) {
    super(
      `shard ${shardId}: fill seq ${seq} would leave a gap in the ledger: the next seq must be ${expectedSeq}` +
        (expectedSeq === 0 ? ' (the ledger is empty)' : ` (one after seq ${expectedSeq - 1})`) +
        (seq > expectedSeq ? `, so ${seqRange(expectedSeq, seq - 1)} would be missing` : ', and a commit lists its fills in seq order') +
        '; nothing of this commit was written',
    );
  }
}

/**
 * A commit that could not be written and may not have been: the store did not answer (timeout,
 * connection reset) or refused it for a reason that may pass. Retrying is safe: the ledger is
 * reconciled with what landed (see `ShardPersistence.commit`).
 */
export class CommitFailedError extends ArbfleetError {
  override readonly name = 'CommitFailedError';
  readonly kind = 'commit-failed';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * A write from a task whose generation is no longer the shard's current one: the task has been
 * replaced and must stop without writing anything more.
 */
export class FencedOutError extends ArbfleetError {
  override readonly name: string = 'FencedOutError';
  readonly kind = 'fenced-out';
  /**
   * @param writers when the generation is still current but another writer of it took the shard
   *   over (`ShardPersistence.restore`'s claim, `core/ports.ts`): this task's writer identity
   *   (`self`) and the one that holds the shard now (`holder`).
   */
  constructor(
    readonly shardId: string,
    readonly generation: number,
    readonly currentGeneration: number | undefined,
    readonly writers?: { self: string; holder: string },
  ) {
    super(
      writers !== undefined && currentGeneration === generation
        ? `shard ${shardId}: writer ${writers.self} of generation ${generation} is fenced out: writer ${writers.holder} of the same generation took the shard over`
        : `shard ${shardId}: generation ${generation} is fenced out${currentGeneration === undefined ? '' : ` (current generation is ${currentGeneration})`}`,
    );
  }
}

/**
 * A task's claim (`ShardPersistence.restore`) found its shard closed (COMPLETED or FAILED) at its
 * own generation: a task started after its shard's end (a repeated launch whose task started late)
 * must not write to it. Fatal to the task as a fence (exit 3), and nothing is written.
 */
export class ShardClosedError extends FencedOutError {
  override readonly name = 'ShardClosedError';
  constructor(
    shardId: string,
    generation: number,
    readonly status: string,
  ) {
    super(shardId, generation, generation);
    this.message = `shard ${shardId}: generation ${generation} may not claim the shard: it is ${status} (closed); a task that starts after its shard's end writes nothing`;
  }
}

/**
 * The store file a task opened was deleted or replaced under it: whatever it writes now goes to a
 * file its control plane no longer reads. Fatal to the task in the same way as a fence (it stops
 * without writing more, exit 3); its shard is judged and restarted by the control plane, which
 * notices a replaced store of its own.
 */
export class StoreReplacedError extends FencedOutError {
  override readonly name = 'StoreReplacedError';
  constructor(
    shardId: string,
    generation: number,
    readonly path: string,
    readonly how: 'deleted' | 'replaced',
  ) {
    super(shardId, generation, undefined);
    this.message = `shard ${shardId}: the campaign store at ${path} was ${how} since this task opened it; writing on would go to a file no one reads`;
  }
}

function formatIssues(issues: FieldIssue[], source?: string): string {
  const prefix = source ? `${source}: ` : '';
  const only = issues.length === 1 ? (issues[0] as FieldIssue) : undefined;
  if (only) return `${source && only.line !== undefined ? `${source}:${only.line}: ` : prefix}${issueLine(only)}`;
  return `${prefix}${issues.length} problems\n${issues.map((i) => `  - ${i.line !== undefined ? `line ${i.line}: ` : ''}${issueLine(i)}`).join('\n')}`;
}

function issueLine(issue: FieldIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

function seqRange(first: number, last: number): string {
  return first === last ? `seq ${first}` : `seqs ${first}–${last}`;
}
