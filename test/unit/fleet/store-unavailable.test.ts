/**
 * A busy or unreachable store is its own cause (`STORE_UNAVAILABLE`), never an engine crash: the
 * engine's exit 4 is booked so, paid from the preemption budget (not `maxRestarts`), and the
 * engine's words for what it waited on come from `core/fleet/store-trouble.ts`.
 */
import { describe, expect, it } from 'vitest';
import { assessShard, classifyStop } from '../../../core/fleet/watchdog-policy.js';
import { ENGINE_EXIT } from '../../../core/exit-codes.js';
import { describeStoreTrouble, noteStoreTrouble, storeTroubleOf } from '../../../core/fleet/store-trouble.js';
import { policy, restart, SEC, shard, T0, task } from './fleet-fixtures.js';

const line =
  'arbfleet-engine: store unavailable: store busy: SQLITE_BUSY for 6.1 s (40 attempt(s)); no heartbeat written for 5.3s (self-fence 5.25s); 0 of 12 fill(s) not committed';

describe('an engine that gave up on the store', () => {
  it("exit 4 is STORE_UNAVAILABLE with the engine's last line as the note, not CRASHED", () => {
    const stop = classifyStop(task({ state: 'STOPPED', exitCode: ENGINE_EXIT.STORE_UNAVAILABLE, stderrTail: `noise\n${line}\n` }));
    expect(stop).toEqual({
      cause: 'STORE_UNAVAILABLE',
      detail: { exitCode: 4, stderrTail: `noise\n${line}\n`, note: `the engine gave up on the store (exit 4): ${line}` },
    });
  });

  it('a signal or an OOM still wins over exit 4', () => {
    expect(classifyStop(task({ state: 'STOPPED', exitCode: 4, oom: true }))).toMatchObject({ cause: 'OOM' });
    expect(classifyStop(task({ state: 'STOPPED', exitCode: 4, signal: 'SIGKILL' }))).toMatchObject({ cause: 'CRASHED' });
    expect(classifyStop(task({ state: 'STOPPED', exitCode: 1 }))).toMatchObject({ cause: 'CRASHED' });
  });

  it('is restarted with the minimum backoff from the preemption budget even when maxRestarts is spent', () => {
    const crashes = [restart(T0 - 3 * SEC), restart(T0 - 2 * SEC), restart(T0 - SEC)];
    const s = shard({ restarts: crashes, backoffSec: 40 });
    const v = assessShard(s, task({ state: 'STOPPED', exitCode: 4, stoppedAt: T0 }), T0, policy({ maxRestarts: 3, maxPreemptions: 2 }));
    expect(v).toMatchObject({ kind: 'restart', incident: { cause: 'STORE_UNAVAILABLE' }, backoffSec: 5, budget: { used: 0, remaining: 2 } });
  });

  it('waits longer with each store outage in a row (a relaunch into a store still down fails at once), and from the minimum again after a healthy stretch', () => {
    const exit4 = task({ state: 'STOPPED', exitCode: 4, stoppedAt: T0 });
    const outage = (at: number) => restart(at, { cause: 'STORE_UNAVAILABLE' });
    const delay = (restarts: ReturnType<typeof restart>[], backoffSec = 40) =>
      (assessShard(shard({ restarts, backoffSec }), exit4, T0, policy({ maxPreemptions: 20 })) as { backoffSec?: number }).backoffSec;
    // backoff { initial 5, max 300, multiplier 2, resetAfter 600 }
    expect(delay([])).toBe(5);
    expect(delay([outage(T0 - 6 * SEC)])).toBe(10);
    expect(delay([outage(T0 - 30 * SEC), outage(T0 - 20 * SEC), outage(T0 - 6 * SEC)])).toBe(40);
    expect(delay(Array.from({ length: 9 }, (_, i) => outage(T0 - (9 - i) * SEC)))).toBe(300); // capped at max
    // A crash breaks the chain; so does a stretch longer than resetAfter, before now or between two.
    expect(delay([outage(T0 - 20 * SEC), restart(T0 - 10 * SEC, { cause: 'CRASHED' })])).toBe(5);
    expect(delay([outage(T0 - 601 * SEC)])).toBe(5);
    expect(delay([outage(T0 - 1300 * SEC), outage(T0 - 600 * SEC)])).toBe(10);
  });

  it('fails the shard once the preemption budget is spent by store outages', () => {
    const outages = [restart(T0 - 2 * SEC, { cause: 'STORE_UNAVAILABLE' }), restart(T0 - SEC, { cause: 'PREEMPTED' })];
    const v = assessShard(shard({ restarts: outages }), task({ state: 'STOPPED', exitCode: 4, stoppedAt: T0 }), T0, policy({ maxPreemptions: 2 }));
    expect(v).toMatchObject({ kind: 'fail', incident: { cause: 'STORE_UNAVAILABLE' } });
  });
});

describe('store trouble in words', () => {
  it('names SQLite busy, DynamoDB throttling and network faults, through a cause, and nothing else', () => {
    expect(storeTroubleOf(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toEqual({ kind: 'busy', code: 'SQLITE_BUSY' });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    expect(storeTroubleOf(new Error('commit failed', { cause: throttled }))).toEqual({ kind: 'throttled', code: 'ProvisionedThroughputExceededException' });
    expect(storeTroubleOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toEqual({ kind: 'unreachable', code: 'ECONNREFUSED' });
    const cancelled = Object.assign(new Error('Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]'), {
      name: 'TransactionCanceledException',
    });
    expect(storeTroubleOf(cancelled)).toEqual({ kind: 'throttled', code: 'ThrottlingError' });
    const withReasons = Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
    });
    expect(storeTroubleOf(new Error('commit still failing', { cause: withReasons }))).toEqual({ kind: 'throttled', code: 'ThrottlingError' });
    const conflict = Object.assign(new Error('Transaction cancelled [None, ConditionalCheckFailed]'), { name: 'TransactionCanceledException' });
    expect(storeTroubleOf(conflict)).toBeUndefined();
    expect(storeTroubleOf(new Error('checkpoint too large'))).toBeUndefined();
    expect(storeTroubleOf(Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_TRIGGER' }))).toBeUndefined();
  });

  it('counts a run of failures of one kind, restarts the run on another kind, and says how long', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    let t = noteStoreTrouble(undefined, busy, 1_000);
    t = noteStoreTrouble(t, busy, 2_000);
    t = noteStoreTrouble(t, busy, 5_000);
    expect(describeStoreTrouble(t!, 5_100)).toBe('store busy: SQLITE_BUSY for 4.1 s (3 attempt(s))');
    const throttled = Object.assign(new Error('x'), { name: 'ThrottlingException' });
    const other = noteStoreTrouble(t, throttled, 6_000);
    expect(other).toMatchObject({ kind: 'throttled', since: 6_000, count: 1 });
    expect(describeStoreTrouble({ ...other!, count: 12, last: 9_200 }, 9_200)).toBe('DynamoDB throttled: ThrottlingException ×12 over 3.2 s');
    expect(noteStoreTrouble(t, new Error('not the store'), 7_000)).toBeUndefined();
  });
});
