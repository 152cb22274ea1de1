/**
 * The data folder's control-plane lock (`core/local/control-plane-lock.ts`) in one process: a
 * second take is refused as bad input (exit 2) naming the folder, the option and the holder (pid,
 * command); a release lets the folder go; a record left by a holder that is gone (its pid dead)
 * never blocks a start, and is never named as the holder.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliExitCodeFor } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';
import { CONTROL_PLANE_HOLDER_FILE, ControlPlaneLock, FolderHeldError } from '../../../core/local/control-plane-lock.js';

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A pid no process has: above the kernel's pid_max (4,194,304 at most on Linux). */
const DEAD_PID = 4_194_305;

describe('the control-plane lock of a data folder', () => {
  it('refuses a second holder, exit 2, naming the folder, the option and the first holder; free again once released', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'arbfleet-lock-')), 'data');
    const first = await ControlPlaneLock.take(folder, 'arbfleet serve', '--data');
    expect(JSON.parse(readFileSync(join(folder, CONTROL_PLANE_HOLDER_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'arbfleet serve' });

    const error = await refusalOf(ControlPlaneLock.take(folder, 'arbfleet run --resume', '--resume'));
    expect(error).toBeInstanceOf(FolderHeldError);
    expect(cliExitCodeFor(error)).toBe(CLI_EXIT.BAD_INPUT);
    expect((error as FolderHeldError).holder).toEqual(first.holder);
    expect((error as Error).message).toMatch(
      new RegExp(`^${folder}: --resume: held by another control plane: pid ${process.pid} \\(arbfleet serve, since ${first.holder.since}\\)\\. `),
    );

    first.release();
    expect(existsSync(join(folder, CONTROL_PLANE_HOLDER_FILE))).toBe(false);
    const second = await ControlPlaneLock.take(folder, 'arbfleet run --resume', '--resume');
    expect(second.holder.command).toBe('arbfleet run --resume');
    second.release();
  });

  it('is not blocked by the record of a holder that is gone, and never names it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'arbfleet-lock-stale-'));
    const gone = { pid: DEAD_PID, command: 'arbfleet serve', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(folder, CONTROL_PLANE_HOLDER_FILE), JSON.stringify(gone));
    const lock = await ControlPlaneLock.take(folder, 'arbfleet run', '--out');
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();

    // Held, but its record names the dead pid (a holder that has not written its own yet): the holder is unknown, not the dead one.
    const holding = await ControlPlaneLock.take(folder, 'arbfleet serve', '--data');
    writeFileSync(join(folder, CONTROL_PLANE_HOLDER_FILE), JSON.stringify(gone));
    const error = await refusalOf(ControlPlaneLock.take(folder, 'arbfleet serve', '--data'));
    expect(error).toBeInstanceOf(FolderHeldError);
    expect((error as FolderHeldError).holder).toBeUndefined();
    expect((error as Error).message).toContain('held by another control plane: another process (it has not written down who it is');

    // A running pid whose start time is not the recorded one: the pid was reused, the record is not its holder's.
    writeFileSync(join(folder, CONTROL_PLANE_HOLDER_FILE), JSON.stringify({ ...holding.holder, processStart: '1' }));
    const reused = await refusalOf(ControlPlaneLock.take(folder, 'arbfleet serve', '--data'));
    expect(holding.holder.processStart, 'this machine has /proc/<pid>/stat').toMatch(/^\d+$/);
    expect((reused as FolderHeldError).holder).toBeUndefined();
    holding.release();
  });
});
