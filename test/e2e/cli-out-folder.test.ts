/**
 * `arbfleet run --out` where no folder can be made (found by a new user): under `/proc` Node's
 * recursive `mkdirSync` never returns, and the CLI spun at 100 % CPU until killed. A real process,
 * with a deadline: the refusal is exit 2 naming `--out` and the folder, and the process is killed
 * (the test failing) if it has not ended by then.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_CONFIG, runFolder, startCli } from '../support/cli-process.js';

/** Long enough for a start on a loaded machine; the spin never ends at all. */
const DEADLINE_MS = 60_000;

describe('arbfleet run --out where no folder can be made', () => {
  it.runIf(process.platform === 'linux')('exits 2 naming --out and the folder (it spun for ever under /proc)', async () => {
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', '/proc/arbfleet-nope/run']);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'spinning'>((resolve) => {
      timer = setTimeout(() => resolve('spinning'), DEADLINE_MS);
    });
    const exit = await Promise.race([cli.exited, deadline]);
    clearTimeout(timer);
    if (exit === 'spinning') cli.child.kill('SIGKILL');
    expect(exit, cli.stderr().slice(-2000)).toEqual({ code: 2, signal: null });
    expect(cli.stderr()).toContain('--out: cannot make the folder /proc/arbfleet-nope (ENOENT): give a folder this user can write');
  });
});

describe('arbfleet run whose run folder cannot take the report at the end', () => {
  it('writes it under the temporary folder, says where, and ends as the campaign did (it ended "ENOSPC", exit 1, no report)', async () => {
    const runDir = runFolder();
    mkdirSync(join(runDir, 'report.html')); // a folder where the page goes: its write fails as a full disk's would
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '4s']);
    const exit = await cli.exited;
    const stderr = cli.stderr();
    expect(exit, stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    expect(stderr).toContain(`could not write the report to ${runDir}: EISDIR`);
    const fallback = /the report written to (\S+) instead/.exec(stderr)?.[1];
    expect(fallback, stderr.slice(-2000)).toBeDefined();
    expect(JSON.parse(readFileSync(join(fallback as string, 'report.json'), 'utf8')).campaign.status).toBe('COMPLETED');
    expect(stderr).toContain(join(fallback as string, 'report.md'));
  });
});
