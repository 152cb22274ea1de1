/**
 * Test files in longest-first order across all projects (the makespan heuristic for a pool of
 * workers), instead of vitest's default, which runs the projects one after the other in name
 * order: `aws` first, so the CPU-bound emulator suites ran together while the end-to-end suites,
 * which mostly wait on campaigns in real time, queued behind them.
 *
 * A file's length is its duration in the previous run (vitest's results cache), else the one
 * recorded in vitest.durations.json (seconds, files of a second or more, from this machine's results
 * cache on 2026-12-07, under other work's load: a fresh clone has no cache, and by size alone the
 * 3-minute split-commit-restart suite ranked 20th of the 66 e2e and aws files, now 2nd), else an estimate from
 * its size: seconds per KiB of test source by project, as one run here gave them (JSON reporter,
 * 2026-11-30): e2e 4.6, aws 1.9, browser 1.0, the in-process suites 0.2. A file that failed last
 * time still runs first. The recorded figures only order the files: a stale one costs some wall
 * time, never a test.
 *
 * Beside vitest.config.ts, not in test/: the config imports it, and a root file importing test/
 * while test/ imports the CLI, which reads package.json at the root, made a unit loop.
 */
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MS_PER_KIB: Readonly<Record<string, number>> = { e2e: 4_600, aws: 1_900, browser: 1_000 };
const IN_PROCESS_MS_PER_KIB = 200;
/** `project:path` → seconds. */
const RECORDED_SEC: Readonly<Record<string, number>> = JSON.parse(readFileSync(new URL('./vitest.durations.json', import.meta.url), 'utf8'));

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const known = new Map<TestSpecification, { failed: boolean; ms: number }>();
    for (const spec of files) {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
      const last = cache.getFileTestResults(key);
      if (last) {
        known.set(spec, { failed: last.failed, ms: last.duration });
        continue;
      }
      const recorded = RECORDED_SEC[key];
      if (recorded !== undefined) {
        known.set(spec, { failed: false, ms: recorded * 1000 });
        continue;
      }
      const bytes = cache.getFileStats(key)?.size ?? statSync(spec.moduleId).size;
      known.set(spec, { failed: false, ms: (bytes / 1024) * (MS_PER_KIB[spec.project.name] ?? IN_PROCESS_MS_PER_KIB) });
    }
    const of = (spec: TestSpecification) => known.get(spec) as { failed: boolean; ms: number };
    return [...files].sort((a, b) => Number(of(b).failed) - Number(of(a).failed) || of(b).ms - of(a).ms);
  }
}
