import { readdirSync, readFileSync } from 'node:fs';

/** Linux's page size for `/proc/<pid>/statm` (4 KiB on the x86-64 and ARM64 kernels arbfleet runs on). */
const PAGE_BYTES = 4096;

/**
 * The resident memory of every process in a process group, in bytes, read from `/proc` (Linux):
 * the engine the agent started and whatever it forked. A process that ends while it is read is
 * skipped. Returns 0 where `/proc` does not exist. Read once per heartbeat, never per line.
 */
export function groupRssBytes(pgid: number): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return 0;
  }
  let total = 0;
  for (const pid of pids) {
    const first = pid.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // The fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      const statm = readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ');
      total += Number(statm[1]) * PAGE_BYTES;
    } catch {
      /* ended meanwhile */
    }
  }
  return total;
}
