/**
 * A `TaskLauncher` whose tasks live in a map, for the in-process fleet suites: every task is
 * RUNNING until stopped; `stop` records the reason it was given as the task's `stoppedReason` and a
 * second stop keeps the first, as both real launchers do (the stop-author rule reads that reason:
 * `core/fleet/stop-author.ts`); a task it never started is described as unknown and STOPPED.
 * Every stop asked is kept in `stops`, in order, the repeated ones too.
 */
import type { TaskLauncher, TaskSpec, TaskStatus } from '../../core/ports.js';

export class MapLauncher implements TaskLauncher {
  readonly tasks = new Map<string, TaskStatus & { spec: TaskSpec }>();
  /** Every stop asked, in order. */
  readonly stops: { taskId: string; reason: string }[] = [];
  private next = 0;

  async launch(spec: TaskSpec): Promise<{ taskId: string }> {
    const taskId = `task-${this.next++}`;
    this.tasks.set(taskId, { taskId, state: 'RUNNING', spec });
    return { taskId };
  }

  async stop(taskId: string, reason: string): Promise<void> {
    this.stops.push({ taskId, reason });
    const task = this.tasks.get(taskId);
    if (task && task.state !== 'STOPPED') Object.assign(task, { state: 'STOPPED', exitCode: 0, stoppedReason: reason });
  }

  async describe(taskIds: string[]): Promise<TaskStatus[]> {
    return taskIds.map((id) => this.tasks.get(id) ?? { taskId: id, state: 'STOPPED' as const, unknown: true });
  }
}
