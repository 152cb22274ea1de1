/**
 * The one place where errors meet HTTP statuses. Everything that answers HTTP (the API handler,
 * the local server) turns an error into a response here and nowhere else.
 *
 * | error | status |
 * | --- | --- |
 * | `ValidationError` | 400, with `issues: [{ path, message }]` |
 * | `NotFoundError` (an unknown campaign or an unknown route) | 404 |
 * | `MethodNotAllowedError` | 405, with an `Allow` header |
 * | `IdempotencyKeyReusedError` (a key reused with another body) | 422 |
 * | `ConflictError`, `FencedOutError` | 409 |
 * | `PayloadTooLargeError` | 413 |
 * | `UnsupportedMediaTypeError` | 415 |
 * | anything else | 500, with a generic message (the caller logs the real one) |
 */
import { ConflictError, FencedOutError, IdempotencyKeyReusedError, NotFoundError, ValidationError, type FieldIssue } from '../errors.js';
import { MethodNotAllowedError, PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors.js';
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

/** The HTTP status for an error; 500 for anything that is not one of the known families. */
export function statusForError(error: unknown): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof MethodNotAllowedError) return 405;
  if (error instanceof IdempotencyKeyReusedError) return 422;
  if (error instanceof ConflictError || error instanceof FencedOutError) return 409;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  return 500;
}

/** The response for an error. A 500 says only {@link INTERNAL_ERROR_MESSAGE}. */
export function errorResponse(error: unknown): ApiResponse {
  const status = statusForError(error);
  if (status === 500) return jsonResponse(500, { error: 'InternalError', message: INTERNAL_ERROR_MESSAGE } satisfies ErrorBody);
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
