/**
 * The engine, the benchmark and the simulation as real processes (what `npm run engine|bench|sim`
 * start): an unknown option exits 2 (bad input) with the option named on stderr, the nearest right
 * one and where the help is, before anything runs; the engine's `--help` exits 0 on stdout. Every
 * option's help line is checked in process by test/unit/programs/command-lines.test.ts.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEngine, startNode, startProgram } from '../support/engine-process.js';

const BENCH = fileURLToPath(new URL('../../engine-task/bench/run.ts', import.meta.url));
const SIM = fileURLToPath(new URL('../../sim/main.ts', import.meta.url));

describe('usage errors of the engine, the benchmark and the simulation, as processes', () => {
  it('the engine: --help exits 0 with its usage; --symbol exits 2 suggesting --symbols', async () => {
    const help = startEngine(['--help']);
    expect((await help.exited).code, help.stderr()).toBe(0);
    expect(help.stdout()).toContain('Usage: npm run engine -- [options] [config]');
    expect(help.stdout()).toMatch(/--generation <n>\s+the fencing generation \(default: 0, env: ARBFLEET_GENERATION\)/);
    const typo = startEngine(['--symbol', 'BTC']);
    expect((await typo.exited).code).toBe(2);
    expect(typo.stderr()).toBe("arbfleet-engine: unknown option '--symbol'\n(Did you mean --symbols?)\n(see npm run engine -- --help)\n");
    expect(typo.stdout()).toBe('');
  });

  it('the benchmark (as npm run bench starts it): --baseine exits 2 suggesting --baseline', async () => {
    const bench = startProgram(process.execPath, ['--expose-gc', '--import', 'tsx', BENCH, '--baseine', 'ewma']);
    expect((await bench.exited).code).toBe(2);
    expect(bench.stderr()).toBe("bench: unknown option '--baseine'\n(Did you mean --baseline?)\n(see npm run bench -- --help)\n");
  });

  it('the simulation: --sed exits 2 suggesting --seed (it answered "unknown argument" before)', async () => {
    const sim = startNode(SIM, ['--sed', '3']);
    expect((await sim.exited).code).toBe(2);
    expect(sim.stderr()).toBe("sim: unknown option '--sed'\n(Did you mean --seed?)\n(see npm run sim -- --help)\n");
    expect(sim.stdout()).toBe('');
  });
});
