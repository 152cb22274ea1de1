/**
 * The identifiers a request carries: the campaign id in the path and the `Idempotency-Key`
 * header.
 *
 * The campaign id rule: an id is 1–64 characters of `A-Z a-z 0-9 _ -`, taken exactly as it
 * appears in the path (no percent-decoding: a valid id never needs encoding). Any other path
 * segment (too long, odd characters, `%2F`, percent-encoded junk) is answered 404, since no
 * campaign can have that id; the fleet is never asked about it.
 */
import { NotFoundError, ValidationError } from '../errors.js';
import { excerpt } from './http-errors.js';

const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** The header that makes a `POST /campaigns` safe to retry (lower-cased, as in `ApiRequest`). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Returns `segment` when it can be a campaign id.
 * @throws NotFoundError when it cannot (see the rule above).
 */
export function campaignIdFromPath(segment: string): string {
  if (CAMPAIGN_ID.test(segment)) return segment;
  throw new NotFoundError(`no campaign ${excerpt(segment)}: campaign ids are 1-64 characters of A-Z, a-z, 0-9, _ or -`);
}

/**
 * Returns `segment` when it can be a schedule id (a schedule's name: 1-63 of `a-z 0-9 -`).
 * @throws NotFoundError when it cannot.
 */
export function scheduleIdFromPath(segment: string): string {
  if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(segment)) return segment;
  throw new NotFoundError(`no schedule ${excerpt(segment)}: schedule ids are 1-63 lowercase letters, digits or dashes`);
}

/**
 * The `Idempotency-Key` header's value, or `undefined` when the header is absent.
 * @throws ValidationError when present but not 1–128 characters of `A-Z a-z 0-9 _ -`.
 */
export function idempotencyKeyOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined || IDEMPOTENCY_KEY.test(headerValue)) return headerValue;
  throw new ValidationError([
    {
      path: 'Idempotency-Key',
      message: `must be 1-128 characters of A-Z, a-z, 0-9, _ or -, got ${headerValue.length} characters: ${excerpt(headerValue, 40)}`,
    },
  ]);
}
