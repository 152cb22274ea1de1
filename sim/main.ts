/**
 * `npm run sim -- --seeds N [--from S] [--jobs J] [--spawning-launcher]`: runs seeds S..S+N-1
 * (default 1..100) on J worker threads (default: the machine's parallelism) and prints seeds/s,
 * how many seeds spent a restart budget or reached the overdue-launch deadline, and every failing
 * seed with its violations and the end of its trace (replayed on the main thread).
 * `--spawning-launcher` lets 30 % of seeds have a launcher that spawns on every launch
 * (`SeedOptions.spawningLauncher`).
 * `npm run sim -- --seed S [--trace]`: replays one seed exactly (same seed, same trace hash) and
 * prints its outcome (the whole trace with `--trace`).
 * Exit code 1 when a seed broke an invariant, 2 on bad arguments (`sim-command-line.ts`, commander:
 * `npm run sim -- --help`).
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { SeedSummary } from './seed-worker.js';
import { parseSimCommandLine } from './sim-command-line.js';
import { runSeed, type SeedResult } from './simulation.js';

const TRACE_TAIL = 40;

/** A worker thread does not inherit tsx's loader on Node 20: it registers it, then loads the TypeScript worker. */
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./seed-worker.ts', import.meta.url).href)}); });`;

function printFailure(result: SeedResult, tail: number): void {
  process.stdout.write(`\nFAIL seed ${result.seed} (trace ${result.traceHash}): replay with npm run sim -- --seed ${result.seed} --trace\n`);
  for (const v of result.violations) process.stdout.write(`  ✗ ${v}\n`);
  const trace = result.trace;
  if (trace.length > 0) {
    process.stdout.write(`  last ${Math.min(tail, trace.length)} of ${trace.length} trace lines:\n`);
    for (const line of trace.slice(-tail)) process.stdout.write(`    ${line}\n`);
  }
}

async function main(): Promise<void> {
  const args = parseSimCommandLine(process.argv.slice(2));
  if ('exit' in args) {
    process.exitCode = args.exit;
    return;
  }
  if (args.seed !== undefined) {
    const result = await runSeed(args.seed, { keepTrace: true, spawningLauncher: args.spawningLauncher === true });
    if (args.trace) for (const line of result.trace) process.stdout.write(`${line}\n`);
    process.stdout.write(`seed ${result.seed}: trace ${result.traceHash}, ${JSON.stringify(result.stats)}\n`);
    if (result.violations.length > 0) printFailure(result, args.trace ? 0 : TRACE_TAIL);
    else process.stdout.write('passed\n');
    process.exitCode = result.violations.length > 0 ? 1 : 0;
    return;
  }
  const started = performance.now();
  const failed: number[] = [];
  let done = 0;
  let budgets = 0;
  let deadlines = 0;
  let unrun = 0;
  const mass: number[] = [];
  const skewed: number[] = [];
  let realRunners = 0;
  const jobs = Math.min(args.jobs, Math.max(1, args.seeds));
  await Promise.all(
    Array.from({ length: jobs }, (_, job) => {
      const count = Math.floor(args.seeds / jobs) + (job < args.seeds % jobs ? 1 : 0);
      const worker = new Worker(WORKER_BOOT, {
        eval: true,
        workerData: { first: args.from + job, count, step: jobs, spawningLauncher: args.spawningLauncher === true },
      });
      worker.on('message', (result: SeedSummary) => {
        if (result.violations.length > 0) failed.push(result.seed);
        if (result.budgetExhausted > 0) budgets++;
        if (result.launchDeadline > 0) deadlines++;
        if (result.unrunOccurrences > 0) unrun++;
        if (result.massProbes > 0) mass.push(result.seed);
        if (result.skewedLost > 0) skewed.push(result.seed);
        if (result.realRunner) realRunners++;
        done++;
        if (done % 500 === 0) process.stdout.write(`${done} seeds, ${(done / ((performance.now() - started) / 1000)).toFixed(1)} seeds/s\n`);
      });
      return new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sim worker ${job} exited ${code}`))));
      });
    }),
  );
  failed.sort((a, b) => a - b);
  for (const seed of failed.slice(0, 10)) printFailure(await runSeed(seed, { keepTrace: true, spawningLauncher: args.spawningLauncher === true }), TRACE_TAIL);
  if (failed.length > 10) process.stdout.write(`\n(${failed.length - 10} more failing seeds not shown)\n`);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${args.seeds} seeds (${args.from}..${args.from + args.seeds - 1}) in ${seconds.toFixed(1)} s: ${(args.seeds / seconds).toFixed(1)} seeds/s; ` +
      `${jobs} worker(s); ${failed.length} failed${failed.length > 0 ? `: ${failed.slice(0, 50).join(', ')}` : ''}\n` +
      `budgets and deadlines reached: ${budgets} seed(s) spent a restart budget (${pct(budgets, args.seeds)}), ${deadlines} reached the overdue-launch deadline (${pct(deadlines, args.seeds)}), ` +
      `${unrun} had a schedule occurrence recorded missed under injected faults (${pct(unrun, args.seeds)}); ` +
      `${realRunners} ran the real engine's runner as their tasks (${pct(realRunners, args.seeds)})\n` +
      `store stalls: ${mass.length} seed(s) reached mass staleness (${
        mass
          .sort((a, b) => a - b)
          .slice(0, 10)
          .join(', ') || 'none'
      }), ` +
      `${skewed.length} had a LOST restart under a long stall accepted for the clock-skew gap (${
        skewed
          .sort((a, b) => a - b)
          .slice(0, 10)
          .join(', ') || 'none'
      })\n`,
  );
  process.exitCode = failed.length > 0 ? 1 : 0;
}

function pct(n: number, of: number): string {
  return `${((100 * n) / Math.max(1, of)).toFixed(1)} %`;
}

await main();
