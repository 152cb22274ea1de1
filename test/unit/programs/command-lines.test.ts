/**
 * The engine's, the benchmark's and the simulation's command lines (commander, configured by
 * `core/command-line.ts` like the `arbfleet` CLI), parsed in this process by the same functions
 * their entrypoints call: `--help` exits 0 and lists every option with its meaning; an unknown
 * option exits 2 naming it, the nearest right one and where the help is; a bad value names the
 * option (or the environment variable it came from) and what was expected. Defaults are today's.
 * test/e2e/program-usage.test.ts runs each program as a process.
 */
import type { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { USAGE_EXIT } from '../../../core/command-line.js';
import { benchProgram, parseBenchCommandLine } from '../../../engine-task/bench/bench-command-line.js';
import { engineProgram, parseEngineCommandLine } from '../../../engine-task/src/engine-command-line.js';
import { parseSimCommandLine, simProgram } from '../../../sim/sim-command-line.js';

type Parse = (argv: readonly string[], output: { out: (t: string) => void; err: (t: string) => void }) => object;

const PROGRAMS: { name: string; usage: string; prefix: string; program: () => Command; parse: Parse; typo: [string, string] }[] = [
  {
    name: 'engine',
    usage: 'npm run engine --',
    prefix: 'arbfleet-engine',
    program: engineProgram,
    parse: parseEngineCommandLine,
    typo: ['--symbol', '--symbols'],
  },
  { name: 'bench', usage: 'npm run bench --', prefix: 'bench', program: benchProgram, parse: parseBenchCommandLine, typo: ['--baseine', '--baseline'] },
  { name: 'sim', usage: 'npm run sim --', prefix: 'sim', program: simProgram, parse: parseSimCommandLine, typo: ['--sed', '--seed'] },
];

function run(parse: Parse, argv: string[]): { result: object; out: string; err: string } {
  let out = '';
  let err = '';
  const result = parse(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { result, out, err };
}

describe.each(PROGRAMS)('$name command line', ({ usage, prefix, program, parse, typo }) => {
  it('--help: exit 0, its usage line and every option with its meaning', () => {
    const { result, out, err } = run(parse, ['--help']);
    expect(result).toEqual({ exit: 0 });
    expect(err).toBe('');
    expect(out).toContain(`Usage: ${usage} [options]`);
    const options = program().options;
    expect(options.length).toBeGreaterThan(3);
    for (const option of options) {
      expect(option.description, `${option.flags} has no meaning`).not.toBe('');
      expect(out).toContain(option.flags);
      expect(out.replace(/\s+/g, ' ')).toContain(option.description.replace(/\s+/g, ' '));
    }
  });

  it(`an unknown option: exit 2, the option named, the nearest one (${typo[1]}) and where the help is`, () => {
    const { result, out, err } = run(parse, [typo[0], '1']);
    expect(result).toEqual({ exit: USAGE_EXIT });
    expect(out).toBe('');
    expect(err).toBe(`${prefix}: unknown option '${typo[0]}'\n(Did you mean ${typo[1]}?)\n(see ${usage} --help)\n`);
  });
});

describe('values and defaults', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("the engine: today's defaults, flags over the fleet's environment variables, a bad whole number named by where it came from", () => {
    for (const name of [
      'ARBFLEET_STORE',
      'ARBFLEET_CAMPAIGN_ID',
      'ARBFLEET_SHARD_ID',
      'ARBFLEET_SHARD_INDEX',
      'ARBFLEET_GENERATION',
      'ARBFLEET_SYMBOLS',
      'ARBFLEET_CONFIG',
    ])
      delete process.env[name];
    expect(run(parseEngineCommandLine, []).result).toEqual({ store: 'memory', campaign: 'local', shard: 'shard-000', shardIndex: 0, generation: 0 });
    process.env.ARBFLEET_GENERATION = '4';
    process.env.ARBFLEET_SHARD_ID = 'shard-002';
    process.env.ARBFLEET_CONFIG = 'configs/a.yaml';
    expect(run(parseEngineCommandLine, ['--shard', 'shard-009', '--duration', '2m', '--virtual']).result).toMatchObject({
      config: 'configs/a.yaml',
      shard: 'shard-009',
      generation: 4,
      duration: 120,
      virtual: true,
    });
    process.env.ARBFLEET_GENERATION = 'two';
    const bad = run(parseEngineCommandLine, []);
    expect(bad.result).toEqual({ exit: USAGE_EXIT });
    expect(bad.err).toContain(`arbfleet-engine: option '--generation <n>' value 'two' from env 'ARBFLEET_GENERATION' is invalid. expected a whole number ≥ 0`);
    expect(run(parseEngineCommandLine, ['--duration', '0s']).err).toContain(`argument '0s' is invalid. expected a duration such as 90s or 5m`);
    expect(run(parseEngineCommandLine, ['--protocol', 'tcp']).err).toContain('Allowed choices are stdio.');
  });

  it("the benchmark and the simulation: today's defaults; a list item that is not a model or a count is named", () => {
    expect(run(parseBenchCommandLine, []).result).toEqual({ ticks: 10_000_000, baseline: 'none', latency: 0, runs: 3 });
    expect(run(parseBenchCommandLine, ['--execution', 'top,depth', '--symbols', '20']).result).toMatchObject({ execution: ['top', 'depth'], symbols: [20] });
    expect(run(parseBenchCommandLine, ['--watchdog-pass', '100,3']).err).toContain('expected a shard count: a whole number ≥ 5, got "3"');
    expect(run(parseBenchCommandLine, ['--execution', 'top,deep']).err).toContain('got "deep"');
    expect(run(parseSimCommandLine, []).result).toMatchObject({ seeds: 100, from: 1 });
    expect(run(parseSimCommandLine, ['--seed', '8728', '--trace']).result).toMatchObject({ seed: 8728, trace: true });
    expect(run(parseSimCommandLine, ['--jobs', '0']).result).toMatchObject({ jobs: 1 });
    expect(run(parseSimCommandLine, ['--seeds', '-1']).err).toContain("sim: option '--seeds <n>' argument '-1' is invalid. expected a whole number ≥ 0");
  });
});
