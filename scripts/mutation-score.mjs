#!/usr/bin/env node
/**
 * The mutation score per folder (`npm run mutate` prints it after Stryker's per-file table): reads
 * one or more Stryker JSON reports (default `reports/mutation/mutation.json`; several are merged,
 * a file in a later one replacing the same file in an earlier one) and prints a Markdown table,
 * one row per folder under mutation: core/fleet, core/schedule, core/model, and the stores'
 * fencing and compare-and-set code (`core/local/`, `core/aws/`).
 *
 * Score as Stryker counts it: detected (killed + timed out) / (detected + survived + no coverage).
 * Static mutants not run (`ignoreStatic`) and mutants that do not compile are outside the score;
 * the `ignored` column counts them.
 */
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
if (reports.length === 0) reports.push('reports/mutation/mutation.json');

const files = {};
for (const report of reports) Object.assign(files, JSON.parse(readFileSync(report, 'utf8')).files);

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
