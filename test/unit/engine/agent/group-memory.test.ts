/**
 * The agent's read of its engine's memory (`engine-task/src/agent/group-memory.ts`) on a real
 * process group: every member's resident memory, the known members at each read, all of `/proc`
 * at most every `fullScanMs` to find a process forked since.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupMemory, groupRssBytes } from '../../../../engine-task/src/agent/group-memory.js';
import { waitFor } from '../../../support/engine-process.js';

const groups: number[] = [];
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** A process group of its own: a Node process that starts a sleeping child each time a line reaches its stdin. */
function startGroup(): { pgid: number; fork: () => void } {
  const leader = spawn(process.execPath, ['-e', "process.stdin.on('data', () => require('node:child_process').spawn('sleep', ['60'], { stdio: 'ignore' }))"], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const pgid = leader.pid ?? 0;
  groups.push(pgid);
  return { pgid, fork: () => leader.stdin?.write('fork\n') };
}

/** Members of group `pgid` after a full scan. */
function groupMembers(pgid: number): number {
  const memory = new GroupMemory();
  memory.read(pgid, 0);
  return memory.known.length;
}

describe('GroupMemory', () => {
  it('counts every member; a process forked after a full scan from the next full scan; a member that ended drops out', async () => {
    const { pgid, fork } = startGroup();
    const memory = new GroupMemory(60_000);
    await waitFor('the leader in /proc', () => (memory.read(pgid, 0) > 0 && memory.known.length === 1 ? true : undefined), 30_000);
    fork();
    await waitFor('the forked sleep', () => (groupMembers(pgid) === 2 ? true : undefined), 30_000);
    // Between full scans the new process is not read: the known members are.
    memory.read(pgid, 1_000);
    expect(memory.known).toEqual([String(pgid)]);
    // The next full scan finds it. (Memory is compared by membership, not bytes: a Node leader's own resident set moves between two reads.)
    expect(memory.read(pgid, 60_000)).toBeGreaterThan(0);
    expect(memory.known).toHaveLength(2);
    expect(groupRssBytes(pgid)).toBeGreaterThan(0);

    const sleeper = memory.known.find((pid) => pid !== String(pgid));
    process.kill(Number(sleeper), 'SIGKILL');
    await waitFor(
      'the killed member gone from the group',
      () => {
        memory.read(pgid, 60_001);
        return memory.known.includes(sleeper as string) ? undefined : true;
      },
      30_000,
    );
    expect(memory.known).toEqual([String(pgid)]);
  });
});
