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

/** A request that the current state does not allow (e.g. stopping a completed campaign). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/**
 * A write from a task whose generation is no longer the shard's current one: the task has been
 * replaced and must stop without writing anything more.
 */
export class FencedOutError extends Error {
  override readonly name = 'FencedOutError';
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

function formatIssues(issues: FieldIssue[], source?: string): string {
  const prefix = source ? `${source}: ` : '';
  if (issues.length === 1) return `${prefix}${issueLine(issues[0] as FieldIssue)}`;
  return `${prefix}${issues.length} problems\n${issues.map((i) => `  - ${issueLine(i)}`).join('\n')}`;
}

function issueLine(issue: FieldIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}
