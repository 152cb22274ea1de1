import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/** Linux's page size for `/proc/<pid>/stat`'s `rss` (4 KiB on the x86-64 and ARM64 kernels arbfleet runs on). */
const PAGE_BYTES = 4096;

/**
 * How often `GroupMemory` reads all of `/proc` for the group's members, ms: a process the engine
 * forks is counted from the next full scan, within 5 s; between scans only the members already
 * known are read (one file each). A full scan reads one file per process on the machine: about
 * 3 ms for 144 processes on the 2-core machine the bench runs on, once a second at 1 s heartbeats;
 * in a task's own PID namespace (ECS) it is a handful of files.
 */
export const FULL_SCAN_MS = 5_000;

/** One buffer for every `/proc/<pid>/stat` read: the file is a line of at most a few hundred bytes. */
const statBuffer = Buffer.allocUnsafe(4096);

/**
 * The process group and resident memory of `pid` from `/proc/<pid>/stat`, or undefined when it has
 * ended meanwhile. The fields after the command name (which may hold spaces and parentheses):
 * state, ppid, pgrp, … rss (field 24, in pages).
 */
function statOf(pid: string): { pgrp: number; rssBytes: number } | undefined {
  let fd = -1;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
    const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
    const stat = statBuffer.toString('latin1', 0, length);
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(rest[2]), rssBytes: Number(rest[21]) * PAGE_BYTES };
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Every process of group `pgid` in `/proc` and their resident memory; none where `/proc` does not exist. */
function scanGroup(pgid: number): { pids: string[]; rssBytes: number } {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { pids: [], rssBytes: 0 };
  }
  const pids: string[] = [];
  let rssBytes = 0;
  for (const pid of entries) {
    const first = pid.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = statOf(pid);
    if (stat === undefined || stat.pgrp !== pgid) continue;
    pids.push(pid);
    rssBytes += stat.rssBytes;
  }
  return { pids, rssBytes };
}

/**
 * The resident memory of every process in a process group, in bytes, read from `/proc` (Linux):
 * the engine the agent started and whatever it forked. A process that ends while it is read is
 * skipped. Returns 0 where `/proc` does not exist. Reads all of `/proc`: `GroupMemory` is the
 * agent's cheaper way, once per heartbeat.
 */
export function groupRssBytes(pgid: number): number {
  return scanGroup(pgid).rssBytes;
}

/**
 * A process group's resident memory read once per heartbeat: the members already known every time
 * (a member that ended or left the group is dropped), all of `/proc` every `fullScanMs` to find
 * new ones (`FULL_SCAN_MS`).
 */
export class GroupMemory {
  private members: string[] = [];
  private lastScanAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly fullScanMs = FULL_SCAN_MS) {}

  /** The pids read between full scans: the group's members as the last read found them. */
  get known(): readonly string[] {
    return this.members;
  }

  /** The group's resident memory, bytes; `now` is monotonic ms. */
  read(pgid: number, now: number): number {
    if (now - this.lastScanAt >= this.fullScanMs) {
      this.lastScanAt = now;
      const scan = scanGroup(pgid);
      this.members = scan.pids;
      return scan.rssBytes;
    }
    let rssBytes = 0;
    const still: string[] = [];
    for (const pid of this.members) {
      const stat = statOf(pid);
      if (stat === undefined || stat.pgrp !== pgid) continue;
      still.push(pid);
      rssBytes += stat.rssBytes;
    }
    this.members = still;
    return rssBytes;
  }
}
