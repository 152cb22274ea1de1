/**
 * Hand-written checks for the two engine messages that come many times a second, `progress` and
 * `commit` (with every fill in it), on the agent's per-line path. The zod schemas of
 * `core/model/task-protocol.ts` stay the contract (the docs' JSON Schemas are generated from them,
 * and zod words what is wrong with a refused line); these say only yes or no, the same yes or no
 * (`test/unit/engine/agent/message-check.test.ts` runs both over one corpus of messages and
 * mutations of each field). Why by hand: a commit of 2,500 fills costs JSON.parse ~2.2 ms, Ajv's
 * compiled validator ~1.3 ms more and these ~0.2 ms (`npm run bench -- --agent`).
 *
 * Each rule is the zod schema's: `z.number()` is finite, `.int()` a safe integer, `.nonnegative()`
 * ≥ 0, `.positive()` > 0, strict objects hold no other key.
 */

const isFiniteNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isNonNegative = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The keys of `object`, counted without allocating (a strict object's keys must all be known). A
 * parsed line's objects inherit only `Object.prototype`'s keys, none enumerable: were one added,
 * this would count too many, and a valid line would only take the slow way (zod decides then).
 */
function keyCount(object: Record<string, unknown>): number {
  let count = 0;
  for (const _key in object) count++;
  return count;
}

function isReason(value: unknown): boolean {
  return value === 'ENTRY' || value === 'REVERSION' || value === 'TAKE_PROFIT' || value === 'STOP_LOSS' || value === 'MAX_HOLDING' || value === 'CAMPAIGN_END';
}

/** `ProtocolFillSchema`: the ledger's `Fill` without `generation`. */
export function isProtocolFill(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const f = value;
  if (
    !(
      isCount(f.seq) &&
      isCount(f.tradeId) &&
      typeof f.symbol === 'string' &&
      (f.venue === 'A' || f.venue === 'B') &&
      (f.side === 'BUY' || f.side === 'SELL') &&
      (f.kind === 'OPEN' || f.kind === 'CLOSE') &&
      isReason(f.reason) &&
      isNonNegative(f.qty) &&
      isPositive(f.price) &&
      isNonNegative(f.fee) &&
      isPositive(f.fxRate) &&
      isFiniteNumber(f.ts)
    )
  ) {
    return false;
  }
  let known = 12;
  if (f.eventTs !== undefined) {
    if (!isFiniteNumber(f.eventTs)) return false;
    known++;
  }
  if (f.wallTs !== undefined) {
    if (!isFiniteNumber(f.wallTs)) return false;
    known++;
  }
  if (f.quoteTsA !== undefined) {
    if (!isFiniteNumber(f.quoteTsA)) return false;
    known++;
  }
  if (f.quoteTsB !== undefined) {
    if (!isFiniteNumber(f.quoteTsB)) return false;
    known++;
  }
  if (f.staleQuote !== undefined) {
    if (typeof f.staleQuote !== 'boolean') return false;
    known++;
  }
  if (f.decisionPrice !== undefined) {
    if (!isPositive(f.decisionPrice)) return false;
    known++;
  }
  if (f.orderedQty !== undefined) {
    if (!isNonNegative(f.orderedQty)) return false;
    known++;
  }
  if (f.unsized !== undefined) {
    if (typeof f.unsized !== 'boolean') return false;
    known++;
  }
  if (f.beyondBookQty !== undefined) {
    if (!isNonNegative(f.beyondBookQty)) return false;
    known++;
  }
  return keyCount(f) === known;
}

/** `EngineCheckpointSchema`: any JSON value but null (a number must be finite). */
function isEngineCheckpoint(value: unknown): boolean {
  if (typeof value === 'object') return value !== null;
  return typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

/** `CommitMessageSchema`. */
export function isCommitMessage(value: Record<string, unknown>): boolean {
  if (value.type !== 'commit' || !isCount(value.seq) || !Array.isArray(value.fills) || !isEngineCheckpoint(value.checkpoint)) return false;
  if (keyCount(value) !== 4) return false;
  const fills = value.fills;
  for (let i = 0; i < fills.length; i++) if (!isProtocolFill(fills[i])) return false;
  return true;
}

/** `ProtocolVenueSchema`: `updates` a count, `lastUpdateAt` finite when present, no other key. */
function isProtocolVenue(value: unknown): boolean {
  if (!isPlainObject(value) || !isCount(value.updates)) return false;
  if (value.lastUpdateAt === undefined) return keyCount(value) === 1;
  return isFiniteNumber(value.lastUpdateAt) && keyCount(value) === 2;
}

/** `ProtocolVenuesSchema`: venues `a` and `b`, `fx` when present, no other key. */
function isProtocolVenues(value: unknown): boolean {
  if (!isPlainObject(value) || !isProtocolVenue(value.a) || !isProtocolVenue(value.b)) return false;
  if (value.fx === undefined) return keyCount(value) === 2;
  return isProtocolVenue(value.fx) && keyCount(value) === 3;
}

/** `ProgressMessageSchema`. */
export function isProgressMessage(value: Record<string, unknown>): boolean {
  if (
    !(
      value.type === 'progress' &&
      isCount(value.counter) &&
      isCount(value.trades) &&
      isCount(value.openPositions) &&
      Number.isSafeInteger(value.realizedPnlMicros)
    )
  ) {
    return false;
  }
  let known = 5;
  if (value.ticks !== undefined) {
    if (!isCount(value.ticks)) return false;
    known++;
  }
  if (value.eventTime !== undefined) {
    if (!isFiniteNumber(value.eventTime)) return false;
    known++;
  }
  if (value.latency !== undefined) {
    const l = value.latency;
    if (!(isPlainObject(l) && isNonNegative(l.p50Us) && isNonNegative(l.p99Us) && isNonNegative(l.maxUs) && keyCount(l) === 3)) return false;
    known++;
  }
  if (value.venues !== undefined) {
    if (!isProtocolVenues(value.venues)) return false;
    known++;
  }
  return keyCount(value) === known;
}
