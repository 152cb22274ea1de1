/**
 * A folder option given an empty value (`--out "$OUT"` with OUT unset) is a usage error, exit 2,
 * naming the option. `arbfleet run CONFIG --out ''` used to run the campaign in the current folder:
 * fleet.db, tasks/ and report.* written wherever the shell stood.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/program.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';

async function arbfleet(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, { out: () => undefined, err: (t) => (err += t) });
  return { code, err };
}

describe('an empty folder option', () => {
  // Each case fails before anything is made should the check go: no config, a bad port, no verb, no API.
  it.each([
    [['run', '/nonexistent/arbfleet.yaml', '--out', ''], '--out <dir>'],
    [['run', '--resume', ' '], '--resume <dir>'],
    [['serve', '--api-port', 'none', '--data', ''], '--data <dir>'],
    [['schedule', '--data', '', 'no-such-verb'], '--data <dir>'],
    [['sweep', '/nonexistent/arbfleet.yaml', '--out', ''], '--out <dir>'],
    [['remote', '--url', 'http://127.0.0.1:1/', 'report', 'c-x', '--out', ''], '--out <dir>'],
  ])('%j: exit 2 naming %s, nothing run', async (argv, option) => {
    const { code, err } = await arbfleet(argv);
    expect(code).toBe(CLI_EXIT.BAD_INPUT);
    expect(err).toContain(`option '${option}' argument '${argv[argv.indexOf(option.split(' ')[0] ?? '') + 1]}' is invalid`);
    expect(err).toContain('an empty path (an unset shell variable?): give a folder');
  });
});
