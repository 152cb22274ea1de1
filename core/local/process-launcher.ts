/**
 * The task launcher of a local fleet: one child process per shard generation, running the engine
 * bundle the container image runs (`node --enable-source-maps engine-task/dist/main.mjs`, built on
 * first use and rebuilt when a source changed: `engine-bundle.ts`), as ECS RunTask runs its
 * container on AWS.
 * SIGTERM stops a task and SIGKILL forces it after the grace period; the exit code, the signal
 * and the tail of stderr are what `describe` reports, and `onStopped` hears of every exit at
 * once (the local twin of the ECS Task State Change event).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { ensureEngineBundle, REPO_ROOT } from './engine-bundle.js';
import { NotFoundError, ValidationError, type FieldIssue } from '../errors.js';
import type { ShardKey, TaskLauncher, TaskSpec, TaskStatus } from '../ports.js';
import { fleetStopReason } from '../fleet/stop-author.js';
import { makeFolder } from './make-folder.js';

/** SIGTERM, then SIGKILL this long after: inside the engine's own 9 s stop deadline. */
export const DEFAULT_STOP_GRACE_MS = 8_000;
export const DEFAULT_STDERR_TAIL_BYTES = 4_096;
/** The `stoppedReason` of a task id this launcher never started and that is not a live task. */
export const UNKNOWN_TASK_REASON = 'task unknown to this launcher (control plane restarted?)';

/**
 * The command of a task when the launcher is given none: this Node on the engine bundle, as the
 * image's ENTRYPOINT runs it, made fresh first (`ensureEngineBundle`). With
 * `ARBFLEET_ENGINE_TSX=1` in `env` (the control plane's environment), the engine's TypeScript
 * sources through tsx instead, as before the bundle: for development, and for
 * `npm run bench -- --backtest`'s side-by-side row (about 1 s more CPU per engine start).
 * @throws EngineBuildError when the bundle is stale and cannot be built.
 */
export async function defaultEngineCommand(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (env.ARBFLEET_ENGINE_TSX === '1') return [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'engine-task', 'src', 'main.ts')];
  return [process.execPath, '--enable-source-maps', (await ensureEngineBundle()).main];
}

/**
 * Node's on-disk compile cache for the engine bundle's tasks (`NODE_COMPILE_CACHE`, Node ≥ 22.1:
 * V8's code for the 3 MB bundle kept across launches, so a boot does not compile it again), in
 * Node's own default folder; nothing when the control plane's environment sets the variable or
 * `NODE_DISABLE_COMPILE_CACHE`, which then reach the task as they are.
 */
export function compileCacheEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return {};
  return { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') };
}

/** After a process exits, how long to wait for its stderr to close before reporting the exit anyway. */
const STDIO_DRAIN_MS = 250;
/** How often the death of a task adopted by pid (no child handle) is checked. */
const ADOPTED_POLL_MS = 100;
/** How long after its SIGKILL an adopted task is still watched; past that it is left as it is. */
const ADOPTED_GIVE_UP_MS = 5_000;

export interface ProcessLauncherOptions {
  clock: Clock;
  /**
   * The program and its arguments. Default (`defaultEngineCommand`): this Node on the engine
   * bundle, as the image's ENTRYPOINT runs it (`--enable-source-maps engine-task/dist/main.mjs`),
   * the bundle made fresh before every launch (`ensureEngineBundle`: a build when a source
   * changed, else a look at the files' sizes and times).
   */
  command?: string[];
  /** Working directory of every task (default: the repository root). */
  cwd?: string;
  /**
   * Environment added to every task, over this process's own environment; the spec's `env` and
   * the `ARBFLEET_*` shard variables go over it.
   */
  env?: Record<string, string>;
  /** How long after SIGTERM a task still alive gets SIGKILL (default 8000 ms). */
  stopGraceMs?: number;
  /** How much of the end of stderr a stopped task's status carries (default 4096 bytes). */
  stderrTailBytes?: number;
  /**
   * When set, each task's stdout and stderr are appended to `<logDir>/<shardId>.g<generation>.log`;
   * a function gives the folder per campaign (a control plane serving several campaigns at once,
   * whose shards share ids).
   */
  logDir?: string | ((key: ShardKey) => string);
  /**
   * Asked, for a task that died of a SIGKILL this launcher did not send, whether the OOM killer
   * sent it. Locally an outside `kill -9` and the kernel's OOM killer look the same, so without a
   * detector `oom` is always false and the watchdog falls back on the stderr tail (V8's "heap out
   * of memory") to tell an OOM from a crash. A detector may read the kernel log or a cgroup's
   * `memory.events`; it is called once, right after the exit, with the dead task's pid.
   */
  oomKillDetector?: (pid: number) => boolean;
}

/** A task's status at its exit, with the shard and generation it ran. */
export type StoppedTask = TaskStatus & { key: ShardKey; generation: number };

/** The signals the fault helpers send: a kill, a freeze and a thaw. */
export type FaultSignal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT';

/** One task: a child this launcher spawned, or a live pid it was asked to stop (adopted). */
interface TaskRecord {
  taskId: string;
  pid: number;
  /** Undefined for an adopted task: its shard is not known here. */
  key: ShardKey | undefined;
  generation: number;
  child: ChildProcess | undefined;
  state: 'RUNNING' | 'STOPPED';
  startedAt: number | undefined;
  exitCode: number | null | undefined;
  signal: string | null | undefined;
  stoppedReason: string | undefined;
  stoppedAt: number | undefined;
  oom: boolean;
  stderr: Buffer;
  /** A stop was asked: SIGTERM was sent and SIGKILL is scheduled. */
  stopping: boolean;
  /** SIGKILL came from the launcher's stop (grace expired), so it is not an outside kill. */
  forcedByLauncher: boolean;
  timers: NodeJS.Timeout[];
  thawTimer: NodeJS.Timeout | undefined;
  log: WriteStream | undefined;
  exited: Promise<void>;
  markExited: () => void;
}

/**
 * The local adapter of the task-launcher port. Task ids are pids (as strings), so a control plane
 * restarted with `--resume` can still stop and describe the tasks of its previous run: a task id
 * this launcher never started is treated as a live task when its pid is alive and, on Linux, its
 * environment carries `ARBFLEET_SHARD_ID` (a reused pid of some other program is never signalled).
 */
export class ProcessLauncher implements TaskLauncher {
  private readonly clock: Clock;
  /** Undefined: the engine bundle, made fresh at each launch. */
  private readonly command: string[] | undefined;
  private readonly cwd: string;
  private readonly baseEnv: Record<string, string>;
  private readonly stopGraceMs: number;
  private readonly stderrTailBytes: number;
  private readonly logDir: ((key: ShardKey) => string) | undefined;
  private readonly oomKillDetector: ((pid: number) => boolean) | undefined;
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly listeners = new Set<(status: StoppedTask) => void>();

  constructor(options: ProcessLauncherOptions) {
    this.clock = options.clock;
    this.command = options.command;
    this.cwd = options.cwd ?? REPO_ROOT;
    this.baseEnv = options.env ?? {};
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.stderrTailBytes = options.stderrTailBytes ?? DEFAULT_STDERR_TAIL_BYTES;
    const logDir = options.logDir;
    this.logDir = typeof logDir === 'string' ? () => logDir : logDir;
    this.oomKillDetector = options.oomKillDetector;
    checkOptions(this.command ?? [process.execPath], this.stopGraceMs, this.stderrTailBytes);
  }

  /**
   * Starts one generation of one shard as a child process and resolves once it runs. A launch
   * retried for the same (campaign, shard, generation) while its task still runs gets that task
   * back, as ECS RunTask's client token does: a launch message delivered twice never starts two
   * tasks of one generation (fencing cannot tell those apart).
   * @throws EngineBuildError when the engine bundle is stale and cannot be built (the build's own words).
   * @throws Error naming the shard and the command when the process cannot be started.
   */
  async launch(spec: TaskSpec): Promise<{ taskId: string }> {
    // First, so that a launch delivered twice during a build finds the first one's task below.
    const command = this.command ?? (await defaultEngineCommand());
    const running = [...this.tasks.values()].find(
      (t) => t.state !== 'STOPPED' && t.generation === spec.generation && t.key?.campaignId === spec.key.campaignId && t.key.shardId === spec.key.shardId,
    );
    if (running !== undefined) return { taskId: running.taskId };
    const env = {
      ...process.env,
      ...(this.command === undefined ? compileCacheEnvironment() : {}),
      ...this.baseEnv,
      ...spec.env,
      ARBFLEET_CAMPAIGN_ID: spec.key.campaignId,
      ARBFLEET_SHARD_ID: spec.key.shardId,
      ARBFLEET_GENERATION: String(spec.generation),
      ARBFLEET_SYMBOLS: spec.symbols.join(','),
    };
    const logDir = this.logDir?.(spec.key);
    const logPath = logDir === undefined ? undefined : join(logDir, `${spec.key.shardId}.g${spec.generation}.log`);
    if (logDir !== undefined) makeFolder(logDir);
    // stdout goes straight to the log file (the child keeps writing it without us); stderr is
    // piped so its tail can be kept, and copied to the same file.
    const stdoutFd = logPath === undefined ? undefined : openSync(logPath, 'a');
    const [file, ...args] = command as [string, ...string[]];
    let child: ChildProcess;
    try {
      // A process group of its own: a Ctrl-C at the terminal reaches the control plane, which stops
      // the engines gracefully, instead of every engine at once (twice, if pressed twice).
      child = spawn(file, args, { cwd: this.cwd, env, detached: true, stdio: ['ignore', stdoutFd ?? 'ignore', 'pipe'] });
    } finally {
      if (stdoutFd !== undefined) closeSync(stdoutFd);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(
        `could not start the task of shard ${spec.key.campaignId}/${spec.key.shardId} generation ${spec.generation}: ${command.join(' ')} (cwd ${this.cwd}): ${error.message}`,
      );
    }
    const record = newRecord(String(pid), pid, spec.key, spec.generation, child, this.clock.now());
    if (logPath !== undefined) {
      record.log = createWriteStream(logPath, { flags: 'a' });
      record.log.on('error', () => undefined); // a full disk must not take the control plane down
    }
    this.watch(record, child);
    this.tasks.set(record.taskId, record);
    return { taskId: record.taskId };
  }

  /**
   * Sends SIGTERM (and SIGCONT, so that a frozen task can act on it), then SIGKILL after the grace
   * period if the task is still alive. The first reason given is the one reported, as a fleet stop
   * reason (`fleetStopReason`: `arbfleet: ` added when the caller did not): a task's
   * `stoppedReason` is set by this method alone, so a task that stopped without one was not
   * stopped by the fleet (`core/fleet/stop-author.ts`: a SIGTERM from anyone else is a stop from
   * outside, whether the engine caught it and exited 0, or died of it). Stopping a
   * stopped task, or an id that is neither a task of this launcher nor a live task, does nothing.
   * Resolves once the signal is sent, not when the task has exited (see `stopAll`).
   */
  async stop(taskId: string, reason: string): Promise<void> {
    const record = this.tasks.get(taskId) ?? this.adopt(taskId);
    if (record !== undefined) this.requestStop(record, reason, this.stopGraceMs);
  }

  /** Each task's status, in the order asked. */
  async describe(taskIds: string[]): Promise<TaskStatus[]> {
    return taskIds.map((taskId) => {
      const record = this.tasks.get(taskId);
      if (record !== undefined) return statusOf(record, this.stderrTailBytes);
      const pid = pidFromTaskId(taskId);
      if (pid !== undefined && isLiveTask(pid)) return { taskId, state: 'RUNNING' };
      return { taskId, state: 'STOPPED', unknown: true, stoppedReason: UNKNOWN_TASK_REASON };
    });
  }

  /**
   * Calls `listener` once for every exit of a task this launcher spawned (tasks adopted by pid
   * have no shard to report and are not announced). Returns the unsubscribe function.
   */
  onStopped(listener: (status: StoppedTask) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Fault injection: sends `signal` to a running task. A SIGKILL sent here counts as an outside
   * kill (it stands for the OOM killer or `kill -9`); SIGCONT also cancels a pending thaw.
   * Returns false when the task has already stopped.
   * @throws NotFoundError when this launcher never started `taskId`.
   */
  signal(taskId: string, signal: FaultSignal): boolean {
    const record = this.launched(taskId);
    if (record.state === 'STOPPED') return false;
    if (signal === 'SIGCONT') this.cancelThaw(record);
    return send(record, signal);
  }

  /**
   * Fault injection: freezes a running task (SIGSTOP) and thaws it (SIGCONT) after `ms`, as a
   * long GC pause, a stuck event loop or a suspended VM would. The thaw timer does not keep this
   * process alive. Returns false when the task has already stopped.
   * @throws NotFoundError when this launcher never started `taskId`.
   */
  freeze(taskId: string, ms: number): boolean {
    const record = this.launched(taskId);
    if (record.state === 'STOPPED') return false;
    this.cancelThaw(record);
    if (!send(record, 'SIGSTOP')) return false;
    record.thawTimer = setTimeout(() => {
      record.thawTimer = undefined;
      if (record.state === 'RUNNING') send(record, 'SIGCONT');
    }, ms);
    record.thawTimer.unref();
    return true;
  }

  /** The pid of a task this launcher knows, or undefined. */
  pidOf(taskId: string): number | undefined {
    return this.tasks.get(taskId)?.pid;
  }

  /**
   * Stops every running task (SIGTERM, SIGKILL after `graceMs`, by default the launcher's grace)
   * and resolves when all have exited: what a local control plane does on Ctrl-C.
   */
  async stopAll(reason: string, graceMs = this.stopGraceMs): Promise<void> {
    const running = [...this.tasks.values()].filter((r) => r.state === 'RUNNING');
    for (const record of running) this.requestStop(record, reason, graceMs);
    await Promise.all(running.map((r) => r.exited));
  }

  private requestStop(record: TaskRecord, reason: string, graceMs: number): void {
    if (record.state === 'STOPPED') return;
    record.stoppedReason ??= fleetStopReason(reason);
    // A second stop keeps the first's SIGTERM but may bring the SIGKILL forward (stopAll's grace).
    if (!record.stopping) {
      record.stopping = true;
      this.cancelThaw(record);
      send(record, 'SIGTERM');
      send(record, 'SIGCONT');
    }
    record.timers.push(
      setTimeout(() => {
        if (record.state === 'STOPPED') return;
        record.forcedByLauncher = true;
        send(record, 'SIGKILL');
        if (record.child === undefined) this.giveUpOnAdopted(record);
      }, graceMs),
    );
  }

  /** Follows a spawned child to its exit: stderr tail, log copy, exit code and signal. */
  private watch(record: TaskRecord, child: ChildProcess): void {
    child.stderr?.on('data', (chunk: Buffer) => {
      record.stderr = appendTail(record.stderr, chunk, this.stderrTailBytes);
      record.log?.write(chunk);
    });
    child.on('error', () => undefined); // a failed kill(); the exit is what counts
    let drain: NodeJS.Timeout | undefined;
    child.once('exit', (code, signal) => {
      record.exitCode = code;
      record.signal = signal;
      record.stoppedAt = this.clock.now();
      // A grandchild holding stderr open must not hide the exit: report it after a short wait.
      drain = setTimeout(() => this.finish(record), STDIO_DRAIN_MS);
      drain.unref();
    });
    child.once('close', () => {
      if (drain !== undefined) clearTimeout(drain);
      this.finish(record);
    });
  }

  /** Marks a task STOPPED (once), judges OOM, and tells the listeners. */
  private finish(record: TaskRecord): void {
    if (record.state === 'STOPPED') return;
    record.state = 'STOPPED';
    record.stoppedAt ??= this.clock.now();
    for (const timer of record.timers) clearTimeout(timer);
    record.timers = [];
    this.cancelThaw(record);
    record.log?.end();
    record.oom = record.signal === 'SIGKILL' && !record.forcedByLauncher && this.askOomKillDetector(record.pid);
    record.markExited();
    if (record.key === undefined) return;
    const status: StoppedTask = { ...statusOf(record, this.stderrTailBytes), key: { ...record.key }, generation: record.generation };
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch (error) {
        process.emitWarning(`ProcessLauncher: an onStopped listener failed for task ${record.taskId}: ${(error as Error).message ?? error}`);
      }
    }
  }

  private askOomKillDetector(pid: number): boolean {
    if (this.oomKillDetector === undefined) return false;
    try {
      return this.oomKillDetector(pid) === true;
    } catch {
      return false;
    }
  }

  /**
   * A task id this launcher never started but that is a live arbfleet task (a previous control
   * plane's): recorded so that its stop can be forced and its end reported with the stop's reason.
   */
  private adopt(taskId: string): TaskRecord | undefined {
    const pid = pidFromTaskId(taskId);
    if (pid === undefined || !isLiveTask(pid)) return undefined;
    const record = newRecord(taskId, pid, undefined, 0, undefined, undefined);
    const poll = setInterval(() => {
      if (!isAlive(pid)) this.finish(record);
    }, ADOPTED_POLL_MS);
    record.timers.push(poll);
    this.tasks.set(taskId, record);
    return record;
  }

  /** After its SIGKILL, an adopted task that still will not die (not ours to reap) stops being watched. */
  private giveUpOnAdopted(record: TaskRecord): void {
    const timer = setTimeout(() => {
      for (const t of record.timers) t.unref();
    }, ADOPTED_GIVE_UP_MS);
    timer.unref();
    record.timers.push(timer);
  }

  private cancelThaw(record: TaskRecord): void {
    if (record.thawTimer !== undefined) clearTimeout(record.thawTimer);
    record.thawTimer = undefined;
  }

  private launched(taskId: string): TaskRecord {
    const record = this.tasks.get(taskId);
    if (record === undefined || record.child === undefined) throw new NotFoundError(`task ${taskId} was not launched by this launcher`);
    return record;
  }
}

function newRecord(
  taskId: string,
  pid: number,
  key: ShardKey | undefined,
  generation: number,
  child: ChildProcess | undefined,
  startedAt: number | undefined,
): TaskRecord {
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  return {
    taskId,
    pid,
    key: key === undefined ? undefined : { ...key },
    generation,
    child,
    state: 'RUNNING',
    startedAt,
    exitCode: undefined,
    signal: undefined,
    stoppedReason: undefined,
    stoppedAt: undefined,
    oom: false,
    stderr: Buffer.alloc(0),
    stopping: false,
    forcedByLauncher: false,
    timers: [],
    thawTimer: undefined,
    log: undefined,
    exited,
    markExited,
  };
}

function statusOf(record: TaskRecord, tailBytes: number): TaskStatus {
  if (record.state === 'RUNNING') {
    // Its exit seen and its output still draining, or dead and not yet reaped (this process's loop
    // was held, by a synchronous store wait for one, and has not yet handled the child's exit).
    const exiting = record.child !== undefined && (record.exitCode !== undefined || !isAlive(record.pid));
    return exiting ? { taskId: record.taskId, state: 'RUNNING', exiting: true } : { taskId: record.taskId, state: 'RUNNING' };
  }
  const status: TaskStatus = { taskId: record.taskId, state: 'STOPPED', oom: record.oom };
  if (record.exitCode !== undefined) status.exitCode = record.exitCode;
  if (record.signal !== undefined) status.signal = record.signal;
  if (record.stoppedReason !== undefined) status.stoppedReason = record.stoppedReason;
  if (record.stoppedAt !== undefined) status.stoppedAt = record.stoppedAt;
  if (record.child !== undefined) status.stderrTail = decodeTail(record.stderr, tailBytes);
  return status;
}

/**
 * Sends `signal` to the task; false when it is gone. A SIGKILL takes the task's descendants with it
 * (`descendantsOf`, read before the kill: once the task is dead they are re-parented and cannot be
 * told from anyone's): a task may have started processes of its own, in groups of their own (the
 * agent's engine, `engine-task/src/agent/`), and a killed container takes everything it ran with
 * it, so a killed local task must too, or an engine starved of its agent trades on unsupervised.
 */
function send(record: TaskRecord, signal: NodeJS.Signals): boolean {
  const family = signal === 'SIGKILL' ? descendantsOf(record.pid) : [];
  const sent = deliver(record, signal);
  for (const pid of family) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return sent;
}

function deliver(record: TaskRecord, signal: NodeJS.Signals): boolean {
  if (record.child !== undefined) return record.child.kill(signal);
  try {
    process.kill(record.pid, signal);
    return true;
  } catch {
    return false;
  }
}

function appendTail(tail: Buffer, chunk: Buffer, max: number): Buffer {
  const joined = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
  return joined.length > max ? Buffer.from(joined.subarray(joined.length - max)) : joined;
}

/** The tail as text; a character cut in half at the start is dropped. */
function decodeTail(tail: Buffer, max: number): string {
  return tail
    .subarray(Math.max(0, tail.length - max))
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
}

function pidFromTaskId(taskId: string): number | undefined {
  if (!/^\d+$/.test(taskId)) return undefined;
  const pid = Number(taskId);
  return Number.isSafeInteger(pid) && pid > 1 && pid !== process.pid ? pid : undefined;
}

/** Alive and ours to signal (a zombie, waiting to be reaped, is not alive). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = procFile(pid, 'stat');
  return stat === undefined || stateOf(stat) !== 'Z';
}

/**
 * A live process that is an arbfleet task. On Linux its environment must name a shard, so that a
 * pid reused by another program since the previous control plane ran is never signalled; where
 * `/proc` does not exist a live pid is taken on trust.
 */
function isLiveTask(pid: number): boolean {
  if (!isAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  const environ = procFile(pid, 'environ');
  return environ?.split('\0').some((v) => v.startsWith('ARBFLEET_SHARD_ID=')) === true;
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * The live descendants of `pid` (children, their children, …), from the parent pids in
 * `/proc/<pid>/stat`; empty where `/proc` does not exist.
 */
export function descendantsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procFile(Number(entry), 'stat');
    if (stat === undefined) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The state letter of a `/proc/<pid>/stat` line (after the command name, which may hold spaces). */
function stateOf(stat: string): string | undefined {
  return stat.slice(stat.lastIndexOf(')') + 2)[0];
}

function checkOptions(command: string[], stopGraceMs: number, stderrTailBytes: number): void {
  const issues: FieldIssue[] = [];
  if (command.length === 0 || command[0] === '') issues.push({ path: 'command', message: 'expected a program and its arguments, found an empty list' });
  if (!Number.isFinite(stopGraceMs) || stopGraceMs < 0) issues.push({ path: 'stopGraceMs', message: `expected milliseconds ≥ 0, found ${stopGraceMs}` });
  if (!Number.isInteger(stderrTailBytes) || stderrTailBytes < 0)
    issues.push({ path: 'stderrTailBytes', message: `expected a whole number of bytes ≥ 0, found ${stderrTailBytes}` });
  if (issues.length > 0) throw new ValidationError(issues, 'ProcessLauncher options');
}
