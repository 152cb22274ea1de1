/**
 * "Monitoring on" fails heartbeats the shard's record contradicts (`heartbeat-consistency.ts`): each
 * a hand edit of a real run's fleet.db that scored 11/11 (a restart that kept its generation,
 * counters reset; heartbeats of a generation that never ran), and a restarted run, one writer per
 * generation, passes.
 */
import { describe, expect, it } from 'vitest';
import type { ReportInput } from '../../../core/report/build-report.js';
import { buildReport } from '../../../core/report/build-report.js';
import { campaignRun } from './report-fixtures.js';

/** Each heartbeat of every shard given the writer of its generation (one process per generation), with turns = ticks. */
function withWriters(run: ReportInput): ReportInput {
  for (const [shardId, history] of Object.entries(run.heartbeats)) {
    for (const h of history) {
      h.writer = `pid-${h.generation}@host/${shardId}`;
      h.progress.turns = h.progress.ticks;
    }
    const shard = run.shards.find((s) => s.shardId === shardId)!;
    shard.heartbeat = history.at(-1)!;
  }
  return run;
}

const monitoring = (run: ReportInput) => buildReport(run).acceptance.find((r) => r.id === 'monitoring')!;

describe('heartbeats the shard record contradicts', () => {
  it('passes a run restarted once, one writer per generation, each counting up from its checkpoint', () => {
    const run = withWriters(campaignRun({ restarts: [{ shard: 0, cause: 'CRASHED', atSec: 600, downSec: 30 }] }));
    expect(new Set(run.heartbeats['shard-000']!.map((h) => h.writer)).size).toBe(2);
    expect(monitoring(run).pass).toBe(true);
  });

  it("FAILS heartbeats of a generation no restart led into (a real run's restart records erased: 11/11 before, its crash hidden)", () => {
    const run = withWriters(campaignRun({ restarts: [{ shard: 0, cause: 'CRASHED', atSec: 600, downSec: 30 }] }));
    run.shards[0]!.restarts = [];
    expect(monitoring(run)).toMatchObject({
      pass: false,
      result: "shard-000: heartbeats of generation 1 with no restart into it on the shard's record (a restart hidden: its cause unknown)",
    });
  });

  it('FAILS a writer whose counts go back (a restart that kept its generation), naming the count', () => {
    const run = withWriters(campaignRun());
    const history = run.heartbeats['shard-001']!;
    for (const h of history.slice(60)) h.progress.turns = (h.progress.turns ?? 0) - 5_000;
    expect(monitoring(run)).toMatchObject({ pass: false, result: "shard-001: generation 0's turns went back from 59,000 to 55,000 within one writer" });

    const fills = withWriters(campaignRun());
    const last = fills.heartbeats['shard-000']!.at(-2)!;
    last.progress.fillsA -= 4;
    last.progress.lastFillSeq -= 3;
    expect(monitoring(fills).result).toBe(
      "shard-000: generation 0's fills made went back from 78 to 76 within one writer; shard-000: generation 0's last committed fill went back from 77 to 76 within one writer",
    );
  });

  it('FAILS a second writer in one generation, and heartbeats of a generation above the shard’s', () => {
    const run = withWriters(campaignRun());
    for (const h of run.heartbeats['shard-000']!.slice(30)) h.writer = 'pid-9@host/another';
    expect(monitoring(run).result).toBe(
      'shard-000: two writers in generation 0 (pid-0@host/shard-000, then pid-9@host/another): two processes wrote as one generation',
    );

    // Without writers (heartbeats stored before them) the generation alone is judged.
    const above = campaignRun();
    for (const h of above.heartbeats['shard-001']!.slice(100)) h.generation = 2;
    expect(monitoring(above)).toMatchObject({ pass: false, result: "shard-001: heartbeats of generation 2, above the shard's 0 (no such generation ran)" });
  });
});
