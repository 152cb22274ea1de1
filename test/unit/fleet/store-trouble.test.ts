/**
 * Store trouble as the engine names it when it gives up (`core/fleet/store-trouble.ts`), beyond
 * `store-unavailable.test.ts`: every code of each kind, a code found by the error's name when its
 * `code` is another, a cause that is the error itself, the code of a run following its latest
 * failure, the span never negative, and the words for an unreachable store. Written for
 * `npm run mutate` (docs/mutation.md).
 */
import { describe, expect, it } from 'vitest';
import { describeStoreTrouble, noteStoreTrouble, storeTroubleOf } from '../../../core/fleet/store-trouble.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });
const withName = (name: string) => Object.assign(new Error(name), { name });

describe('storeTroubleOf', () => {
  it('knows every SQLite lock answer as busy', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']) {
      expect(storeTroubleOf(withCode(code))).toEqual({ kind: 'busy', code });
    }
  });

  it('knows every DynamoDB and SDK throttling answer as throttled', () => {
    for (const name of ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException', 'ThrottlingError']) {
      expect(storeTroubleOf(withName(name))).toEqual({ kind: 'throttled', code: name });
    }
  });

  it('knows every network failure as unreachable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']) {
      expect(storeTroubleOf(withCode(code))).toEqual({ kind: 'unreachable', code });
    }
    for (const name of ['TimeoutError', 'RequestTimeout']) expect(storeTroubleOf(withName(name))).toEqual({ kind: 'unreachable', code: name });
  });

  it('reads the name when the code is not a store answer', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ERR_SOCKET', name: 'TimeoutError' });
    expect(storeTroubleOf(error)).toEqual({ kind: 'unreachable', code: 'TimeoutError' });
  });

  it('is not store trouble: a value that is not an object, an error whose cause is itself, a transaction cancelled for a condition', () => {
    expect(storeTroubleOf('SQLITE_BUSY')).toBeUndefined();
    expect(storeTroubleOf(null)).toBeUndefined();
    const selfCaused = new Error('loop');
    Object.assign(selfCaused, { cause: selfCaused });
    expect(storeTroubleOf(selfCaused)).toBeUndefined();
    const reasons = Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{}, { Code: 'ConditionalCheckFailed' }],
    });
    expect(storeTroubleOf(reasons)).toBeUndefined();
  });
});

describe('a message that mentions throttling', () => {
  it('is read only on a cancelled transaction, not on any error', () => {
    expect(storeTroubleOf(new Error('ThrottlingException seen upstream'))).toBeUndefined();
  });
});

describe('noteStoreTrouble', () => {
  it('a run of one kind keeps its start and takes the latest failure’s code', () => {
    const first = noteStoreTrouble(undefined, withCode('SQLITE_BUSY'), 1_000);
    const next = noteStoreTrouble(first, withCode('SQLITE_LOCKED'), 1_500);
    expect(next).toEqual({ kind: 'busy', code: 'SQLITE_LOCKED', since: 1_000, last: 1_500, count: 2 });
  });
});

describe('describeStoreTrouble', () => {
  it('says an unreachable store with its code, count and span', () => {
    const trouble = { kind: 'unreachable' as const, code: 'ECONNREFUSED', since: 1_000, last: 2_000, count: 3 };
    expect(describeStoreTrouble(trouble, 2_000)).toBe('store unreachable: ECONNREFUSED ×3 over 1.0 s');
  });

  it('never counts the span back from a `now` earlier than the last failure', () => {
    const trouble = { kind: 'busy' as const, code: 'SQLITE_BUSY', since: 1_000, last: 3_500, count: 2 };
    expect(describeStoreTrouble(trouble, 2_000)).toBe('store busy: SQLITE_BUSY for 2.5 s (2 attempt(s))');
  });
});
