/**
 * `arbfleet run --out` where no folder can be made (found by a new user): under `/proc` Node's
 * recursive `mkdirSync` never returns, and the CLI spun at 100 % CPU until killed. A real process,
 * with a deadline: the refusal is exit 2 naming `--out` and the folder, and the process is killed
 * (the test failing) if it has not ended by then.
 */
import { describe, expect, it } from 'vitest';
import { E2E_CONFIG, startCli } from '../support/cli-process.js';

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
