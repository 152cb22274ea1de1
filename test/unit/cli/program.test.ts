/**
 * The `arbfleet` command tree (cli/program.ts, commander), walked in this process: every command
 * and subcommand answers `--help` with exit 0, its own usage line and a meaning for each option, so
 * a command added without help fails here; usage errors exit 2 naming the bad word, suggesting the
 * right one and saying where the help is. The same parser as the real command (the e2e suite
 * test/e2e/cli-help.test.ts runs it as a process).
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, CLI_VERSION, commandPath, runCli } from '../../../cli/program.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';

async function arbfleet(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

const tree = allCommands(buildProgram());

describe('arbfleet --help on every command', () => {
  it('the tree holds every documented command', () => {
    const paths = tree.map(commandPath);
    for (const path of [
      'arbfleet run',
      'arbfleet report',
      'arbfleet serve',
      'arbfleet sweep',
      'arbfleet data import',
      'arbfleet data record',
      'arbfleet schedule create',
      'arbfleet schedule delete',
      'arbfleet remote start',
      'arbfleet remote report',
      'arbfleet remote schedule pause',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it.each(tree.map((cmd) => [commandPath(cmd), cmd] as const))('%s --help: exit 0, its usage line and every option with a meaning', async (path, cmd) => {
    const words = path.split(' ').slice(1);
    const { code, out, err } = await arbfleet([...words, '--help']);
    expect(err).toBe('');
    expect(code).toBe(CLI_EXIT.OK);
    expect(out).toContain(`Usage: ${path} `);
    expect(cmd.description(), `${path} has no description`).not.toBe('');
    for (const option of cmd.options) {
      expect(option.description, `${path} ${option.flags} has no meaning`).not.toBe('');
      expect(out).toContain(option.flags);
    }
    for (const sub of cmd.commands) expect(out).toMatch(new RegExp(`\\n  ${sub.name()}\\b`));
  });

  it('arbfleet trades --help names the filled quantities and the unhedged part its table and CSV show', async () => {
    const { out } = await arbfleet(['trades', '--help']);
    expect(out.replace(/\s+/g, ' ')).toContain("each venue's entry quantity filled (of its order when short) and the unhedged part");
  });

  it("arbfleet help COMMAND is the same help; --version prints package.json's version", async () => {
    expect(CLI_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(await arbfleet(['help', 'data'])).toMatchObject({ code: 0, out: expect.stringContaining('Usage: arbfleet data ') });
    expect(await arbfleet(['--version'])).toEqual({ code: 0, out: `${CLI_VERSION}\n`, err: '' });
  });
});

describe('usage errors exit 2, name the bad word and say what to type instead', () => {
  it('an unknown option of data import: the nearest option and where the help is', async () => {
    const { code, err, out } = await arbfleet(['data', 'import', '--formt', 'canonical', 'a.csv', '-o', 'b.csv']);
    expect(code).toBe(CLI_EXIT.BAD_INPUT);
    expect(out).toBe('');
    expect(err).toBe("arbfleet: unknown option '--formt'\n(Did you mean --format?)\n(see arbfleet data import --help)\n");
  });

  it('an unknown command, a missing argument, a value outside its choices, a command without its subcommand', async () => {
    const unknown = await arbfleet(['shedule', 'list']);
    expect(unknown.code).toBe(CLI_EXIT.BAD_INPUT);
    expect(unknown.err).toContain("arbfleet: unknown command 'shedule'\n(Did you mean schedule?)");
    const missing = await arbfleet(['report']);
    expect(missing).toMatchObject({ code: CLI_EXIT.BAD_INPUT, err: "arbfleet: missing required argument 'dir'\n(see arbfleet report --help)\n" });
    const choice = await arbfleet(['data', 'import', '--venue', 'c', 'a.csv']);
    expect(choice.code).toBe(CLI_EXIT.BAD_INPUT);
    expect(choice.err).toContain('Allowed choices are a, b, fx');
    const bare = await arbfleet(['schedule']);
    expect(bare.code).toBe(CLI_EXIT.BAD_INPUT);
    expect(bare.err).toContain('Usage: arbfleet schedule ');
  });
});
