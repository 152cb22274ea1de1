/**
 * The agent (`engine.kind: command`) with a real child engine speaking the task protocol, on a real
 * SQLite store: assignment and restore, progress as heartbeats, commits and their answers, the
 * engine's own completion. The hostile children are in `task-agent-hostile.test.ts`.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { agentEvents, startAgentTask } from './agent-task-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the agent with a well-behaved engine', () => {
  it('assigns the shard, commits every fill with its checkpoint, answers each commit, and exits 0 with the engine done (feed-done in the final heartbeat)', async () => {
    const task = await startAgentTask('good');
    dirs.push(task.dir);
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: 0, signal: null });
    const [assignment, ...answers] = task.recorded();
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
    expect(task.process.stdout()).toContain('engine: a plain log line from the engine');
    expect(agentEvents(task.process.stdout()).find((e) => e.event === 'summary')).toMatchObject({
      end: 'completed',
      commits: 3,
      fillsCommitted: 6,
      engine: { name: 'fake-engine', version: '1.0.0' },
    });
    task.store.close();
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
});
