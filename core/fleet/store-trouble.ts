/**
 * A store that is busy or unreachable, as a task sees it: which error, how often, since when. The
 * engine keeps one `StoreTrouble` for its current run of failed store calls, and says it when it
 * gives up ("store busy: SQLITE_BUSY for 4.1 s", "DynamoDB throttled:
 * ProvisionedThroughputExceededException ×12 over 3.2 s"), so the fleet books the end as
 * `STORE_UNAVAILABLE`, not as a crash of the engine (`watchdog-policy.ts`, `classifyStop`).
 */

/** The kind of store trouble an error is, or undefined for an error that is not about availability. */
export type StoreTroubleKind = 'busy' | 'throttled' | 'unreachable';

/** A run of failed store calls (times are the caller's monotonic ms). */
export interface StoreTrouble {
  kind: StoreTroubleKind;
  /** The error's code or name (`SQLITE_BUSY`, `ProvisionedThroughputExceededException`, `ECONNREFUSED`, …). */
  code: string;
  since: number;
  last: number;
  count: number;
}

/** SQLite's answers for a lock held by another connection. */
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
/** DynamoDB's (and the AWS SDK's) throttling answers. */
const THROTTLE_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'ThrottlingError',
]);
/** Network-level failures to reach a store. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

/** The code an error carries: its `code`, else its `name`, else its cause's (one level). */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown; cause?: unknown; message?: unknown; CancellationReasons?: { Code?: string }[] };
  for (const c of [e.code, e.name]) if (typeof c === 'string' && (BUSY_CODES.has(c) || THROTTLE_CODES.has(c) || UNREACHABLE_CODES.has(c))) return c;
  // A DynamoDB transaction cancelled because an item was throttled: `ThrottlingError` among its
  // reasons (or, from an emulator that leaves them out, in the message's trailing list).
  if (e.name === 'TransactionCanceledException') {
    const codes = e.CancellationReasons?.map((r) => r.Code ?? '') ?? [String(e.message ?? '')];
    if (codes.some((code) => code.includes('Throttling'))) return 'ThrottlingError';
  }
  if (e.cause !== undefined && e.cause !== error) return codeOf(e.cause);
  return undefined;
}

/** What kind of store trouble `error` is (`busy`, `throttled`, `unreachable`), with its code; undefined otherwise. */
export function storeTroubleOf(error: unknown): { kind: StoreTroubleKind; code: string } | undefined {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  if (BUSY_CODES.has(code)) return { kind: 'busy', code };
  if (THROTTLE_CODES.has(code)) return { kind: 'throttled', code };
  return { kind: 'unreachable', code };
}

/**
 * The trouble after one more failed call at `at`: a new run when the kind changes (or none yet),
 * else the same run counted once more. Undefined when `error` is not store trouble.
 */
export function noteStoreTrouble(trouble: StoreTrouble | undefined, error: unknown, at: number): StoreTrouble | undefined {
  const seen = storeTroubleOf(error);
  if (seen === undefined) return undefined;
  if (trouble === undefined || trouble.kind !== seen.kind) return { ...seen, since: at, last: at, count: 1 };
  return { ...trouble, code: seen.code, last: at, count: trouble.count + 1 };
}

/**
 * In words, up to `now` (ms, the same clock): "store busy: SQLITE_BUSY for 4.1 s (12 attempts)",
 * "DynamoDB throttled: ProvisionedThroughputExceededException ×12 over 3.2 s", "store unreachable:
 * ECONNREFUSED ×3 over 1.0 s".
 */
export function describeStoreTrouble(trouble: StoreTrouble, now: number): string {
  const span = (Math.max(now, trouble.last) - trouble.since) / 1000;
  if (trouble.kind === 'busy') return `store busy: ${trouble.code} for ${span.toFixed(1)} s (${trouble.count} attempt(s))`;
  if (trouble.kind === 'throttled') return `DynamoDB throttled: ${trouble.code} ×${trouble.count} over ${span.toFixed(1)} s`;
  return `store unreachable: ${trouble.code} ×${trouble.count} over ${span.toFixed(1)} s`;
}

/**
 * The prefix of the engine's last stderr line when it ends because the store was unavailable
 * (exit `ENGINE_EXIT.STORE_UNAVAILABLE`): the fleet quotes the line in the restart's detail.
 */
export const STORE_UNAVAILABLE_PREFIX = 'store unavailable: ';
