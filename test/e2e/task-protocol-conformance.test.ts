/**
 * The task protocol's conformance suite (`docs/task-protocol.md`): what any engine behind the agent
 * must do, run against each engine in `ENGINES` through the real entrypoint in agent mode on a real
 * SQLite store. Adding an engine is one line: its name, its command and the config it trades on.
 * The hostile cases are the agent's, with a scripted child: `task-agent-hostile.test.ts`.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignConfigInput } from '../../core/config/campaign-config.js';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { ENGINE_COMMAND, waitFor } from '../support/engine-process.js';
import { type AgentTask, startAgentTask } from './agent-task-support.js';

interface ConformingEngine {
  name: string;
  command: string[];
  /** What it trades on: a config where it makes fills within seconds (symbols BTC and ETH). */
  config: Partial<CampaignConfigInput>;
}

/** A lively synthetic market: the built-in engine trades within a second. */
const LIVELY: Partial<CampaignConfigInput> = {
  feed: { kind: 'synthetic', seed: 7, ticksPerSecond: 20, dislocationBps: 40, dislocationHalfLife: '3s' },
};

const ENGINES: ConformingEngine[] = [
  { name: 'the built-in engine (--protocol stdio)', command: [...ENGINE_COMMAND, '--protocol', 'stdio'], config: LIVELY },
  {
    name: 'the Python example (examples/python-engine)',
    command: ['python3', fileURLToPath(new URL('../../examples/python-engine/engine.py', import.meta.url))],
    config: LIVELY,
  },
];

const tasks: AgentTask[] = [];
afterEach(() => {
  for (const task of tasks.splice(0)) {
    task.process.child.kill('SIGKILL');
    task.store.close();
    rmSync(task.dir, { recursive: true, force: true });
  }
});

async function fillsAtLeast(task: AgentTask, n: number): Promise<void> {
  await waitFor(`${n} fills in the ledger`, async () => ((await task.store.readLedger(task.key)).length >= n ? true : undefined), 45_000);
}

describe.each(ENGINES)('task protocol conformance: $name', (engine) => {
  it('says hello, takes its assignment, heartbeats progress that moves, commits fills that are accepted, and stops gracefully within the deadline', async () => {
    const task = await startAgentTask('conformance', { command: engine.command, config: engine.config });
    tasks.push(task);
    await fillsAtLeast(task, 2);
    // Progress that moves: heartbeats carrying the engine's own counter, a later one higher. The
    // agent heartbeats on its own timer, so its first beats may come before the engine's first progress
    // line (counter 0 on a busy machine); those are not the engine's and do not count.
    const moving = await waitFor(
      "two heartbeats of the engine's progress, the counter moving",
      async () => {
        const counted = (await task.store.readHeartbeats(task.key)).map((b) => b.progress.turns ?? 0).filter((turns) => turns > 0);
        return counted.some((turns) => turns > (counted[0] ?? 0)) ? counted : undefined;
      },
      30_000,
    );
    expect(moving.at(-1)).toBeGreaterThan(moving[0] ?? 0);
    task.process.child.kill('SIGTERM');
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: ENGINE_EXIT.OK, signal: null });
    const heartbeats = await task.store.readHeartbeats(task.key);
    expect(heartbeats.at(-1)?.progress.stop).toEqual({ by: 'signal', signal: 'SIGTERM' });
    // Each venue's last update rides in the progress (`venues`), no later than its event time: the report judges Quote coverage.
    const last = heartbeats.at(-1)?.progress;
    for (const venue of ['a', 'b'] as const) expect(last?.venues?.[venue].lastUpdateAt).toBeLessThanOrEqual(last?.eventTime ?? Number.NEGATIVE_INFINITY);
    const ledger = await task.store.readLedger(task.key);
    expect(ledger.map((f) => f.seq)).toEqual(ledger.map((_, i) => i));
    expect(ledger.every((f) => ['BTC', 'ETH'].includes(f.symbol) && f.generation === 0)).toBe(true);
    // Every fill made was committed before the exit 0: the last checkpoint covers the whole ledger.
    expect((await task.store.readCheckpoint(task.key))?.lastFillSeq).toBe(ledger.at(-1)?.seq);
  });

  it('restores the next generation from its checkpoint and the ledger: seqs continue, no fill repeated', async () => {
    const first = await startAgentTask('conformance', { command: engine.command, config: engine.config });
    tasks.push(first);
    await fillsAtLeast(first, 4);
    first.process.child.kill('SIGTERM');
    expect((await first.process.exited).code, first.process.stderr()).toBe(ENGINE_EXIT.OK);
    const before = await first.store.readLedger(first.key);
    const shard = await first.store.getShard(first.key);
    await first.store.updateShard(first.key, shard?.version ?? 0, { generation: 1 });
    const second = await startAgentTask('conformance', { command: engine.command, config: engine.config, dir: first.dir, store: first.store, generation: 1 });
    await fillsAtLeast(second, before.length + 2);
    second.process.child.kill('SIGTERM');
    expect((await second.process.exited).code, second.process.stderr()).toBe(ENGINE_EXIT.OK);
    const ledger = await first.store.readLedger(first.key);
    expect(ledger.map((f) => f.seq)).toEqual(ledger.map((_, i) => i));
    expect(ledger.slice(0, before.length)).toEqual(before);
    expect(ledger.slice(before.length).every((f) => f.generation === 1)).toBe(true);
  });

  it('fenced: once a newer generation owns the shard the agent refuses its next write, ends the engine and exits 3', async () => {
    const task = await startAgentTask('conformance', { command: engine.command, config: engine.config });
    tasks.push(task);
    await fillsAtLeast(task, 2);
    const shard = await task.store.getShard(task.key);
    await task.store.updateShard(task.key, shard?.version ?? 0, { generation: 1 });
    const exit = await task.process.exited;
    expect(exit.code, task.process.stderr()).toBe(ENGINE_EXIT.FENCED_OUT);
    const ledger = await task.store.readLedger(task.key);
    expect((await task.store.readCheckpoint(task.key))?.lastFillSeq).toBe(ledger.at(-1)?.seq);
  });
});
