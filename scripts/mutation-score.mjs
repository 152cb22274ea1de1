#!/usr/bin/env node
/**
 * The mutation score per folder (`npm run mutate` prints it after Stryker's per-file table): reads
 * one or more Stryker JSON reports (default `reports/mutation/mutation.json`; several are merged
 * mutant by mutant: a mutant of a later report (same file, position, mutator and replacement)
 * replaces the same mutant of an earlier one, and the earlier report's other mutants stay, so a
 * rerun of a file's survivors only, `--mutate file:lines`, updates the whole file's count; merge
 * reports of the same source only, since positions move when the code does) and prints a Markdown table,
 * one row per folder under mutation: core/fleet, core/schedule, core/model, and the stores'
 * fencing and compare-and-set code (`core/local/`, `core/aws/`).
 *
 * `report.json#file,file` takes only those files from that report: a report of an incremental run
 * also carries the results it inherited for every other file, of whatever code that file had then.
 *
 * Score as Stryker counts it: detected (killed + timed out) / (detected + survived + no coverage).
 * Static mutants not run (`ignoreStatic`) and mutants that do not compile are outside the score;
 * the `ignored` column counts them.
 */
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
if (reports.length === 0) reports.push('reports/mutation/mutation.json');

/** file → (mutant key → mutant), later reports overriding earlier ones mutant by mutant. */
const byFile = new Map();
const keyOf = (m) => `${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement}`;
for (const argument of reports) {
  const [report, only] = argument.split('#');
  const wanted = only === undefined ? undefined : new Set(only.split(','));
  for (const [file, { mutants }] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files)) {
    if (wanted !== undefined && !wanted.has(file)) continue;
    const known = byFile.get(file) ?? new Map();
    for (const mutant of mutants) known.set(keyOf(mutant), mutant);
    byFile.set(file, known);
  }
}
const files = Object.fromEntries([...byFile].map(([file, known]) => [file, { mutants: [...known.values()] }]));

const folderOf = (file) => (/^core\/(local|aws)\//.test(file) ? 'stores (fencing, compare-and-set)' : file.split('/').slice(0, 2).join('/'));
const rows = new Map();
for (const [file, { mutants }] of Object.entries(files)) {
  const row = rows.get(folderOf(file)) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0 };
  for (const { status } of mutants) {
    if (status === 'Killed') row.killed++;
    else if (status === 'Timeout') row.timeout++;
    else if (status === 'Survived') row.survived++;
    else if (status === 'NoCoverage') row.noCoverage++;
    else row.ignored++;
  }
  rows.set(folderOf(file), row);
}

console.log('| folder | score | killed | timed out | survived | no coverage | ignored |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [folder, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  const detected = r.killed + r.timeout;
  const valid = detected + r.survived + r.noCoverage;
  const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`;
  console.log(`| ${folder} | ${score} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.ignored} |`);
}
