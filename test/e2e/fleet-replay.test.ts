import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../core/model/fill.js';
import { runFolder } from '../support/cli-process.js';
import { configIn, decision, DISLOCATIONS, fixture, run } from '../support/replay-campaigns.js';

/** The recorded time of the dislocations replay's first update. */
const FIRST_RECORDED = 1_700_000_000_000;

/** The engine's `shard started` log line of one generation. */
function startedLine(logFile: string): { wallOrigin?: number; restoredTicks?: number; skippedOnResume?: number } {
  const line = readFileSync(logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('"event":"shard started"'));
  expect(line, `${logFile} has no "shard started" line`).toBeDefined();
  return JSON.parse(line as string) as { wallOrigin?: number };
}

/** The wall time a real-time replay is paced from (its first generation's start). */
function originOf(logFile: string): number {
  const origin = startedLine(logFile).wallOrigin;
  expect(origin).toBeTypeOf('number');
  return origin as number;
}

/**
 * Every fill decided at the wall time the fixed mapping gives its recorded time: never before
 * origin + (eventTs − first) / speed, and at most 2 s after it (a loaded machine's scheduling;
 * a replay shifted by a restart's downtime would be several seconds late).
 */
function expectPaced(fills: readonly Fill[], origin: number, speed: number): void {
  expect(fills.length).toBeGreaterThan(0);
  for (const f of fills) {
    const due = origin + ((f.eventTs as number) - FIRST_RECORDED) / speed;
    expect(f.wallTs, `fill ${f.seq} at recorded ${f.eventTs}`).toBeGreaterThanOrEqual(Math.floor(due));
    expect(f.wallTs, `fill ${f.seq} at recorded ${f.eventTs}`).toBeLessThanOrEqual(due + 2_000);
  }
}

describe('campaigns over recorded data', () => {
  it('runs a clock: virtual fleet campaign on the recorded time to the replay end, and the report judges its trading', async () => {
    const runDir = runFolder();
    const { report, fills } = await run(configIn(runDir, DISLOCATIONS), runDir);

    expect(report.campaign.status).toBe('COMPLETED');
    expect(report.campaign.endReason).toBe('every shard completed');
    expect(report.shards.map((s) => [s.status, s.restarts.length])).toEqual([['COMPLETED', 0]]);
    // Engine time is the recorded time: 2023-11-14T22:13:20Z onwards, and fills carry it as event time.
    const first = FIRST_RECORDED;
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) {
      expect(f.ts).toBeGreaterThanOrEqual(first);
      expect(f.ts).toBeLessThan(first + 600_000);
      expect(f.eventTs).toBe(f.ts);
    }
    const trading = report.trading;
    expect(trading?.stats.trades).toBe(fills.length / 4);
    expect(trading?.stats.byExitReason.reduce((n, r) => n + r.trades, 0)).toBe(trading?.stats.trades);
    expect(trading?.openAtEnd).toEqual([]);
    expect(trading?.acceptance.map((a) => [a.id, a.pass])).toEqual([
      ['no-stale-entry', true],
      ['data-coverage', true],
      ['no-open-positions', true],
    ]);
    expect(report.acceptance.find((a) => a.id === 'full-duration')).toMatchObject({ pass: true });
    const markdown = readFileSync(join(runDir, 'out', 'report.md'), 'utf8');
    expect(markdown).toMatch(/## Trading/);
    expect(markdown).toMatch(/\| Win rate \| 100 % \|/);
    expect(markdown).toMatch(/### P&L by exit reason\n\n\| Exit reason \| Trades \| Wins \| P&L \| P&L per trade \|/);
    expect(readFileSync(join(runDir, 'out', 'report.html'), 'utf8')).toMatch(/data-trading-criterion="no-open-positions"/);
  });

  it('gives the same fills in a speed: 60 real-time campaign as in a clock: virtual one over the same recorded file', async () => {
    const [virtualDir, pacedDir] = [runFolder(), runFolder()];
    const paced = configIn(pacedDir, DISLOCATIONS, (y) =>
      y.replace('clock: virtual', 'clock: real').replace('feed: { kind: replay,', 'feed: { kind: replay, speed: 60,'),
    );
    const [v, p] = await Promise.all([run(configIn(virtualDir, DISLOCATIONS), virtualDir), run(paced, pacedDir)]);

    expect(p.report.campaign.status).toBe('COMPLETED');
    expect(p.report.shards[0]?.restarts).toEqual([]);
    expect(v.fills.length).toBeGreaterThan(20);
    expect(p.fills.map(decision)).toEqual(v.fills.map(decision));
    // Paced: each decision came when the mapping origin + (recorded − first) / 60 said, never early, never late.
    expectPaced(p.fills, originOf(join(pacedDir, 'out', 'tasks', 'shard-000.g0.log')), 60);
  });

  it('resumes a real-time replay after a SIGKILL at the recorded time the mapping gives, without shifting later quotes', async () => {
    const [virtualDir, pacedDir] = [runFolder(), runFolder()];
    const paced = configIn(pacedDir, DISLOCATIONS, (y) =>
      y.replace('clock: virtual', 'clock: real').replace('feed: { kind: replay,', 'feed: { kind: replay, speed: 40,'),
    );
    // 9 s after the campaign's start: some seconds into the first generation's replay (the launch takes a few).
    const [v, p] = await Promise.all([run(configIn(virtualDir, DISLOCATIONS), virtualDir), run(paced, pacedDir, ['--chaos', 'kill:shard-000@9s'])]);

    const shard = p.report.shards[0];
    expect(shard?.restarts.map((r) => [r.cause, r.detail.signal])).toEqual([['CRASHED', 'SIGKILL']]);
    expect(shard?.status).toBe('COMPLETED');
    const resumed = p.fills.filter((f) => f.generation === 1);
    expect(resumed.length, 'the new generation traded').toBeGreaterThan(0);
    // Every entry after the restart was priced at the quote recorded at its own recorded time: what was
    // recorded while no generation ran was skipped, not replayed late. (Which entries it makes may differ
    // from the uninterrupted run's: trades open across the downtime missed the exits recorded meanwhile.)
    const recorded = readFileSync(fixture('replay/dislocations.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const quoteAt = (venue: string, ts: number) => recorded.filter((r) => r[2] === venue && Number(r[0]) <= ts).at(-1);
    const entries = resumed.filter((x) => x.kind === 'OPEN');
    expect(entries.length, 'the new generation entered trades').toBeGreaterThan(0);
    for (const f of entries) {
      const quote = quoteAt(f.venue, f.eventTs as number);
      expect(f.price, `entry ${f.seq} at recorded ${f.eventTs}`).toBe(Number(f.side === 'SELL' ? quote?.[3] : quote?.[4]));
    }
    // And the entries the uninterrupted run also made are the same decisions at the same recorded times.
    const virtualEntries = new Map(v.fills.filter((f) => f.kind === 'OPEN').map((f) => [`${f.venue}|${f.eventTs}`, f]));
    const shared = entries.filter((f) => virtualEntries.has(`${f.venue}|${f.eventTs}`));
    for (const f of shared)
      expect({ ...decision(f), qty: undefined }).toEqual({ ...decision(virtualEntries.get(`${f.venue}|${f.eventTs}`) as Fill), qty: undefined });
    const started = startedLine(join(pacedDir, 'out', 'tasks', 'shard-000.g1.log'));
    expect(started.restoredTicks, 'generation 1 resumed from a checkpoint').toBeGreaterThan(0);
    expect(started.skippedOnResume, 'what was recorded while down was skipped').toBeGreaterThan(0);
    // The same mapping as generation 0's: the restart shifted nothing that followed.
    const origin = originOf(join(pacedDir, 'out', 'tasks', 'shard-000.g0.log'));
    expect(started.wallOrigin).toBe(origin);
    expectPaced(resumed, origin, 40);
  });
});
