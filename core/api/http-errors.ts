/**
 * Errors only HTTP can produce. The domain's errors live in `core/errors.ts`; these add what the
 * transport itself refuses, as members of the same family (`ArbfleetError`, their statuses in its
 * `ERROR_TABLE`). `core/api/http-status.ts` turns both into responses.
 */
import { ArbfleetError } from '../errors.js';

/** A request body larger than the API accepts (counted in bytes of the decoded body). */
export class PayloadTooLargeError extends ArbfleetError {
  override readonly name = 'PayloadTooLargeError';
  readonly kind = 'payload-too-large';
  constructor(
    readonly limitBytes: number,
    /** The bytes seen, when known (a streamed body stops being counted past the limit). */
    readonly receivedBytes?: number,
  ) {
    super(`the request body is larger than the limit of ${limitBytes} bytes${receivedBytes === undefined ? '' : ` (got ${receivedBytes} bytes)`}`);
  }
}

/** A body whose content type the route does not take (only `application/json` is taken). */
export class UnsupportedMediaTypeError extends ArbfleetError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly kind = 'unsupported-media-type';
  constructor(readonly contentType: string | undefined) {
    super(
      contentType === undefined
        ? 'the content-type header is missing: send the body as application/json'
        : `content-type must be application/json (optionally with charset=utf-8), got ${excerpt(contentType)}`,
    );
  }
}

/** A known path asked with a method it does not answer; the response carries `Allow`. */
export class MethodNotAllowedError extends ArbfleetError {
  override readonly name = 'MethodNotAllowedError';
  readonly kind = 'method-not-allowed';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super(`${excerpt(method)} is not allowed on ${excerpt(path)}: allowed ${allowed.join(', ')}`);
  }
}

/**
 * Every event stream the local API holds (`GET /events`, `event-streams.ts`) is taken: a console
 * tab more would hold a connection the CLI and the engines' operator need. Retryable once a tab
 * closes (HTTP 429).
 */
export class TooManyStreamsError extends ArbfleetError {
  override readonly name = 'TooManyStreamsError';
  readonly kind = 'too-many-streams';
  constructor(readonly limit: number) {
    super(`at most ${limit} console event streams are served at once and all are open: close a console tab and reload`, { retryable: true });
  }
}

/**
 * Quotes text a client sent for use in an error message, cut to `max` characters so a hostile
 * request cannot make the answer arbitrarily large.
 */
export function excerpt(text: string, max = 80): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}…`;
}
