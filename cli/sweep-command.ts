/**
 * `arbfleet sweep CONFIG --set strategy.entryBps=20,30,40 --set … [--parallel 2] [--out DIR]`:
 * the same recorded data through one `clock: virtual` campaign per combination of the values
 * given, each a real `arbfleet run` child process (at most `--parallel` at once, default 2: both
 * cores of a small machine), then one table of the trading each judged from its own report.
 * Sweeping `execution.*` (`--set execution.model=top,top-size,depth --set execution.latency.b=0,250ms`)
 * adds each campaign's execution quality (`core/report/execution-quality.ts`): the entries' fill
 * ratio, the legs' slippage against the decision price, and whether the data had sizes.
 * Exit codes: 0 every campaign completed, 1 one did not, 2 bad arguments or config.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseCampaignConfig, parseConfigText } from '../core/config/load-config.js';
import { systemClock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { type Micros, ZERO_MICROS } from '../core/model/units.js';
import { formatMoney, formatNumber } from '../core/report/report-format.js';
import type { CampaignReport } from '../core/report/report-schema.js';
import { makeFolder } from '../core/local/make-folder.js';

/** `arbfleet sweep`'s options, as `cli/program.ts` declares them. */
export interface SweepOptions {
  set: string[];
  parallel: string;
  out?: string;
}

/** One field swept, and its values. */
export interface SweepAxis {
  path: string[];
  values: unknown[];
}

/** One campaign of a sweep: its settings and, once run, what its report says. */
export interface SweepResult {
  params: Record<string, unknown>;
  runDir: string;
  status: string;
  trades: number;
  /** Realised P&L from the ledger, per trade (rounded to the micro-unit) and the largest drawdown: integer micro-units of `currency`. */
  pnlMicros: Micros;
  pnlPerTradeMicros: Micros | null;
  winRate: number | null;
  maxDrawdownMicros: Micros;
  exits: Record<string, number>;
  currency: string;
  /**
   * Its report's verdict (report.json `outcome.acceptance`): rows passed of all, and the criteria
   * failed; absent without a report. A run whose ledger fails its check is not one to compare by P&L.
   */
  acceptance?: { passed: number; total: number; failed: string[] };
  /** The report's execution quality, in total (absent from reports without one). */
  execution?: { fillRatio: number | null; slippageBpsA: number | null; slippageBpsB: number | null; sizes: string; refusedNoSize: number };
}

/** Parses `--set PATH=V1,V2`: the path split on dots, each value read as a YAML scalar. */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  const values =
    eq > 0
      ? text
          .slice(eq + 1)
          .split(',')
          .map((v) => v.trim())
      : [];
  if (!/^[A-Za-z][\w]*(\.[A-Za-z][\w]*)*$/.test(path) || values.length === 0 || values.some((v) => v === '')) {
    throw new ValidationError([{ path: '--set', message: `expected PATH=V1,V2,… such as strategy.entryBps=20,30,40, got "${text}"` }]);
  }
  return { path: path.split('.'), values: values.map((v) => parseYaml(v) as unknown) };
}

/** Every combination of the axes' values, the first axis varying slowest. */
export function sweepGrid(axes: readonly SweepAxis[]): Record<string, unknown>[] {
  let grid: Record<string, unknown>[] = [{}];
  for (const axis of axes) grid = grid.flatMap((params) => axis.values.map((value) => ({ ...params, [axis.path.join('.')]: value })));
  return grid;
}

/** A copy of `config` with `params` set (dotted paths), `clock: virtual`, and replay paths made absolute against `baseDir`. */
export function sweepConfig(config: Record<string, unknown>, params: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const out = structuredClone(config);
  for (const [dotted, value] of Object.entries(params)) {
    const path = dotted.split('.');
    let node = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1) as string] = value;
  }
  out.clock = 'virtual';
  const feed = out.feed as { path?: unknown; sources?: { path?: unknown }[] } | undefined;
  const absolute = (p: unknown) => (typeof p === 'string' && !isAbsolute(p) ? resolve(baseDir, p) : p);
  if (feed && typeof feed === 'object') {
    if (feed.path !== undefined) feed.path = absolute(feed.path);
    if (Array.isArray(feed.sources)) feed.sources = feed.sources.map((s) => ({ ...s, path: absolute(s.path) }));
  }
  return out;
}

/** A run's verdict in the sweep's table: `11/11`, or `9/11 ✗ Continuous trades, Every symbol traded`. */
function acceptanceCell(acceptance: SweepResult['acceptance']): string {
  if (acceptance === undefined) return '–';
  const score = `${acceptance.passed}/${acceptance.total}`;
  return acceptance.failed.length === 0 ? score : `${score} ✗ ${acceptance.failed.join(', ')}`;
}

/** The sweep's table, in Markdown. */
export function sweepTable(results: readonly SweepResult[]): string {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.params)))];
  const withExecution = keys.some((k) => k.startsWith('execution.'));
  const headers = [
    ...keys,
    'status',
    'acceptance',
    'trades',
    'P&L',
    'P&L/trade',
    'win rate',
    'max drawdown',
    'exits by reason',
    ...(withExecution ? ['fill ratio', 'slippage A / B (bps)', 'sizes', 'refused no-size'] : []),
  ];
  const bps = (x: number | null | undefined) => (x === null || x === undefined ? '–' : formatNumber(x, 2));
  const executionCells = (r: SweepResult) =>
    withExecution
      ? [
          r.execution?.fillRatio == null ? '–' : `${formatNumber(r.execution.fillRatio * 100, 1)} %`,
          `${bps(r.execution?.slippageBpsA)} / ${bps(r.execution?.slippageBpsB)}`,
          r.execution?.sizes ?? '–',
          String(r.execution?.refusedNoSize ?? '–'),
        ]
      : [];
  const rows = results.map((r) => [
    ...keys.map((k) => String(r.params[k])),
    r.status,
    acceptanceCell(r.acceptance),
    String(r.trades),
    formatMoney(r.pnlMicros, r.currency),
    r.pnlPerTradeMicros === null ? '–' : formatMoney(r.pnlPerTradeMicros, r.currency),
    r.winRate === null ? '–' : `${formatNumber(r.winRate * 100, 1)} %`,
    formatMoney(r.maxDrawdownMicros, r.currency),
    Object.entries(r.exits)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ') || '–',
    ...executionCells(r),
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `arbfleet sweep CONFIG --set …`: resolves with the exit code (`CLI_EXIT`). */
export async function sweepCommand(configPath: string, values: SweepOptions): Promise<number> {
  if (!existsSync(configPath)) throw new ValidationError([{ path: '', message: 'no such file' }], configPath);
  const raw = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError([{ path: '', message: 'expected a mapping of campaign settings' }], configPath);
  const axes = values.set.map(parseSweepAxis);
  if (axes.length === 0) throw new ValidationError([{ path: '--set', message: 'give at least one --set PATH=V1,V2,…' }]);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
    throw new ValidationError([{ path: '--parallel', message: `expected a whole number 1-64, got "${values.parallel}"` }]);
  const grid = sweepGrid(axes);
  const configs = grid.map((params) => sweepConfig(raw as Record<string, unknown>, params, dirname(resolve(configPath))));
  for (const [i, c] of configs.entries()) parseCampaignConfig(c, `${configPath} with ${describe(grid[i] as Record<string, unknown>)}`);
  const outDir = resolve(values.out ?? join('runs', `sweep-${systemClock.now().toString(36)}`));
  makeFolder(outDir);
  process.stderr.write(`arbfleet sweep: ${grid.length} clock: virtual campaign(s), ${parallel} at a time, in ${outDir}\n`);

  const results: SweepResult[] = new Array(grid.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < grid.length; i = next++) {
      const runDir = join(outDir, `run-${String(i + 1).padStart(3, '0')}`);
      makeFolder(runDir);
      const file = join(runDir, 'campaign.yaml');
      writeFileSync(file, stringifyYaml(configs[i]));
      const code = await runChild(['run', file, '--no-dashboard', '--out', runDir]);
      results[i] = resultOf(grid[i] as Record<string, unknown>, runDir, code);
      process.stderr.write(`arbfleet sweep: ${describe(grid[i] as Record<string, unknown>)}: ${results[i]?.status}, ${results[i]?.trades} trades\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, grid.length) }, worker));
  const table = sweepTable(results);
  writeFileSync(join(outDir, 'sweep.md'), `# Sweep of ${configPath}\n\n${table}\n`);
  writeFileSync(join(outDir, 'sweep.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${table}\n`);
  return results.every((r) => r.status === 'COMPLETED') ? CLI_EXIT.OK : CLI_EXIT.FAILED;
}

function describe(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** Runs this same CLI as a child process (the way it was started: tsx loader flags included). */
function runChild(args: string[]): Promise<number> {
  const entry = process.argv[1] as string;
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`arbfleet sweep: a campaign exited ${code}:\n${tail}\n`);
      resolveExit(code ?? 1);
    });
  });
}

function resultOf(params: Record<string, unknown>, runDir: string, code: number): SweepResult {
  const empty = {
    params,
    runDir,
    trades: 0,
    pnlMicros: ZERO_MICROS,
    pnlPerTradeMicros: null,
    winRate: null,
    maxDrawdownMicros: ZERO_MICROS,
    exits: {},
    currency: '',
  };
  const path = join(runDir, 'report.json');
  if (!existsSync(path)) return { ...empty, status: `no report (exit ${code})` };
  const report = JSON.parse(readFileSync(path, 'utf8')) as CampaignReport;
  const verdict = report.outcome?.acceptance;
  const acceptance =
    verdict === undefined ? {} : { acceptance: { passed: verdict.passed, total: verdict.total, failed: verdict.failedRows.map((row) => row.criterion) } };
  const stats = report.trading?.stats;
  if (!stats) return { ...empty, status: report.campaign.status, currency: report.totals.realizedPnl.currency, ...acceptance };
  return {
    params,
    runDir,
    status: report.campaign.status,
    ...acceptance,
    trades: stats.trades,
    pnlMicros: stats.pnlMicros,
    pnlPerTradeMicros: stats.pnlPerTradeMicros,
    winRate: stats.winRate,
    maxDrawdownMicros: stats.maxDrawdownMicros,
    exits: Object.fromEntries(stats.byExitReason.map((r) => [r.reason, r.trades])),
    currency: report.totals.realizedPnl.currency,
    ...(report.execution
      ? {
          execution: {
            fillRatio: report.execution.total.fillRatio,
            slippageBpsA: report.execution.total.slippageBpsA,
            slippageBpsB: report.execution.total.slippageBpsB,
            sizes: report.execution.sizes,
            refusedNoSize: report.execution.refusedNoSize,
          },
        }
      : {}),
  };
}
