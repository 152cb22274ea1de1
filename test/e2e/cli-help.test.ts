/**
 * `arbfleet` as a real process (what a user types): `data import --help` answers its usage (it
 * answered "Unknown option '--help'" before the CLI moved to commander, issue 17), an unknown option
 * exits 2 with the nearest right option and where the help is, and `--version` prints the package's
 * version. The whole command tree's help is walked in process by test/unit/cli/program.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli-process.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('arbfleet help and usage errors, as a process', () => {
  it('data import --help: exit 0, its usage line and its options with their defaults', async () => {
    const cli = startCli(['data', 'import', '--help']);
    expect((await cli.exited).code, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain('Usage: arbfleet data import [options] <files...>');
    expect(cli.stdout()).toMatch(/--gap <duration>\s+list gaps between a venue's updates longer than this \(default: "60s"\)/);
    expect(cli.stderr()).toBe('');
  });

  it('an unknown option: exit 2, the option named, the nearest one suggested, where the help is', async () => {
    const cli = startCli(['data', 'import', '--formt', 'canonical', 'a.csv', '-o', 'b.csv']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toBe("arbfleet: unknown option '--formt'\n(Did you mean --format?)\n(see arbfleet data import --help)\n");
    expect(cli.stdout()).toBe('');
  });

  it('--version prints the version of package.json', async () => {
    const cli = startCli(['--version']);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toBe(`${VERSION}\n`);
  });
});
