import { fleetStopReason } from '../core/fleet/stop-author.js';
import type { ShardKey, TaskLauncher, TaskSpec, TaskStatus } from '../core/ports.js';
import { newActor, type SimActor } from './fault-proxy.js';
import type { SimLoop } from './sim-loop.js';

/** One simulated task: a process running one generation of one shard. */
export interface SimTask {
  taskId: string;
  key: ShardKey;
  generation: number;
  actor: SimActor;
  status: TaskStatus;
  /** The reason of the first stop asked for (carried into `stoppedReason` as a fleet stop reason, `arbfleet: …`, as launchers must). */
  stopReason?: string;
  /** Set by an outside stop (a Spot interruption): ECS's `stopCode`. */
  stopCode?: string;
  /** Resident memory its heartbeats report, bytes (a leak raises it past the recycle threshold). */
  rssBytes: number;
  /** The program's SIGTERM handler, if it set one: called when a stop is asked for (the fleet's or an outside one). */
  onSignal?: (signal: string) => void;
}

/** What the launcher calls to run a task's program once it has started. */
export type TaskProgram = (task: SimTask, spec: TaskSpec) => void;

/** Hears of every task's end, as `ProcessLauncher.onStopped` and ECS task-state events do. */
export type StopListener = (task: SimTask) => void;

/**
 * The task runtime of the simulation (ECS, or the machine's process table): it outlives control
 * plane crashes. `launch` is idempotent per shard and generation (as RunTask with a client token
 * is) unless `idempotent` is false (a launcher that lost track of its tasks: every launch spawns); a task starts 50 to 800 ms after its launch; `stop` asks it to stop (the program sees
 * `stopRequested`), wakes it when frozen (SIGCONT) and kills it `graceMs` later if it is still
 * running; `kill` is a crash (SIGKILL, or the OOM killer).
 */
export class SimLauncher implements TaskLauncher {
  readonly tasks = new Map<string, SimTask>();
  private readonly byGeneration = new Map<string, string>();
  private listeners: StopListener[] = [];
  private next = 0;

  constructor(
    private readonly loop: SimLoop,
    private readonly startupMs: () => number,
    private readonly program: TaskProgram,
    private readonly idempotent = true,
    private readonly graceMs = 5_000,
  ) {}

  async launch(spec: TaskSpec): Promise<{ taskId: string }> {
    const token = `${spec.key.campaignId}/${spec.key.shardId}#${spec.generation}`;
    const existing = this.byGeneration.get(token);
    if (existing !== undefined && this.idempotent) return { taskId: existing };
    const taskId = `task-${this.next++}-${spec.key.shardId}.g${spec.generation}`;
    const task: SimTask = {
      taskId,
      key: { ...spec.key },
      generation: spec.generation,
      actor: newActor(taskId),
      status: { taskId, state: 'PENDING' },
      rssBytes: 50 * 1024 * 1024,
    };
    this.tasks.set(taskId, task);
    this.byGeneration.set(token, taskId);
    this.loop.note('launcher', `launch ${taskId}`);
    this.loop.at(this.loop.now() + this.startupMs(), () => {
      if (task.status.state !== 'PENDING') return;
      task.status = { taskId, state: 'RUNNING' };
      this.program(task, spec);
    });
    return { taskId };
  }

  async stop(taskId: string, reason: string): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task || task.status.state === 'STOPPED') return;
    task.stopReason ??= fleetStopReason(reason);
    task.actor.frozenUntil = 0;
    if (task.status.state === 'PENDING') {
      this.exit(task, { code: null, message: 'stopped before it started' });
      return;
    }
    task.onSignal?.('SIGTERM');
    this.loop.at(this.loop.now() + this.graceMs, () => {
      if (task.status.state !== 'STOPPED') this.exit(task, { code: null, message: 'killed after the stop grace' }, 'SIGKILL');
    });
  }

  async describe(taskIds: string[]): Promise<TaskStatus[]> {
    return taskIds.map((taskId) => {
      const task = this.tasks.get(taskId);
      return task ? { ...task.status } : { taskId, state: 'STOPPED' as const, unknown: true };
    });
  }

  /** Subscribes to every task's end. */
  onStopped(listener: StopListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Running tasks, oldest first. */
  running(): SimTask[] {
    return [...this.tasks.values()].filter((t) => t.status.state === 'RUNNING');
  }

  /**
   * An outside stop, as ECS gives a Spot interruption or an operator a SIGTERM: the task is asked
   * to stop (it checkpoints and exits 0) with a reason and `stopCode` that are not the fleet's.
   */
  preempt(task: SimTask): void {
    if (task.status.state !== 'RUNNING' || task.stopReason !== undefined) return;
    task.stopReason = 'Your Spot Task was interrupted.';
    task.stopCode = 'SpotInterruption';
    task.actor.frozenUntil = 0;
    task.onSignal?.('SIGTERM');
    this.loop.at(this.loop.now() + this.graceMs, () => {
      if (task.status.state !== 'STOPPED') this.exit(task, { code: null, message: 'killed after the stop grace' }, 'SIGKILL');
    });
  }

  /** A crash: SIGKILL (or the OOM killer), no last words, nothing more written. */
  kill(task: SimTask, oom: boolean): void {
    this.exit(task, { code: null, message: oom ? 'OutOfMemoryError: Container killed due to memory usage' : 'killed' }, 'SIGKILL', oom);
  }

  /** The task's process ended: its pending calls are never answered, and listeners hear of it. */
  exit(task: SimTask, exit: { code: number | null; message: string }, signal?: string, oom = false): void {
    if (task.status.state === 'STOPPED') return;
    task.actor.epoch++;
    task.actor.alive = false;
    task.status = {
      taskId: task.taskId,
      state: 'STOPPED',
      exitCode: exit.code,
      signal: signal ?? null,
      stoppedAt: this.loop.now(),
      stoppedReason: task.stopReason ?? (exit.code === null ? exit.message : `Essential container in task exited (${exit.code})`),
      stderrTail: exit.message,
      ...(task.stopCode !== undefined ? { stopCode: task.stopCode } : {}),
      ...(oom ? { oom: true } : {}),
    };
    this.loop.note('launcher', `${task.taskId} stopped: exit ${exit.code ?? signal} (${exit.message})`);
    for (const listener of this.listeners) listener(task);
  }
}
