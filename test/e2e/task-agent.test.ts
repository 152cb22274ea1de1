/**
 * The agent (`engine.kind: command`) with a real child engine speaking the task protocol, on a real
 * SQLite store: assignment and restore, progress as heartbeats, commits and their answers, the
 * engine's own completion. The hostile children are in `task-agent-hostile.test.ts`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CampaignConfigSchema } from '../../core/config/campaign-config.js';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { tradingAcceptanceOf, tradingConfigOf, venueQualityOf } from '../../core/report/trading.js';
import { waitFor } from '../support/engine-process.js';
import { type AgentTask, agentEvents, startAgentTask } from './agent-task-support.js';

const dirs: string[] = [];

/** The report's "Quote coverage" row over the shard's stored heartbeats, judged as the report judges it (`core/report/trading.ts`), on the config the agent ran. */
async function coverageOf(task: AgentTask) {
  const config = CampaignConfigSchema.parse(JSON.parse(readFileSync(join(task.dir, 'campaign.json'), 'utf8')));
  const trading = tradingConfigOf(config as unknown as Record<string, unknown>);
  const venues = venueQualityOf([await task.store.readHeartbeats(task.key)], trading);
  return { venues, row: tradingAcceptanceOf({}, venues, [], {}, trading).find((r) => r.id === 'data-coverage') };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the agent with a well-behaved engine', () => {
  it('assigns the shard, commits every fill with its checkpoint, answers each commit, and exits 0 with the engine done (feed-done in the final heartbeat)', async () => {
    const task = await startAgentTask('good');
    dirs.push(task.dir);
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: 0, signal: null });
    const [env, assignment, ...answers] = task.recorded();
    // The engine never sees the store or credentials: the agent ran with ARBFLEET_STORE and AWS_REGION set.
    expect(env).toEqual({ pid: expect.any(Number), storeOrCloudEnv: [] });
    expect(assignment).toMatchObject({
      type: 'assignment',
      protocol: 1,
      campaignId: 'c-agent',
      shardId: 'shard-000',
      generation: 0,
      symbols: ['BTC', 'ETH'],
      restore: { checkpoint: null, ledgerTail: [], nextFillSeq: 0 },
    });
    expect(answers).toEqual([0, 1, 2].map((seq) => ({ type: 'commit-result', seq, status: 'accepted' })));
    const ledger = await task.store.readLedger(task.key);
    expect(ledger.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ledger.every((f) => f.generation === 0 && f.symbol === 'BTC')).toBe(true);
    const heartbeats = await task.store.readHeartbeats(task.key);
    expect(heartbeats.at(-1)?.progress).toMatchObject({ stop: { by: 'feed-done' }, lastFillSeq: 5, fillsA: 3, fillsB: 3, turns: 4 });
    // The fake engine's progress carries no latency: its 0 µs are placeholders, said so (the report's row says "not measured").
    expect(heartbeats.every((h) => h.progress.latencyMeasured === false)).toBe(true);
    // Who the engine said it was rides in the heartbeats once it said hello: the report names the engine from it.
    expect(heartbeats.at(-1)?.progress.engine).toEqual({ name: 'fake-engine', version: '1.0.0', protocol: 1 });
    // No per-venue update times in its progress: the report's Quote coverage row cannot judge it, and says so.
    expect(heartbeats.some((h) => h.progress.venues !== undefined)).toBe(false);
    expect((await coverageOf(task)).row).toMatchObject({ pass: false, result: 'not measured: no heartbeat carried per-venue update times' });
    expect(task.process.stdout()).toContain('engine: a plain log line from the engine');
    expect(agentEvents(task.process.stdout()).find((e) => e.event === 'summary')).toMatchObject({
      end: 'completed',
      commits: 3,
      fillsCommitted: 6,
      engine: { name: 'fake-engine', version: '1.0.0' },
    });
    task.store.close();
  });

  it("carries the engine's per-venue update times into the heartbeats, so the report judges Quote coverage: passed when fresh, failed naming a stale venue", async () => {
    const [fresh, stale] = await Promise.all([
      startAgentTask('good', { env: { FAKE_VENUES: 'fresh' } }),
      startAgentTask('good', { env: { FAKE_VENUES: 'stale-b' } }),
    ]);
    dirs.push(fresh.dir, stale.dir);
    for (const task of [fresh, stale]) expect((await task.process.exited).code, task.process.stderr()).toBe(0);
    // The final heartbeat holds the engine's last progress (counter 4): its venues as sent, FX included.
    const last = (await fresh.store.readHeartbeats(fresh.key)).at(-1)?.progress;
    expect(last?.eventTime).toBe(1_767_225_604_000);
    expect(last?.venues).toEqual({
      a: { updates: 12, lastUpdateAt: 1_767_225_603_900, skipped: {} },
      b: { updates: 8, lastUpdateAt: 1_767_225_603_900, skipped: {} },
      fx: { updates: 4, lastUpdateAt: 1_767_225_603_000, skipped: {} },
    });
    const judged = await coverageOf(fresh);
    expect(judged.row).toMatchObject({ pass: true, result: expect.stringMatching(/^upbit 100(\.0)? %, binance 100(\.0)? %/) });
    expect(judged.venues.find((v) => v.venue === 'a')?.coverage).toBe(1);
    // Venue B an hour behind its event time, against maxQuoteAge 10 s: never fresh, the row fails on it.
    const staleRow = await coverageOf(stale);
    expect(staleRow.venues.find((v) => v.venue === 'b')?.coverage).toBe(0);
    expect(staleRow.row).toMatchObject({ pass: false, result: expect.stringMatching(/binance 0(\.0)? %/) });
    fresh.store.close();
    stale.store.close();
  });

  it('restores the next generation from the engine checkpoint it accepted last and the ledger after it', async () => {
    const first = await startAgentTask('good');
    dirs.push(first.dir);
    expect((await first.process.exited).code).toBe(0);
    const shard = await first.store.getShard(first.key);
    await first.store.updateShard(first.key, shard?.version ?? 0, { generation: 1 });
    const second = await startAgentTask('good', { dir: first.dir, store: first.store, generation: 1 });
    expect((await second.process.exited).code, second.process.stderr()).toBe(0);
    const assignment = second.recorded().find((m) => m.type === 'assignment');
    expect(assignment).toMatchObject({ generation: 1, restore: { checkpoint: { k: 2, after: 5 }, ledgerTail: [], nextFillSeq: 6 } });
    const ledger = await first.store.readLedger(first.key);
    expect(ledger.map((f) => [f.seq, f.generation])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((seq) => [seq, seq < 6 ? 0 : 1]));
    first.store.close();
  });

  it('stop: SIGTERM reaches the engine as stop with its deadline; the engine ends done/stopped and the final heartbeat names the signal', async () => {
    const task = await startAgentTask('until-stop');
    dirs.push(task.dir);
    await waitFor('a first accepted commit', async () => ((await task.store.readLedger(task.key)).length >= 2 ? true : undefined), 30_000);
    task.process.child.kill('SIGTERM');
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: ENGINE_EXIT.OK, signal: null });
    expect(task.recorded().find((m) => m.type === 'stop')).toEqual({ type: 'stop', withinMs: 6000, cause: 'SIGTERM' });
    const heartbeats = await task.store.readHeartbeats(task.key);
    expect(heartbeats.at(-1)?.progress.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
    task.store.close();
  });

  it('an engine killed by SIGTERM that the agent never sent is a stop from outside (exit 0, the signal in the final heartbeat), not a crash; SIGKILL stays a crash', async () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const task = await startAgentTask('until-stop');
      dirs.push(task.dir);
      await waitFor('a first accepted commit', async () => ((await task.store.readLedger(task.key)).length >= 2 ? true : undefined), 30_000);
      const enginePid = (task.recorded()[0] as { pid: number }).pid;
      process.kill(enginePid, signal);
      const exit = await task.process.exited;
      const summary = agentEvents(task.process.stdout()).find((e) => e.event === 'summary');
      const heartbeats = await task.store.readHeartbeats(task.key);
      if (signal === 'SIGTERM') {
        expect(exit, task.process.stderr()).toEqual({ code: ENGINE_EXIT.OK, signal: null });
        expect(summary).toMatchObject({
          end: 'stopped',
          reason: expect.stringMatching(/killed by SIGTERM, a signal the agent did not send: stopped from outside/),
        });
        // Nothing was asked of the engine: no stop message went to it.
        expect(task.recorded().find((m) => m.type === 'stop')).toBeUndefined();
        expect(heartbeats.at(-1)?.progress.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
      } else {
        expect(exit.code, task.process.stderr()).not.toBe(ENGINE_EXIT.OK);
        expect(summary).toMatchObject({ end: 'crashed', reason: expect.stringMatching(/killed by SIGKILL/) });
        expect(heartbeats.at(-1)?.progress.stop).toBeUndefined();
      }
      task.store.close();
    }
  });

  it('stop before hello: the engine is ended at once, nothing is assigned, and the run ends stopped (exit 0, the signal named), not crashed', async () => {
    const task = await startAgentTask('silent');
    dirs.push(task.dir);
    await waitFor('the engine started', () => (task.recorded().length > 0 ? true : undefined), 30_000);
    task.process.child.kill('SIGTERM');
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: ENGINE_EXIT.OK, signal: null });
    expect(task.recorded().find((m) => m.type === 'assignment')).toBeUndefined();
    expect(agentEvents(task.process.stdout()).find((e) => e.event === 'summary')).toMatchObject({ end: 'stopped' });
    const heartbeats = await task.store.readHeartbeats(task.key);
    expect(heartbeats.at(-1)?.progress.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
    task.store.close();
  });

  it('fenced: a commit after a newer generation took the shard is answered fenced, writes nothing, and the agent exits 3 with the engine killed', async () => {
    const task = await startAgentTask('fenced');
    dirs.push(task.dir);
    await waitFor('two accepted commits', async () => ((await task.store.readLedger(task.key)).length >= 4 ? true : undefined), 30_000);
    const shard = await task.store.getShard(task.key);
    await task.store.updateShard(task.key, shard?.version ?? 0, { generation: 1 });
    const exit = await task.process.exited;
    expect(exit.code).toBe(ENGINE_EXIT.FENCED_OUT);
    expect(task.process.stderr().trim().split('\n').at(-1)).toMatch(/^arbfleet-agent: fenced: shard shard-000: generation 0 is fenced out/);
    const ledger = await task.store.readLedger(task.key);
    const checkpoint = await task.store.readCheckpoint(task.key);
    // Every fill in the ledger is covered by an accepted commit: the fenced one wrote nothing.
    expect(checkpoint?.lastFillSeq).toBe(ledger.at(-1)?.seq);
    expect(ledger.every((f) => f.generation === 0)).toBe(true);
    task.store.close();
  });

  it('the stall rule: an engine whose counter stands still keeps its heartbeats coming, but their progress stops (ticksSince stays put)', async () => {
    const health = join(tmpdir(), `arbfleet-agent-health-${process.pid}.json`);
    const startedAt = Date.now();
    const task = await startAgentTask('stall', { agentEnv: { ARBFLEET_HEALTH_FILE: health } });
    dirs.push(task.dir);
    const beats = await waitFor(
      'six heartbeats',
      async () => {
        const all = await task.store.readHeartbeats(task.key);
        return all.length >= 6 ? all : undefined;
      },
      30_000,
    );
    task.process.child.kill('SIGKILL');
    await task.process.exited;
    const moving = beats.filter((b) => b.progress.turns === 1);
    expect(moving.length).toBeGreaterThanOrEqual(4);
    expect(new Set(moving.map((b) => b.ticksSince)).size).toBe(1);
    expect(moving.at(-1)?.receivedAt).toBeGreaterThan(moving[0]?.ticksSince ?? Infinity);
    // The container's HEALTHCHECK file says the same: progress has not moved since the counter stopped.
    const written = JSON.parse(readFileSync(health, 'utf8'));
    rmSync(health, { force: true });
    expect(written).toMatchObject({ turns: 1 });
    expect(written.progressAt).toBeGreaterThanOrEqual(startedAt);
    expect(written.at).toBeGreaterThan(written.progressAt);
    task.store.close();
  });
});
