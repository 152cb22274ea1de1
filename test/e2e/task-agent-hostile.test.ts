/**
 * Hostile or broken engines behind the agent, each a real child process
 * (`test/fixtures/task-protocol/fake-engine.mjs`): every one gets a clear error naming what was
 * wrong, and nothing of a bad commit reaches the ledger (`docs/task-protocol.md`, Violations).
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { waitFor } from '../support/engine-process.js';
import { type AgentTask, agentEvents, startAgentTask } from './agent-task-support.js';

const tasks: AgentTask[] = [];
afterEach(() => {
  for (const task of tasks.splice(0)) {
    // A test that failed may leave its agent or engine running: neither outlives it.
    task.process.child.kill('SIGKILL');
    for (const m of task.recorded()) if (typeof m.pid === 'number' && alive(m.pid)) process.kill(m.pid, 'SIGKILL');
    task.store.close();
    rmSync(task.dir, { recursive: true, force: true });
  }
});

async function run(mode: string, env: Record<string, string> = {}): Promise<{ task: AgentTask; exit: { code: number | null; signal: NodeJS.Signals | null } }> {
  const task = await startAgentTask(mode, { env });
  tasks.push(task);
  const exit = await task.process.exited;
  return { task, exit };
}

/** The agent's last stderr line: what the fleet quotes in the restart's detail. */
function lastStderrLine(task: AgentTask): string {
  return task.process.stderr().trim().split('\n').at(-1) ?? '';
}

/** The commits the agent answered `rejected` or `fenced`, from its task log. */
function refusals(task: AgentTask): Record<string, unknown>[] {
  return agentEvents(task.process.stdout()).filter((e) => e.event === 'commit refused');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the agent with a hostile or broken engine', () => {
  it('a message line that does not match its schema: exit 1 naming the line and the field', async () => {
    const { task, exit } = await run('malformed');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toMatch(
      /^arbfleet-agent: violation: protocol violation: stdout line 4: progress message: counter: Invalid input: expected number, received string/,
    );
    expect(await task.store.readLedger(task.key)).toEqual([]);
  });

  it('a line over the 4 MiB limit: exit 1 naming the line and the limit', async () => {
    const { task, exit } = await run('oversize');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toMatch(/protocol violation: stdout line 4: \d+ bytes or more, over the limit of 4194304 \(MAX_LINE_BYTES\)/);
    expect(task.process.stdout()).not.toContain('xxxxxxxx');
  });

  it('a fill for a symbol outside the shard: the commit is rejected, named, and nothing is written', async () => {
    const { task, exit } = await run('foreign-symbol');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toContain(`commit 0: fills[0].symbol: expected one of the shard's symbols (BTC, ETH), found "DOGE"`);
    expect(refusals(task)).toMatchObject([{ seq: 0, status: 'rejected' }]);
    expect(await task.store.readLedger(task.key)).toEqual([]);
    expect(await task.store.readCheckpoint(task.key)).toBeUndefined();
  });

  it('fill seqs that go back: the first commit stands, the second is rejected and writes nothing', async () => {
    const { task, exit } = await run('seq-back');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toContain('commit 1: fills[0].seq: expected 2 (fills continue the ledger one by one), found 0 (it goes back)');
    expect(task.recorded().find((m) => m.type === 'commit-result')).toMatchObject({ seq: 0, status: 'accepted' });
    expect(refusals(task)).toMatchObject([{ seq: 1, status: 'rejected' }]);
    expect((await task.store.readLedger(task.key)).map((f) => f.seq)).toEqual([0, 1]);
    expect(await task.store.readCheckpoint(task.key)).toMatchObject({ lastFillSeq: 1, feed: { engineCheckpoint: { at: 0 } } });
  });

  it('fill seqs that skip: rejected and nothing written', async () => {
    const { task, exit } = await run('seq-skip');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toContain('commit 0: fills[0].seq: expected 0 (fills continue the ledger one by one), found 1 (it skips)');
    expect(await task.store.readLedger(task.key)).toEqual([]);
  });

  it('a commit without a checkpoint: rejected by its schema and nothing written', async () => {
    const { task, exit } = await run('no-checkpoint');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toMatch(/protocol violation: stdout line 4: commit message: checkpoint: /);
    expect(refusals(task)).toMatchObject([{ seq: 0, status: 'rejected' }]);
    expect(await task.store.readLedger(task.key)).toEqual([]);
  });

  it('a stdout flood: heartbeats go on, the logs copied stay within the budget, the drop is counted, and the run completes', async () => {
    const { task, exit } = await run('flood');
    expect(exit.code, lastStderrLine(task)).toBe(ENGINE_EXIT.OK);
    const summary = agentEvents(task.process.stdout()).find((e) => e.event === 'summary');
    // 21 bursts of 2,000 lines of 961 bytes: about 40 MB written; 1 MiB/s plus one second's reserve copied.
    expect(summary?.logBytesDropped).toBeGreaterThan(20_000_000);
    expect(task.process.stdout().length).toBeLessThan(40_000_000 - 20_000_000);
    expect(agentEvents(task.process.stdout()).some((e) => e.event === 'engine logs dropped over the log budget')).toBe(true);
    expect((await task.store.readLedger(task.key)).map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('an engine that ignores stop is killed at the deadline with its process group', async () => {
    const task = await startAgentTask('ignore-stop');
    tasks.push(task);
    await waitFor('the engine running', () => (task.recorded().some((m) => m.type === 'assignment') ? true : undefined), 30_000);
    task.process.child.kill('SIGTERM');
    const exit = await task.process.exited;
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(task.recorded().find((m) => m.type === 'stop')).toEqual({ type: 'stop', withinMs: 6000, cause: 'SIGTERM' });
    expect(lastStderrLine(task)).toBe('arbfleet-agent: killed-at-deadline: engine ignored stop (SIGTERM): killed after 6s');
    const pid = task.recorded().find((m) => typeof m.pid === 'number')?.pid as number;
    await waitFor('the engine gone', () => (alive(pid) ? undefined : true), 10_000);
  });

  it('an engine that forks and crashes: the grandchild it left is killed with the group, and the end is a crash', async () => {
    const { task, exit } = await run('fork');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    const grandchild = task.recorded().find((m) => typeof m.grandchild === 'number')?.grandchild as number;
    expect(grandchild).toBeGreaterThan(0);
    try {
      await waitFor('the grandchild gone', () => (alive(grandchild) ? undefined : true), 10_000);
    } finally {
      if (alive(grandchild)) process.kill(grandchild, 'SIGKILL'); // never leave it behind, even when the agent did
    }
    expect(lastStderrLine(task)).toBe('arbfleet-agent: crashed: engine exited 1');
  });

  it('an engine that exits 2 ends the task as bad input (exit 2, not retried), quoting its last stderr line', async () => {
    const { task, exit } = await run('exit2');
    expect(exit.code).toBe(ENGINE_EXIT.BAD_INPUT);
    expect(lastStderrLine(task)).toBe(
      'arbfleet-agent: bad-input: engine exited 2 (bad input: not retried); its last stderr line: fake-engine: bad input: no price file for BTC',
    );
  });

  it('an engine that exits 0 without done did not complete: exit 1', async () => {
    const { task, exit } = await run('no-done');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toBe('arbfleet-agent: crashed: engine exited 0 without done: not a completion');
    expect((await task.store.readLedger(task.key)).length).toBe(6);
    expect((await task.store.readHeartbeats(task.key)).some((h) => h.progress.stop !== undefined)).toBe(false);
  });

  it('an engine that speaks another protocol version is bad input (exit 2)', async () => {
    const { task, exit } = await run('good', { FAKE_PROTOCOL: '2' });
    expect(exit.code).toBe(ENGINE_EXIT.BAD_INPUT);
    expect(lastStderrLine(task)).toBe('arbfleet-agent: bad-input: engine speaks task protocol 2: this agent speaks 1 (docs/task-protocol.md)');
  });

  it('an engine that says no hello within watchdog.launchTimeout is ended: exit 1 naming the bound', async () => {
    const task = await startAgentTask('silent', { config: { watchdog: { staleAfter: 2, heartbeatInterval: 0.25, launchTimeout: 2 } } });
    tasks.push(task);
    const exit = await task.process.exited;
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toBe('arbfleet-agent: crashed: engine wrote no hello within 2s (watchdog.launchTimeout)');
  });

  it('a progress counter that goes back is a violation naming both values', async () => {
    const { task, exit } = await run('counter-back');
    expect(exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(task)).toMatch(/protocol violation: stdout line 4: progress message: counter: expected 1 or more \(it never goes back\), found 0$/);
  });

  it("a venue's update time later than the engine's event time, or going back, is a violation naming the venue and both times", async () => {
    const [future, back] = await Promise.all([run('good', { FAKE_VENUES: 'future' }), run('good', { FAKE_VENUES: 'back' })]);
    expect(future.exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(future.task)).toMatch(
      /protocol violation: stdout line 2: progress message: venues\.a\.lastUpdateAt: expected at most eventTime 1767225601000 \(no update is later than the time the engine stands at\), found 1767225602000 \(1000 ms later\)$/,
    );
    expect(back.exit.code).toBe(ENGINE_EXIT.FATAL);
    expect(lastStderrLine(back.task)).toMatch(
      /progress message: venues\.b\.lastUpdateAt: expected 1767225600900 or later \(it never goes back\), found 1767225595000$/,
    );
    // Refused, never heartbeated: no stored heartbeat carries a venue time from the future of its event time.
    const beats = await future.task.store.readHeartbeats(future.task.key);
    expect(beats.some((b) => b.progress.venues !== undefined)).toBe(false);
  });
});
