/**
 * The one place where errors become HTTP responses. Everything that answers HTTP (the API
 * handler, shared by the `api` Lambda and the local server, and the local server's own refusals)
 * turns an error into a response here and nowhere else. The status of each kind of error is the
 * `status` column of `ERROR_TABLE` in `core/errors.ts` (that module's docstring has the table):
 * 400 invalid input (with `issues: [{ path, message }]`), 404 not found, 405 (with an `Allow`
 * header), 409 for every conflict (a lost compare-and-set, a state that refuses the request, a
 * record that already exists, a fenced-out or refused ledger write), 413, 415, 422 a reused
 * idempotency key, 502 a launch ECS refused, 503 with `Retry-After` for a store that is busy or
 * unreachable and a commit that may pass. A store's own busy, throttled or unreachable error (an
 * SDK's or SQLite's, `storeTroubleOf`) is a `store-unavailable` too. Anything else is 500, with a
 * generic message: the caller logs the real one.
 */
import { ERROR_TABLE, errorKindOf, ValidationError, type ErrorKind, type FieldIssue } from '../errors.js';
import { storeTroubleOf } from '../fleet/store-trouble.js';
import { MethodNotAllowedError } from './http-errors.js';
import type { ApiResponse } from './http-types.js';
import { jsonResponse } from './json-response.js';

/** The JSON body of every error response. `error` is the error's name (`ValidationError`, …). */
export interface ErrorBody {
  error: string;
  message: string;
  issues?: FieldIssue[];
}

/** A 400 lists at most this many issues, so a body with thousands of bad entries gets a short answer. */
export const MAX_ISSUES_IN_RESPONSE = 100;

/** What a 500 says: the details stay in the server's log, never in the answer. */
export const INTERNAL_ERROR_MESSAGE = 'internal error: the request could not be completed (the server log has the details)';

/**
 * How long a client should wait before trying a 503 again (seconds, the `Retry-After` header). A
 * request that gets one has already waited out the store: the control plane's SQLite lock wait
 * (`CONTROL_PLANE_LOCK_WAIT_SEC`, 10 s) or the SDK's retries (7 s of backoff with the default 4
 * attempts, `sdkRetryBackoffBudgetMs`); 5 s more lets a lock holder or a throttling burst pass
 * without a client hammering the store meanwhile.
 */
export const RETRY_AFTER_SEC = 5;

/** What a 503 says: the store's details (paths, tables, SDK messages) stay in the server's log. */
export const UNAVAILABLE_MESSAGE = `the campaign store is busy or unreachable: try again in ${RETRY_AFTER_SEC} s (the server log has the details)`;

/** The kind an error answers as: its own, `store-unavailable` for a store's busy/throttled/unreachable error, else none. */
function answeredKind(error: unknown): ErrorKind | undefined {
  return errorKindOf(error) ?? (storeTroubleOf(error) === undefined ? undefined : 'store-unavailable');
}

/** The HTTP status for an error (`ERROR_TABLE`); 500 for anything outside the family. */
export function statusForError(error: unknown): number {
  const kind = answeredKind(error);
  return kind === undefined ? 500 : ERROR_TABLE[kind].status;
}

/** The response for an error. A 500 says only {@link INTERNAL_ERROR_MESSAGE}, a 503 {@link UNAVAILABLE_MESSAGE} with `Retry-After`. */
export function errorResponse(error: unknown): ApiResponse {
  const status = statusForError(error);
  if (status === 503) {
    return jsonResponse(503, { error: 'StoreUnavailableError', message: UNAVAILABLE_MESSAGE } satisfies ErrorBody, { 'retry-after': String(RETRY_AFTER_SEC) });
  }
  if (status >= 500) return jsonResponse(status, { error: 'InternalError', message: INTERNAL_ERROR_MESSAGE } satisfies ErrorBody);
  const known = error as Error;
  const body: ErrorBody = { error: known.name, message: known.message };
  if (error instanceof ValidationError) {
    body.issues = error.issues.slice(0, MAX_ISSUES_IN_RESPONSE).map(({ path, message }) => ({ path, message }));
    if (error.issues.length > MAX_ISSUES_IN_RESPONSE) {
      body.message = `${firstLine(error.message)} (the first ${MAX_ISSUES_IN_RESPONSE} are listed in issues)`;
    }
  }
  const headers: Record<string, string> = error instanceof MethodNotAllowedError ? { allow: error.allowed.join(', ') } : {};
  return jsonResponse(status, body, headers);
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
