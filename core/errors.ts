/**
 * The error family of arbfleet. Each maps to one HTTP status in `core/api/http-status.ts`
 * (the only place that knows about HTTP) and to one CLI exit code.
 */

/** One thing wrong with an input: where (a field path such as `strategy.entryBps`) and what. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Input that does not satisfy a schema or a rule. `source` names the file or request, if any. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly issues: FieldIssue[],
    readonly source?: string,
  ) {
    super(formatIssues(issues, source));
  }
}

/** A campaign, shard or other record that does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** How a `ConflictError` was made: whether trying again may succeed, and the error behind it. */
export interface ConflictOptions {
  /** True (the default) for a lost race, e.g. a compare-and-set someone else won: read again and retry. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * A request that the current state does not allow (e.g. stopping a completed campaign, a
 * compare-and-set someone else won). `retryable` says whether the same request may succeed
 * later; a permanent conflict (e.g. `LedgerConflictError`) must never be retried as a race.
 */
export class ConflictError extends Error {
  override readonly name: string = 'ConflictError';
  readonly retryable: boolean;
  constructor(message: string, options: ConflictOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? true;
  }
}

/**
 * The store cannot be opened or reached (a missing file, a disk or permission fault): the
 * environment, not the request. An engine exits 1 on it and is restarted; nothing was written.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * An `Idempotency-Key` already used for a campaign with another config: the same key must mean
 * the same request (a retry), so a different body under it is refused (HTTP 422), never answered
 * with the other campaign. Permanent.
 */
export class IdempotencyKeyReusedError extends ConflictError {
  override readonly name: string = 'IdempotencyKeyReusedError';
  constructor(
    readonly idempotencyKey: string,
    readonly campaignId: string,
    /** Top-level config fields that differ from the stored campaign's. */
    readonly differences: string[],
  ) {
    super(
      `Idempotency-Key ${idempotencyKey} was used for campaign ${campaignId} with a different config (differs in: ${differences.join(', ')}); ` +
        'use a new key for a new campaign',
      { retryable: false },
    );
  }
}

/**
 * A commit that would put a different fill under a `seq` the ledger already holds: the ledger
 * and the engine disagree about history. Permanent: retrying the commit cannot fix it, and the
 * stored fill is never overwritten. Nothing of the commit was written.
 */
export class LedgerConflictError extends ConflictError {
  override readonly name: string = 'LedgerConflictError';
  constructor(
    readonly shardId: string,
    readonly seq: number,
    /** The fields whose values differ, each as `field: stored → committed`. */
    readonly differences: string[],
  ) {
    super(
      `shard ${shardId}: the ledger already holds a different fill under seq ${seq} (${differences.join('; ')}); ` +
        'nothing of this commit was written',
      { retryable: false },
    );
  }
}

/**
 * A commit whose new fills do not continue the ledger one seq at a time: written, it would leave
 * a gap, i.e. fills the engine made but the ledger never got (lost). Fills already stored
 * identically do not count as new (a retry). Permanent: retrying the same commit cannot fill
 * the gap; the engine must restart from checkpoint + ledger tail. Nothing of the commit was written.
 */
export class LedgerGapError extends ConflictError {
  override readonly name: string = 'LedgerGapError';
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
      { retryable: false },
    );
  }
}

/**
 * A commit that could not be written and may not have been: the store did not answer (timeout,
 * connection reset) or refused it for a reason that may pass. Retrying is safe: the ledger is
 * reconciled with what landed (see `ShardPersistence.commit`).
 */
export class CommitFailedError extends Error {
  override readonly name = 'CommitFailedError';
  readonly retryable = true;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** True when `error` says that trying the same request again may succeed. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ConflictError || error instanceof CommitFailedError) return error.retryable;
  return !(error instanceof ValidationError || error instanceof NotFoundError || error instanceof FencedOutError);
}

/**
 * A write from a task whose generation is no longer the shard's current one: the task has been
 * replaced and must stop without writing anything more.
 */
export class FencedOutError extends Error {
  override readonly name: string = 'FencedOutError';
  constructor(
    readonly shardId: string,
    readonly generation: number,
    readonly currentGeneration: number | undefined,
  ) {
    super(
      `shard ${shardId}: generation ${generation} is fenced out` +
        (currentGeneration === undefined ? '' : ` (current generation is ${currentGeneration})`),
    );
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
  if (issues.length === 1) return `${prefix}${issueLine(issues[0] as FieldIssue)}`;
  return `${prefix}${issues.length} problems\n${issues.map((i) => `  - ${issueLine(i)}`).join('\n')}`;
}

function issueLine(issue: FieldIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

function seqRange(first: number, last: number): string {
  return first === last ? `seq ${first}` : `seqs ${first}–${last}`;
}
