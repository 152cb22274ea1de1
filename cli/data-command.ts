/**
 * `arbfleet data import`: recorded market data in a venue's or vendor's own format → the engine's
 * canonical replay CSV (`ts,symbol,venue,bid,ask`, ms). A composition root: it parses arguments,
 * calls `core/data/importer.ts` and prints the summary. Bad input is a `ValidationError` naming
 * file:line (exit 2), and so is an import that wrote no row (naming each file and why).
 */
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { IMPORT_FORMATS, type ImportFormat } from '../core/config/campaign-config.js';
import { parseDurationSeconds } from '../core/config/duration.js';
import { importRecorded, type ImportSummary } from '../core/data/importer.js';
import type { TimeUnit } from '../core/data/timestamps.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';

/** `arbfleet data import`'s options, as `cli/program.ts` declares them (commander's camelCase names). */
export interface DataImportOptions {
  format?: string;
  venue?: string;
  symbolMap?: string;
  quote?: string;
  tz?: string;
  timeUnit?: string;
  halfSpreadBps?: string;
  gap?: string;
  strict?: boolean;
  json?: boolean;
  out?: string;
}

/**
 * Runs `arbfleet data import [options] FILES…`; resolves with the exit code (`CLI_EXIT`). Ctrl-C,
 * SIGTERM or SIGHUP stop it with nothing written (`out` as it was, no partial file left; it used
 * to leave `<out>.part-<pid>` behind): exit `CLI_EXIT.INTERRUPTED`.
 */
export async function dataImportCommand(positionals: string[], values: DataImportOptions): Promise<number> {
  const format = values.format as ImportFormat | undefined;
  if (!format || !IMPORT_FORMATS.includes(format)) throw usage('--format', `expected one of ${IMPORT_FORMATS.join(', ')}, got "${values.format ?? ''}"`);
  const venue = values.venue;
  if (venue !== undefined && venue !== 'a' && venue !== 'b' && venue !== 'fx') throw usage('--venue', `expected a, b or fx, got "${venue}"`);
  if (venue === undefined && format !== 'canonical') throw usage('--venue', `the ${format} format needs --venue a, b or fx`);
  if (!values.out) throw usage(OUT_OPTION, 'give the canonical CSV to write, e.g. -o data/btc-a.csv');
  if (positionals.length === 0) throw usage('FILES', 'give one or more recorded files');
  checkOutput(values.out);
  const timeUnit = (values.timeUnit ?? 'auto') as TimeUnit;
  if (!['auto', 's', 'ms', 'us', 'ns'].includes(timeUnit)) throw usage('--time-unit', `expected auto, s, ms, us or ns, got "${timeUnit}"`);
  const halfSpread = values.halfSpreadBps === undefined ? undefined : Number(values.halfSpreadBps);
  if (halfSpread !== undefined && !(halfSpread >= 0 && halfSpread <= 500))
    throw usage('--half-spread-bps', `expected a number from 0 to 500, got "${values.halfSpreadBps}"`);
  const gapSec = values.gap === undefined ? 60 : parseDurationSeconds(values.gap);
  if (gapSec === undefined || gapSec <= 0) throw usage('--gap', `expected a duration such as 60s or 5m, got "${values.gap}"`);
  const quote = values.quote?.toUpperCase();
  const started = performance.now();
  let lastProgress = started;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(new Error(`stopped by ${signal}`));
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  let summary: ImportSummary;
  try {
    summary = await importRecorded({
      spec: {
        format,
        ...(venue !== undefined ? { venue } : {}),
        symbolMap: parseSymbolMap(values.symbolMap),
        ...(values.tz !== undefined ? { tz: values.tz } : {}),
        timeUnit,
        ...(halfSpread !== undefined ? { halfSpreadBps: halfSpread } : {}),
        strict: values.strict === true,
        quotes: { a: venue === 'a' && quote ? quote : 'KRW', b: venue === 'b' && quote ? quote : 'USDT' },
      },
      files: positionals.map((f) => resolve(f)),
      out: resolve(values.out),
      gapMs: gapSec * 1000,
      onProgress: (rows) => {
        const now = performance.now();
        if (now - lastProgress < 1000) return;
        lastProgress = now;
        process.stderr.write(`import: ${rows.toLocaleString('en-US')} rows read (${Math.round(rows / ((now - started) / 1000)).toLocaleString('en-US')}/s)\n`);
      },
      signal: stop.signal,
    });
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    process.stderr.write(
      `import: ${(stop.signal.reason as Error).message} before the end: ${resolve(values.out)} not written (as it was), nothing left behind\n`,
    );
    return CLI_EXIT.INTERRUPTED;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
  return CLI_EXIT.OK;
}

/** `KRW-BTC=BTC,BTCUSDT=BTC` → `{ "KRW-BTC": "BTC", BTCUSDT: "BTC" }`. */
export function parseSymbolMap(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!text) return map;
  for (const pair of text.split(',')) {
    const [from, to, extra] = pair.split('=').map((s) => s.trim());
    if (!from || !to || extra !== undefined || !/^[A-Z0-9]{1,12}$/.test(to))
      throw usage('--symbol-map', `expected VENUE_SYMBOL=BASE pairs such as KRW-BTC=BTC, got "${pair}"`);
    map[from] = to;
  }
  return map;
}

/** The summary as the lines a person reads after an import. */
export function renderSummary(s: ImportSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const t = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
  const lines = [`imported ${s.files.length} file(s) (${s.format}) → ${s.out}`, `rows read ${n(s.rowsRead)}, written ${n(s.rowsWritten)}`];
  const skipped = Object.entries(s.skipped);
  lines.push(skipped.length === 0 ? 'skipped: none' : `skipped: ${skipped.map(([r, c]) => `${r} ${n(c as number)}`).join(', ')}`);
  if (s.reordered > 0) lines.push(`reordered: ${n(s.reordered)} late line(s) put back in time order`);
  for (const p of s.problems) lines.push(`  ${p.where}: ${p.reason}: ${p.detail}`);
  if (Object.keys(s.unmapped).length > 0)
    lines.push(
      `unmapped symbols: ${Object.entries(s.unmapped)
        .map(([sym, c]) => `${sym} (${n(c)} lines)`)
        .join(', ')}`,
    );
  for (const [venue, c] of Object.entries(s.venues)) {
    const rule = c.gapRule === 'weekdays' ? 'gaps (weekdays without a fixing)' : `gaps > ${s.gapBoundMs / 1000}s`;
    lines.push(
      `venue ${venue}: ${n(c.rows)} rows, ${t(c.first)} → ${t(c.last)}; ${rule}: ${c.gaps}${c.gaps > 0 ? ` (longest ${(c.longestGapMs / 1000).toFixed(0)}s)` : ''}`,
    );
    for (const g of c.firstGaps) {
      const missing = g.missingWeekdays === undefined ? '' : `; ${g.missingWeekdays} weekday(s) without a fixing`;
      lines.push(`  gap ${t(g.from)} → ${t(g.to)} (${((g.to - g.from) / 1000).toFixed(0)}s${missing})`);
    }
  }
  lines.push(s.span ? `time span ${t(s.span.first)} → ${t(s.span.last)} (${((s.span.last - s.span.first) / 3_600_000).toFixed(2)} h)` : 'time span: no rows');
  for (const note of s.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** The signals that stop an import: Ctrl-C, `kill`, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How a refusal names the output option. */
const OUT_OPTION = '-o/--out';

/**
 * Refuses, before any input is read, an output the import could not write: a folder (was
 * "EBADF: bad file descriptor, close", exit 1), or a file in a folder that is missing, not a
 * folder or not writable (was a raw ENOENT naming the temporary `….part-PID`). The folder is tried
 * by creating, then removing, the very temporary file the import writes first
 * (`core/data/importer.ts`), so a read-only mount or a pseudo file system such as /proc is caught
 * as well as a permission. Names the path as the user gave it.
 * @throws ValidationError (exit 2) naming -o/--out, the path, what is wrong and what to give instead.
 */
function checkOutput(out: string): void {
  const path = resolve(out);
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing?.isDirectory() || /[/\\]$/.test(out)) {
    throw usage(OUT_OPTION, `"${out}" is a folder: give the CSV file to write, e.g. -o ${out.replace(/[/\\]+$/, '')}/quotes.csv`);
  }
  const folder = dirname(path);
  const parent = statSync(folder, { throwIfNoEntry: false });
  if (parent === undefined) throw usage(OUT_OPTION, `"${out}": its folder ${folder} does not exist: create it first (mkdir -p ${folder})`);
  if (!parent.isDirectory()) throw usage(OUT_OPTION, `"${out}": ${folder} is not a folder`);
  const probe = `${path}.part-${process.pid}`;
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw usage(OUT_OPTION, `"${out}" cannot be written: the folder ${folder} refuses a new file (${code}): give a path in a folder you can write to`);
  }
  rmSync(probe, { force: true });
}

function usage(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }]);
}
