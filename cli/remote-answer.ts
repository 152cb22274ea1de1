/**
 * The deployed API's answers, read through the records' zod schemas before `arbfleet remote`
 * renders them (`core/model/records.ts`: `CampaignRecordSchema`, `ShardRecordSchema`), so that an
 * answer of an older or newer API than this CLI, or an error body where a campaign was expected,
 * is refused naming the field that did not match rather than drawn as a table of `undefined`s.
 *
 * Fields this CLI does not know (`unrecognized_keys`: a newer API added them) are not a mismatch:
 * the tables never read them, so they are left out of the judgement; every field the records
 * declare must be there with its type.
 */
import { z } from 'zod';
import { formatPath } from '../core/config/zod-issues.js';
import { ArbfleetError } from '../core/errors.js';
import { CampaignRecordSchema, ShardRecordSchema, type CampaignRecord } from '../core/model/records.js';
import type { CampaignView } from '../core/ports.js';

/** How many mismatched fields the message names (the rest are counted). */
const FIELDS_NAMED = 5;

/** `GET /campaigns/{id}`, `POST /campaigns` and `POST /campaigns/{id}/stop` answer a campaign view. */
export const CampaignViewAnswerSchema = z.object({ campaign: CampaignRecordSchema, shards: z.array(ShardRecordSchema) });

/** `GET /campaigns` answers the campaigns, newest first. */
export const CampaignListAnswerSchema = z.object({ campaigns: z.array(CampaignRecordSchema) });

/**
 * A 2xx answer of the API that is not what this CLI reads from that route: exit 1 (`CLI_EXIT.FAILED`,
 * `ERROR_TABLE` kind `incompatible-answer`); the message names the request, the fields that did not
 * match (dotted paths, as `shards[0].generation`), what was expected and what was found.
 */
export class IncompatibleAnswerError extends ArbfleetError {
  override readonly name = 'IncompatibleAnswerError';
  readonly kind = 'incompatible-answer';
}

/** The campaign view of a 2xx answer to `request` (e.g. `GET /campaigns/c-1`). @throws IncompatibleAnswerError */
export function campaignViewOf(body: unknown, request: string): CampaignView {
  return checked(CampaignViewAnswerSchema, body, request, 'a campaign view ({ campaign, shards })') as CampaignView;
}

/** The campaigns of a 2xx answer to `GET /campaigns`. @throws IncompatibleAnswerError */
export function campaignListOf(body: unknown, request: string): CampaignRecord[] {
  return (checked(CampaignListAnswerSchema, body, request, 'a campaign list ({ campaigns })') as { campaigns: CampaignRecord[] }).campaigns;
}

/**
 * `body` when it matches `schema` but for fields the schema does not know (kept as they are: the
 * renderers never read them); else an `IncompatibleAnswerError`.
 */
function checked(schema: z.ZodType, body: unknown, request: string, expected: string): unknown {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
  if (issues.length === 0) return body;
  const named = issues.slice(0, FIELDS_NAMED).map((issue) => `${formatPath(issue.path as readonly PropertyKey[]) || '(the whole answer)'}: ${issue.message}`);
  const more = issues.length > FIELDS_NAMED ? `; and ${issues.length - FIELDS_NAMED} more` : '';
  const error = errorBodyOf(body);
  const said = error === undefined ? '' : ` It reads as an error: ${error}.`;
  throw new IncompatibleAnswerError(
    `${request}: the API's answer is not ${expected} as this CLI reads it: ${named.join('; ')}${more}.${said} ` +
      'Is the API older or newer than this CLI? `arbfleet remote --json` prints the answer as it came.',
  );
}

/** `error: message` of an API error body (`{ error, message }`, `core/api/http-status.ts`), or a gateway's `{ message }`. */
function errorBodyOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  return typeof error === 'string' ? `${error}: ${message}` : message;
}
