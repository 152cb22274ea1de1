/**
 * The contract of `TaskLauncher`: what the control plane relies on, whichever runtime runs the
 * shards (child processes locally, ECS RunTask on AWS). Every adapter runs this suite.
 * - a launch answers a task id that `describe` shows as live (PENDING or RUNNING), not unknown;
 * - a launch retried for the same (campaign, shard, generation) while its task lives gets that
 *   task back (a launch message delivered twice starts one task); a new generation starts a new one;
 * - `stop` ends the task with the reason given; a second stop is no error and keeps the first reason;
 * - `describe` answers one status per id asked, in the order asked; an id the runtime never
 *   launched is STOPPED (never RUNNING), and stopping it is no error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskLauncher, TaskSpec, TaskStatus } from '../../core/ports.js';

/** A launcher under test, an id its runtime never launched, and how to throw both away. */
export interface TaskLauncherFixture {
  launcher: TaskLauncher;
  /** A well-formed task id of this runtime that no task has (a dead pid, an unused ARN). */
  unknownTaskId: string;
  /** Waits until `taskId` has stopped (a process exits; ECS moves it to STOPPED). */
  settle(taskId: string): Promise<void>;
  cleanup(): Promise<void>;
}

const spec = (shardId: string, generation: number): TaskSpec => ({
  key: { campaignId: 'c-contract', shardId },
  generation,
  symbols: ['BTC'],
  env: {},
});

/** What an adapter's runtime can be asked in this suite. */
export interface TaskLauncherContractOptions {
  /**
   * Whether stopping an id the runtime never launched can be asked at all: true (the default) for
   * real runtimes; false on moto, which answers StopTask on an unknown task with an HTTP 500 where
   * ECS answers "The referenced task was not found" (which the adapter takes as done).
   */
  stopsUnknownTasks?: boolean;
}

/** Registers the `TaskLauncher` contract for one adapter. */
export function describeTaskLauncherContract(name: string, open: () => Promise<TaskLauncherFixture>, options: TaskLauncherContractOptions = {}): void {
  describe(`TaskLauncher contract: ${name}`, () => {
    let fixture: TaskLauncherFixture | undefined;

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    async function launcher(): Promise<TaskLauncherFixture> {
      fixture = await open();
      return fixture;
    }

    it('a launched task is live: describe shows it PENDING or RUNNING, not unknown', async () => {
      const { launcher: l } = await launcher();
      const { taskId } = await l.launch(spec('shard-000', 0));
      const [status] = await l.describe([taskId]);
      expect(status?.taskId).toBe(taskId);
      expect(['PENDING', 'RUNNING']).toContain(status?.state);
      expect(status?.unknown).not.toBe(true);
    });

    it('a launch retried for the same generation gets the live task back; the next generation starts another', async () => {
      const { launcher: l } = await launcher();
      const first = await l.launch(spec('shard-001', 3));
      const retried = await l.launch(spec('shard-001', 3));
      expect(retried.taskId).toBe(first.taskId);
      const next = await l.launch(spec('shard-001', 4));
      expect(next.taskId).not.toBe(first.taskId);
      const states = (await l.describe([first.taskId, next.taskId])).map((s) => s.state);
      for (const state of states) expect(['PENDING', 'RUNNING']).toContain(state);
    });

    it('stop ends the task with the first reason given; stopping it again is no error', async () => {
      const f = await launcher();
      const { taskId } = await f.launcher.launch(spec('shard-002', 0));
      await f.launcher.stop(taskId, 'campaign ended');
      await f.launcher.stop(taskId, 'a later reason');
      await f.settle(taskId);
      const [status] = await f.launcher.describe([taskId]);
      expect(status).toMatchObject({ taskId, state: 'STOPPED' });
      expect(status?.stoppedReason).toContain('campaign ended');
      expect(status?.stoppedReason).not.toContain('a later reason');
      await f.launcher.stop(taskId, 'after it stopped');
    });

    it('describes one status per id, in the order asked; an id never launched is STOPPED and stopping it is no error', async () => {
      const f = await launcher();
      const { taskId } = await f.launcher.launch(spec('shard-003', 0));
      const statuses: TaskStatus[] = await f.launcher.describe([f.unknownTaskId, taskId, f.unknownTaskId]);
      expect(statuses.map((s) => s.taskId)).toEqual([f.unknownTaskId, taskId, f.unknownTaskId]);
      expect(statuses[0]?.state).toBe('STOPPED');
      expect(statuses[2]?.state).toBe('STOPPED');
      expect(['PENDING', 'RUNNING']).toContain(statuses[1]?.state);
      if (options.stopsUnknownTasks !== false) await f.launcher.stop(f.unknownTaskId, 'nothing to stop');
    });
  });
}
