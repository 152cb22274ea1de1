/**
 * The error family (`core/errors.ts`): one root, a kind per class, `retryable` and `cause`, and the
 * one table from kind to HTTP status and to each program's exit code (`ERROR_TABLE`, with the
 * exit codes' names in `core/exit-codes.ts`), as the API, the engine and the CLI read it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorResponse, RETRY_AFTER_SEC, statusForError } from '../../core/api/http-status.js';
import { MethodNotAllowedError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../core/api/http-errors.js';
import { TaskLaunchError } from '../../core/aws/ecs-task-launcher.js';
import { EngineBuildError } from '../../core/local/engine-bundle.js';
import {
  AlreadyExistsError,
  ArbfleetError,
  cliExitCodeFor,
  CommitFailedError,
  engineExitCodeFor,
  ERROR_KINDS,
  ERROR_TABLE,
  FencedOutError,
  IdempotencyKeyReusedError,
  isRetryable,
  LedgerConflictError,
  LedgerGapError,
  NotFoundError,
  ProgrammingError,
  StateConflictError,
  StoreReplacedError,
  StoreUnavailableError,
  ValidationError,
  VersionConflictError,
} from '../../core/errors.js';
import { CLI_EXIT, ENGINE_EXIT } from '../../core/exit-codes.js';
import { ChaosExit } from '../../engine-task/src/chaos.js';
import { StoreFaultError } from '../../cli/store-health.js';
import { IncompatibleAnswerError } from '../../cli/remote-answer.js';

const sdkError = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

/** One member of every class of the family, with the kind, retryability and status it must have. */
const MEMBERS: { error: ArbfleetError; kind: string; retryable: boolean; status: number }[] = [
  { error: new ValidationError([{ path: 'duration', message: 'expected a duration' }], 'c.yaml'), kind: 'invalid-input', retryable: false, status: 400 },
  { error: new NotFoundError('no campaign c1'), kind: 'not-found', retryable: false, status: 404 },
  { error: new MethodNotAllowedError('PUT', '/campaigns', ['GET', 'POST']), kind: 'method-not-allowed', retryable: false, status: 405 },
  { error: new PayloadTooLargeError(1024, 2048), kind: 'payload-too-large', retryable: false, status: 413 },
  { error: new UnsupportedMediaTypeError('text/plain'), kind: 'unsupported-media-type', retryable: false, status: 415 },
  { error: new IdempotencyKeyReusedError('k', 'c1', ['duration']), kind: 'idempotency-key-reused', retryable: false, status: 422 },
  { error: new VersionConflictError('campaign c1 is at version 3, not 2'), kind: 'version-conflict', retryable: true, status: 409 },
  { error: new StateConflictError('campaign c1 cannot go from COMPLETED to RUNNING'), kind: 'state-conflict', retryable: false, status: 409 },
  { error: new StateConflictError('schedule s is starting a run', { retryable: true }), kind: 'state-conflict', retryable: true, status: 409 },
  { error: new AlreadyExistsError('campaign c1 already exists'), kind: 'already-exists', retryable: false, status: 409 },
  { error: new FencedOutError('shard-000', 1, 2), kind: 'fenced-out', retryable: false, status: 409 },
  { error: new StoreReplacedError('shard-000', 1, '/tmp/fleet.db', 'replaced'), kind: 'fenced-out', retryable: false, status: 409 },
  { error: new LedgerConflictError('shard-000', 4, ['qty: 1 → 2']), kind: 'ledger-conflict', retryable: false, status: 409 },
  { error: new LedgerGapError('shard-000', 6, 4), kind: 'ledger-gap', retryable: false, status: 409 },
  { error: new StoreUnavailableError('cannot open the campaign store at /x'), kind: 'store-unavailable', retryable: true, status: 503 },
  { error: new CommitFailedError('commit still failing'), kind: 'commit-failed', retryable: true, status: 503 },
  {
    error: new TaskLaunchError('ECS could not launch', 'RESOURCE:MEMORY', 4, { retryable: true, cause: sdkError }),
    kind: 'launch-failed',
    retryable: true,
    status: 502,
  },
  { error: new EngineBuildError('could not build the engine bundle (never built)'), kind: 'launch-failed', retryable: false, status: 502 },
  { error: new StoreFaultError('the store cannot be written for 21 s'), kind: 'store-fault', retryable: false, status: 500 },
  { error: new IncompatibleAnswerError('GET /campaigns/c1: campaign.shardCount: expected number'), kind: 'incompatible-answer', retryable: false, status: 502 },
  { error: new ChaosExit('chaos: exit'), kind: 'chaos-exit', retryable: false, status: 500 },
  { error: new ProgrammingError('shard shard-000 is listed twice'), kind: 'programming-error', retryable: false, status: 500 },
];

describe('the error family', () => {
  it('every class is an ArbfleetError (and an Error) with its kind, its retryability and its status', () => {
    for (const { error, kind, retryable, status } of MEMBERS) {
      expect(error, error.name).toBeInstanceOf(ArbfleetError);
      expect(error, error.name).toBeInstanceOf(Error);
      expect({ name: error.name, kind: error.kind, retryable: error.retryable, retryableAsSeen: isRetryable(error), status: statusForError(error) }).toEqual({
        name: error.name,
        kind,
        retryable,
        retryableAsSeen: retryable,
        status,
      });
    }
  });

  it('every kind has a class declaring it, and every kind a row of the table: an HTTP status and an exit code of each program', () => {
    const declared = new Set(productSources().flatMap(({ text }) => [...text.matchAll(/readonly kind = '([a-z-]+)'/g)].map((m) => m[1])));
    expect(declared).toEqual(new Set(ERROR_KINDS));
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...ERROR_KINDS].sort());
    const engineCodes = new Set<number>(Object.values(ENGINE_EXIT));
    const cliCodes = new Set<number>(Object.values(CLI_EXIT));
    for (const kind of ERROR_KINDS) {
      const row = ERROR_TABLE[kind];
      expect(row.status >= 400 && row.status <= 599, `${kind}: status ${row.status}`).toBe(true);
      expect(engineCodes.has(row.engineExit), `${kind}: engine exit ${row.engineExit}`).toBe(true);
      expect(cliCodes.has(row.cliExit), `${kind}: CLI exit ${row.cliExit}`).toBe(true);
      // An error never ends a program with "done".
      expect(row.engineExit, kind).not.toBe(ENGINE_EXIT.OK);
      expect(row.cliExit, kind).not.toBe(CLI_EXIT.OK);
    }
  });

  it('keeps the cause it is given (ES2022 `cause`): a launch ECS refused keeps the SDK’s error', () => {
    const launch = MEMBERS.find((m) => m.kind === 'launch-failed')?.error;
    expect(launch?.cause).toBe(sdkError);
    const io = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    for (const error of [
      new StoreUnavailableError('x', { cause: io }),
      new CommitFailedError('x', { cause: io }),
      new VersionConflictError('x', { cause: io }),
      new StateConflictError('x', { cause: io }),
      new ProgrammingError('x', { cause: io }),
    ]) {
      expect(error.cause, error.name).toBe(io);
    }
    expect(new NotFoundError('x').cause).toBeUndefined();
  });

  it('splits what was one ConflictError by meaning: only a lost compare-and-set is retryable by nature', () => {
    expect(new VersionConflictError('x').retryable).toBe(true);
    expect(new StateConflictError('x').retryable).toBe(false);
    expect(new AlreadyExistsError('x').retryable).toBe(false);
    expect(new ProgrammingError('x').retryable).toBe(false);
    expect([VersionConflictError, StateConflictError, AlreadyExistsError, ProgrammingError].map((c) => statusForError(new c('x')))).toEqual([
      409, 409, 409, 500,
    ]);
  });

  it('an error outside the family may be retried (a network fault), answers 500 and exits 1', () => {
    const plain = new TypeError('x is undefined');
    expect(isRetryable(plain)).toBe(true);
    expect(statusForError(plain)).toBe(500);
    expect(engineExitCodeFor(plain)).toBe(ENGINE_EXIT.FATAL);
    expect(cliExitCodeFor(plain)).toBe(CLI_EXIT.FAILED);
  });
});

describe('exit codes from the table', () => {
  it('the engine: bad input 2, fenced out 3, a store it cannot open 4, anything else 1', () => {
    expect(engineExitCodeFor(new ValidationError([{ path: 'symbols', message: 'not in the campaign: X' }]))).toBe(2);
    expect(engineExitCodeFor(new FencedOutError('shard-000', 1, 2))).toBe(3);
    expect(engineExitCodeFor(new StoreReplacedError('shard-000', 1, '/x', 'deleted'))).toBe(3);
    expect(engineExitCodeFor(new StoreUnavailableError('cannot open the campaign store at /x'))).toBe(4);
    expect(engineExitCodeFor(new ChaosExit('chaos: exit'))).toBe(1);
    expect(engineExitCodeFor(new LedgerConflictError('shard-000', 1, ['qty: 1 → 2']))).toBe(1);
  });

  it('the CLI: bad input 2, anything else 1 (4 is `run --strict`’s failed rows, an outcome, not an error)', () => {
    expect(cliExitCodeFor(new ValidationError([{ path: '--duration', message: 'expected a duration' }]))).toBe(2);
    for (const { error } of MEMBERS.filter((m) => m.kind !== 'invalid-input')) expect(cliExitCodeFor(error), error.name).toBe(1);
  });

  it('an error outside the family is fatal in the engine and a failure in the CLI, whatever it says', () => {
    const unknown = Object.assign(new TypeError("Unknown option '--bogus'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    expect(engineExitCodeFor(unknown)).toBe(ENGINE_EXIT.FATAL);
    expect(cliExitCodeFor(unknown)).toBe(CLI_EXIT.FAILED);
  });

  it('0, 1 and 2 mean the same in both programs; each program names each code once', () => {
    expect([ENGINE_EXIT.OK, ENGINE_EXIT.FATAL, ENGINE_EXIT.BAD_INPUT]).toEqual([CLI_EXIT.OK, CLI_EXIT.FAILED, CLI_EXIT.BAD_INPUT]);
    for (const codes of [Object.values(ENGINE_EXIT), Object.values(CLI_EXIT)]) expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('HTTP answers from the table', () => {
  it('503 with Retry-After for a store that is unavailable, its own error or a store’s busy/throttled/unreachable answer, without its details', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const throttled = Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    for (const error of [new StoreUnavailableError('cannot open the campaign store at /secret/fleet.db'), busy, throttled, refused]) {
      const response = errorResponse(error);
      expect(response.status, error.message).toBe(503);
      expect(response.headers['retry-after']).toBe(String(RETRY_AFTER_SEC));
      const body = JSON.parse(response.body) as { error: string; message: string };
      expect(body.error).toBe('StoreUnavailableError');
      expect(body.message).toContain(`try again in ${RETRY_AFTER_SEC} s`);
      expect(response.body).not.toContain('/secret');
    }
  });

  it('409 for each kind of conflict, named in the body; 500 for a programming error, with nothing of it in the body', () => {
    for (const error of [new VersionConflictError('v'), new StateConflictError('s'), new AlreadyExistsError('a'), new FencedOutError('shard-000', 1, 2)]) {
      const response = errorResponse(error);
      expect(response.status).toBe(409);
      expect(JSON.parse(response.body)).toEqual({ error: error.name, message: error.message });
      expect(response.headers['retry-after']).toBeUndefined();
    }
    const bug = errorResponse(new ProgrammingError('shard shard-000 is listed twice'));
    expect(bug.status).toBe(500);
    expect(bug.body).not.toContain('listed twice');
  });
});

describe('the family is whole', () => {
  it('no product error class extends Error directly: each is an ArbfleetError (core/, engine-task/src/, cli/, functions/)', () => {
    const outside = productSources().flatMap(({ file, text }) => [...text.matchAll(/class (\w+) extends Error\b/g)].map((m) => `${file}: ${m[1]}`));
    // core/errors.ts's root is the one class allowed to extend Error.
    expect(outside).toEqual(['core/errors.ts: ArbfleetError']);
  });
});

const ROOT = join(import.meta.dirname, '..', '..');

/** The product's TypeScript sources (core/, engine-task/src/, cli/, functions/), each with its path from the repository's root. */
function productSources(): { file: string; text: string }[] {
  return ['core', 'engine-task/src', 'cli', 'functions'].flatMap((dir) =>
    sourceFiles(join(ROOT, dir)).map((path) => ({ file: path.slice(ROOT.length + 1), text: readFileSync(path, 'utf8') })),
  );
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...sourceFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}
