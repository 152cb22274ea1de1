/** Runs a command and times it, for the benchmarks that measure whole processes (`backtest.ts`, `peer.ts`). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** A finished command: wall ms, the CPU seconds of it and its children where GNU time is there to say, and what it wrote. */
export interface TimedRun {
  wallMs: number;
  cpuSec?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` in `cwd` (`env` added to this process's), timed by the wall clock and, where `/usr/bin/time` exists, its CPU time (user + system). */
export function timed(command: string[], cwd: string, env: Record<string, string> = {}): TimedRun {
  const gnuTime = existsSync('/usr/bin/time');
  const timeDir = mkdtempSync(join(tmpdir(), 'arbfleet-bench-time-'));
  const timeFile = join(timeDir, 'time');
  const argv = gnuTime ? ['/usr/bin/time', '-f', '%U %S', '-o', timeFile, ...command] : command;
  const t0 = performance.now();
  const child = spawnSync(argv[0] as string, argv.slice(1), { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t0;
  let cpuSec: number | undefined;
  if (gnuTime && existsSync(timeFile)) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSec = (user as number) + (sys as number);
  }
  rmSync(timeDir, { recursive: true, force: true });
  return { wallMs, ...(cpuSec !== undefined ? { cpuSec } : {}), status: child.status, stdout: child.stdout, stderr: child.stderr };
}
