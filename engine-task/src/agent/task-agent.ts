import { type ChildProcess, spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Clock, systemClock } from '../../../core/clock.js';
import type { Campaign } from '../../../core/config/resolve-campaign.js';
import { ENGINE_EXIT } from '../../../core/exit-codes.js';
import { FencedOutError, isRetryable } from '../../../core/errors.js';
import { describeStoreTrouble, noteStoreTrouble, type StoreTrouble } from '../../../core/fleet/store-trouble.js';
import { shardTimeouts } from '../../../core/fleet/timeouts.js';
import type { Logger } from '../../../core/log.js';
import type { Fill } from '../../../core/model/fill.js';
import type { EngineStop, Progress } from '../../../core/model/progress.js';
import { epochMs, ZERO_MICROS } from '../../../core/model/units.js';
import {
  type AgentMessage,
  type CommitMessage,
  type DoneMessage,
  type EngineMessage,
  type HelloMessage,
  MAX_LINE_BYTES,
  type ProgressMessage,
  TASK_PROTOCOL_VERSION,
} from '../../../core/model/task-protocol.js';
import type { ShardPersistence } from '../../../core/ports.js';
import { type CommitCursor, commitProblem } from './commit-check.js';
import { readEngineLine } from './engine-line.js';
import { GroupMemory } from './group-memory.js';
import { EngineStdout } from './engine-stdout.js';
import { LineSplitter } from './line-splitter.js';
import { LogBudget } from './log-budget.js';
import { ClosedTradeCounter } from './closed-trades.js';
import { heartbeatVenues, noteVenueTimes, noVenueTimes, progressProblem, type VenueTimes } from './progress-check.js';
import { engineCheckpointOf, type LedgerCounts, restoredCounts, storedCheckpoint } from './stored-checkpoint.js';

/**
 * What the engine has `stop.withinMs` to end in: 6 s, inside the local launcher's 8 s between its
 * SIGTERM and its SIGKILL of the agent (`DEFAULT_STOP_GRACE_MS`), so that the agent itself kills the
 * engine's group at the deadline and writes its last heartbeat before it could be killed (ECS waits 30 s).
 */
export const STOP_WITHIN_MS = 6_000;
/** How long an engine answered `rejected` or `fenced` has to read the answer before its group is killed. */
export const REFUSAL_GRACE_MS = 500;
/** Engine logs copied to the task log per second at most (`docs/task-protocol.md`, Limits). */
export const LOG_BYTES_PER_SEC = 1024 * 1024;

/**
 * How an agent's run ended, and its exit code (`ENGINE_EXIT`): `completed` (the engine's `done`
 * then exit 0, every commit answered) and `stopped` (the same after a `stop`) exit 0; `bad-input`
 * (the engine exited 2) exits 2; `fenced`/`self-fenced` 3; `store-unavailable` 4; everything else
 * (`crashed`, `violation`, `commit-failed`, `killed-at-deadline`, `out-of-memory`) 1.
 */
/** Signals that stop a process when someone asks it to (SIGKILL stays a kill, booked as a crash; an OOM kill is SIGKILL). */
const OUTSIDE_STOP_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT', 'SIGHUP']);

export type AgentEnd =
  | 'completed'
  | 'stopped'
  | 'bad-input'
  | 'crashed'
  | 'violation'
  | 'commit-failed'
  | 'killed-at-deadline'
  | 'out-of-memory'
  | 'fenced'
  | 'self-fenced'
  | 'store-unavailable';

export interface AgentOutcome {
  end: AgentEnd;
  exitCode: number;
  reason: string;
  /** Who the engine said it was (`hello`). */
  engine?: HelloMessage['engine'];
  /** Commits the store accepted in this generation, and the fills they held. */
  commits: number;
  fillsCommitted: number;
  /** Engine log bytes dropped over the log budget. */
  logBytesDropped: number;
}

export interface TaskAgentOptions {
  /** The engine's program and arguments (`engine.command`). */
  command: readonly string[];
  cwd?: string;
  /** Added to the engine's environment (`engine.env`), after the store and credential variables are taken out. */
  env?: Record<string, string>;
  persistence: ShardPersistence;
  campaign: Campaign;
  shardIndex: number;
  symbols: readonly string[];
  mode: 'real' | 'virtual';
  startAt?: number;
  endsAt?: number;
  log: Logger;
  clock?: Clock;
  /** Monotonic ms for the timers (default `performance.now()`). */
  monotonic?: () => number;
  stopWithinMs?: number;
  /** How long the engine has to say `hello` (default: the campaign's `watchdog.launchTimeout`). */
  helloTimeoutMs?: number;
  heartbeatIntervalSec?: number;
  /** Where the engine's log lines go (default: this process's stdout, the task log). */
  writeLog?: (text: string) => void;
  /** Where the engine's stderr lines go (default: this process's stderr, whose tail the launcher keeps). */
  writeErr?: (text: string) => void;
  /** A file refreshed at every heartbeat for the container's HEALTHCHECK (`engine-task/src/healthcheck.ts`): unhealthy when the engine's counter stands still. */
  healthFile?: string;
  /** The engine's resident memory (default: its process group's, from `/proc`: `GroupMemory`). */
  memory?: (pgid: number) => number;
  logBytesPerSec?: number;
}

/**
 * The environment an engine gets: this process's, without anything that reaches the store or
 * cloud credentials (`ARBFLEET_*`, `AWS_*`, ECS's metadata and credential endpoints), so user code
 * cannot write the ledger or a heartbeat (of its shard or any other), plus the campaign's `engine.env`.
 */
export function engineEnvironment(base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || /^(ARBFLEET_|AWS_|ECS_CONTAINER_METADATA)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * The supervising side of the task protocol (`docs/task-protocol.md`): starts an engine command as
 * its child, in a process group of its own, and keeps every guarantee the built-in engine's runner
 * keeps, for code it did not write. It alone holds the store: it writes fenced heartbeats from the
 * engine's latest `progress` (the engine's `counter` is the heartbeat's `turns`, so a counter that
 * stands still is a stall to the watchdog's existing rule), checks every `commit` and writes it
 * through the same fenced, exactly-once `ShardPersistence.commit` the built-in engine uses, and
 * answers it. It kills the engine's group when fenced, when it cannot heartbeat for the self-fence
 * (`core/fleet/timeouts.ts`), on a protocol violation, when its memory passes the task's, and at
 * `stop`'s deadline. Nothing here runs per market update: the engine's loop is its own.
 */
export class TaskAgent {
  private readonly o: TaskAgentOptions;
  private readonly clock: Clock;
  private readonly mono: () => number;
  private readonly generation: number;
  private readonly symbolSet: ReadonlySet<string>;
  private readonly heartbeatMs: number;
  private readonly selfFenceMs: number;
  private readonly commitBoundMs: number;
  private readonly storeRetryMs: number;
  private readonly memoryLimitBytes: number;
  private child: ChildProcess | undefined;
  /** The engine's stdout (`engine-stdout.ts`); undefined when it is read through Node's pipe instead. */
  private stdout: EngineStdout | undefined;
  private pgid = 0;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private childGone = false;
  private hello: HelloMessage | undefined;
  private assigned = false;
  /** The answer to `hello`, made before the engine starts. */
  private assignment: AgentMessage | undefined;
  private done: DoneMessage | undefined;
  private latest: ProgressMessage | undefined;
  /** Each venue's latest `lastUpdateAt` taken in this generation (`progress-check.ts`: it never goes back). */
  private readonly venueTimes: VenueTimes = noVenueTimes();
  private progressStartedAt = 0;
  private cursor: CommitCursor = { nextCommitSeq: 0, nextFillSeq: 0 };
  /** What the ledger will hold once every validated commit is written, and what it holds (the heartbeat's). */
  private validatedCounts: LedgerCounts = { fillsA: 0, fillsB: 0, tradesClosed: 0 };
  private committedCounts: LedgerCounts = { fillsA: 0, fillsB: 0, tradesClosed: 0 };
  /** Closed trades as the validated commits leave them (`validatedCounts.tradesClosed` is its count). */
  private closedTrades = new ClosedTradeCounter();
  private committedSeq = -1;
  private commits = 0;
  private fillsCommitted = 0;
  private commitChain: Promise<void> = Promise.resolve();
  private failure: { end: AgentEnd; reason: string } | undefined;
  private stopCause: string | undefined;
  private stopDeadlineHit = false;
  private lastHeartbeatOk = 0;
  private heartbeatInFlight = false;
  private storeTrouble: StoreTrouble | undefined;
  private rssBytes = 0;
  private readonly groupMemory = new GroupMemory();
  /** The counter the health file last saw move, and when (wall ms). */
  private healthCounter = -1;
  private healthMovedAt = 0;
  private lastErrLine = '';
  private timers: NodeJS.Timeout[] = [];
  private readonly logBudget: LogBudget;
  private logBytesDropped = 0;

  constructor(options: TaskAgentOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.mono = options.monotonic ?? (() => performance.now());
    this.generation = options.persistence.generation;
    this.symbolSet = new Set(options.symbols);
    const { watchdog, task } = options.campaign.config;
    this.heartbeatMs = (options.heartbeatIntervalSec ?? watchdog.heartbeatInterval) * 1000;
    const timeouts = shardTimeouts(watchdog);
    this.selfFenceMs = timeouts.selfFenceSec * 1000;
    this.commitBoundMs = timeouts.commitBoundSec * 1000;
    this.storeRetryMs = timeouts.storeRetrySec * 1000;
    this.memoryLimitBytes = task.memoryMiB * 1024 * 1024;
    this.logBudget = new LogBudget(options.logBytesPerSec ?? LOG_BYTES_PER_SEC, this.mono());
  }

  /**
   * Asks the engine to stop gracefully (`stop`, with `stopWithinMs`), then kills its process group
   * at the deadline. The first cause given is the one the engine and the final heartbeat see;
   * repeats change nothing.
   */
  stop(cause: string): void {
    if (this.stopCause !== undefined || this.childGone) return;
    this.stopCause = cause;
    const withinMs = this.o.stopWithinMs ?? STOP_WITHIN_MS;
    this.o.log.log('info', 'engine asked to stop', { cause, withinMs });
    if (this.assigned) this.send({ type: 'stop', withinMs, cause });
    else this.killGroup();
    this.timers.push(
      setTimeout(() => {
        if (this.childGone) return;
        this.stopDeadlineHit = true;
        this.o.log.log('error', 'engine ignored stop: killed at the deadline', { cause, withinMs });
        this.killGroup();
      }, withinMs),
    );
  }

  /** Restores, starts the engine, supervises it to its end, and says how the run ended. */
  async run(): Promise<AgentOutcome> {
    const restore = await this.o.persistence.restore();
    const lastSeq = restore.ledgerTail.at(-1)?.seq ?? restore.checkpoint?.lastFillSeq ?? -1;
    this.committedSeq = lastSeq;
    this.cursor = { nextCommitSeq: 0, nextFillSeq: lastSeq + 1 };
    const restored = restoredCounts(restore.checkpoint, restore.ledgerTail);
    this.committedCounts = restored.counts;
    this.validatedCounts = { ...restored.counts };
    this.closedTrades = restored.closed;
    this.lastHeartbeatOk = this.mono();
    this.progressStartedAt = this.clock.now();
    try {
      await this.o.persistence.heartbeat(this.progress());
    } catch (error) {
      if (error instanceof FencedOutError) return this.outcome({ end: 'fenced', reason: error.message });
      this.noteHeartbeatTrouble(error);
    }
    const engineCheckpoint = engineCheckpointOf(restore.checkpoint);
    this.assignment = {
      type: 'assignment',
      protocol: TASK_PROTOCOL_VERSION,
      campaignId: this.o.persistence.key.campaignId,
      shardId: this.o.persistence.key.shardId,
      shardIndex: this.o.shardIndex,
      generation: this.generation,
      symbols: [...this.o.symbols],
      config: this.o.campaign.config as unknown as Record<string, unknown>,
      clock: this.o.mode,
      ...(this.o.startAt !== undefined ? { startedAt: this.o.startAt } : {}),
      ...(this.o.endsAt !== undefined ? { endsAt: this.o.endsAt } : {}),
      restore: { checkpoint: engineCheckpoint, ledgerTail: restore.ledgerTail, nextFillSeq: lastSeq + 1 },
    };
    await this.start();
    const exit = await (this.exited as Promise<{ code: number | null; signal: NodeJS.Signals | null }>);
    this.stdout?.close();
    await this.commitChain;
    for (const timer of this.timers) clearTimeout(timer);
    this.killGroup(); // grandchildren the engine left behind die with it
    this.noteDroppedLogs();
    const verdict = this.failure ?? this.verdictOf(exit);
    if (verdict.end === 'completed' || verdict.end === 'stopped') await this.finalHeartbeat(this.engineStop(verdict.end));
    else if (verdict.end !== 'fenced' && verdict.end !== 'self-fenced') await this.lastHeartbeat();
    return this.outcome(verdict);
  }

  /** Spawns the engine and wires its streams and the timers. */
  private async start(): Promise<void> {
    const out = new LineSplitter(
      MAX_LINE_BYTES,
      (line, lineNo) => this.onStdoutLine(line, lineNo),
      (lineNo, bytes) => this.violation(`stdout line ${lineNo}: ${bytes} bytes or more, over the limit of ${MAX_LINE_BYTES} (MAX_LINE_BYTES)`),
    );
    let stdoutEnded = false;
    let settle: () => void = () => undefined;
    const onStdoutEnd = () => {
      if (stdoutEnded) return;
      out.end();
      stdoutEnded = true;
      settle();
    };
    try {
      this.stdout = await EngineStdout.open((bytes) => out.push(bytes), onStdoutEnd);
    } catch (error) {
      this.o.log.log('warn', "engine stdout read through Node's pipe: its socket could not be made", { error: String(error) });
    }
    const [file, ...args] = this.o.command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: this.o.cwd,
      env: engineEnvironment(process.env, this.o.env),
      detached: true,
      stdio: ['pipe', this.stdout?.engineEnd ?? 'pipe', 'pipe'],
    });
    this.stdout?.spawned();
    this.child = child;
    this.pgid = child.pid ?? 0;
    if (!this.stdout) {
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      child.stdout?.once('close', onStdoutEnd);
    }
    this.exited = new Promise((resolve) => {
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      settle = () => {
        if (exit !== undefined && stdoutEnded) resolve(exit);
      };
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        this.childGone = true;
        settle();
      });
      child.once('error', (error) => {
        this.fail('crashed', `engine could not be started: ${this.o.command.join(' ')}: ${error.message}`);
        exit = { code: null, signal: null };
        this.childGone = true;
        this.stdout?.close();
        stdoutEnded = true;
        settle();
      });
    });
    child.stdin?.on('error', () => undefined); // a child that closed its stdin: what it misses, its exit says
    const err = new LineSplitter(
      MAX_LINE_BYTES,
      (line) => this.copyLog(line, true),
      (lineNo, bytes) => this.copyLog(`[stderr line ${lineNo}: ${bytes} bytes, over the limit: not copied]`, true),
    );
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.stderr?.on('end', () => err.end());
    const helloMs = this.o.helloTimeoutMs ?? this.o.campaign.config.watchdog.launchTimeout * 1000;
    this.timers.push(
      setTimeout(() => {
        if (this.hello === undefined) this.fail('crashed', `engine wrote no hello within ${helloMs / 1000}s (watchdog.launchTimeout)`);
      }, helloMs),
    );
    // Looked at four times a heartbeat (at most every 250 ms): a failed heartbeat is tried again that soon.
    const beat = setInterval(() => void this.onHeartbeatTimer(), Math.min(this.heartbeatMs / 4, 250));
    this.timers.push(beat);
    if (this.o.mode === 'real' && this.o.endsAt !== undefined) {
      const untilEnd = this.o.endsAt - this.clock.now();
      // The engine ends itself at `endsAt` (it has it in its assignment); this is the agent's backstop.
      if (untilEnd < 2 ** 31 - 1) this.timers.push(setTimeout(() => this.stop('deadline'), Math.max(0, untilEnd + this.heartbeatMs)));
    }
  }

  private onStdoutLine(line: string, lineNo: number): void {
    const read = readEngineLine(line);
    if (read.kind === 'log') {
      this.copyLog(line, false);
      return;
    }
    if (read.kind === 'violation') {
      if (read.commitSeq !== undefined) this.refuse(read.commitSeq, 'rejected', read.problem);
      this.violation(`stdout line ${lineNo}: ${read.problem}`);
      return;
    }
    this.onMessage(read.message, lineNo);
  }

  private onMessage(message: EngineMessage, lineNo: number): void {
    if (this.failure !== undefined) return;
    if (this.done !== undefined) {
      this.violation(`stdout line ${lineNo}: ${message.type} message after done: expected nothing more`);
      return;
    }
    if (message.type === 'hello') {
      this.onHello(message, lineNo);
      return;
    }
    if (this.hello === undefined) {
      this.violation(`stdout line ${lineNo}: ${message.type} message before hello: expected hello first`);
      return;
    }
    if (message.type === 'progress') {
      this.onProgress(message, lineNo);
      return;
    }
    if (message.type === 'commit') {
      this.onCommit(message, lineNo);
      return;
    }
    this.done = message;
    if (message.reason === 'stopped' && this.stopCause === undefined) {
      this.violation(`stdout line ${lineNo}: done message: reason "stopped", but no stop was sent: expected feed-done or deadline`);
    }
  }

  private onHello(hello: HelloMessage, lineNo: number): void {
    if (this.hello !== undefined) {
      this.violation(`stdout line ${lineNo}: hello message: a second hello: expected one per run`);
      return;
    }
    if (hello.protocol !== TASK_PROTOCOL_VERSION) {
      this.fail('bad-input', `engine speaks task protocol ${hello.protocol}: this agent speaks ${TASK_PROTOCOL_VERSION} (docs/task-protocol.md)`);
      return;
    }
    this.hello = hello;
    this.o.log.log('info', 'engine said hello', { engine: hello.engine.name, version: hello.engine.version, protocol: hello.protocol });
    if (this.assignment) this.send(this.assignment);
    this.assigned = true;
    if (this.stopCause !== undefined) this.send({ type: 'stop', withinMs: this.o.stopWithinMs ?? STOP_WITHIN_MS, cause: this.stopCause });
  }

  private onProgress(progress: ProgressMessage, lineNo: number): void {
    const problem = progressProblem(progress, this.latest, this.venueTimes);
    if (problem !== undefined) {
      this.violation(`stdout line ${lineNo}: ${problem}`);
      return;
    }
    noteVenueTimes(progress, this.venueTimes);
    this.latest = progress;
  }

  private onCommit(commit: CommitMessage, lineNo: number): void {
    const problem = commitProblem(commit, this.cursor, this.symbolSet);
    if (problem !== undefined) {
      this.refuse(commit.seq, 'rejected', problem);
      this.violation(`stdout line ${lineNo}: ${problem}`);
      return;
    }
    // The parsed fills are the agent's own objects: stamped in place with its generation, not copied.
    const fills = commit.fills as Fill[];
    const counts = this.validatedCounts;
    const closed = this.closedTrades;
    for (const fill of fills) {
      fill.generation = this.generation;
      if (fill.venue === 'A') counts.fillsA++;
      else counts.fillsB++;
      closed.note(fill.kind, fill.tradeId);
    }
    counts.tradesClosed = closed.closed;
    this.cursor = { nextCommitSeq: commit.seq + 1, nextFillSeq: this.cursor.nextFillSeq + fills.length };
    const lastFillSeq = this.cursor.nextFillSeq - 1;
    const checkpoint = storedCheckpoint(commit.checkpoint, this.generation, lastFillSeq, { ...counts }, closed.closingTrades(), this.clock.now());
    const seq = commit.seq;
    this.commitChain = this.commitChain.then(() => this.writeCommit(seq, fills, checkpoint, lastFillSeq, { ...counts }));
  }

  /** Writes one validated commit, retrying what may pass for the commit bound, and answers it. */
  private async writeCommit(
    seq: number,
    fills: Fill[],
    checkpoint: ReturnType<typeof storedCheckpoint>,
    lastFillSeq: number,
    counts: LedgerCounts,
  ): Promise<void> {
    let trouble: StoreTrouble | undefined;
    const firstTry = this.mono();
    for (;;) {
      if (this.failure !== undefined) return;
      try {
        await this.o.persistence.commit(fills, checkpoint);
        this.committedSeq = lastFillSeq;
        this.committedCounts = counts;
        this.commits++;
        this.fillsCommitted += fills.length;
        this.send({ type: 'commit-result', seq, status: 'accepted' });
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof FencedOutError) {
          this.refuse(seq, 'fenced', message);
          this.fail('fenced', message);
          return;
        }
        if (!isRetryable(error)) {
          this.refuse(seq, 'rejected', message);
          this.fail('commit-failed', `commit ${seq} refused: ${message}`);
          return;
        }
        trouble = noteStoreTrouble(trouble, error, this.mono()) ?? trouble;
        const waited = this.mono() - firstTry;
        if (waited > this.commitBoundMs) {
          const why = `commit ${seq} not written for ${(waited / 1000).toFixed(1)}s (commit bound ${(this.commitBoundMs / 1000).toFixed(2)}s): ${trouble ? describeStoreTrouble(trouble, this.mono()) : message}`;
          this.refuse(seq, 'rejected', why);
          this.fail(trouble ? 'store-unavailable' : 'commit-failed', why);
          return;
        }
        this.o.log.log('warn', 'commit failed, will retry', { seq, fills: fills.length, error: message });
        await sleep(this.storeRetryMs);
      }
    }
  }

  private async onHeartbeatTimer(): Promise<void> {
    if (this.heartbeatInFlight || this.childGone || this.failure !== undefined) return;
    const now = this.mono();
    if (now - this.lastHeartbeatOk > this.selfFenceMs) {
      const seconds = ((now - this.lastHeartbeatOk) / 1000).toFixed(1);
      if (this.storeTrouble) this.fail('store-unavailable', `no heartbeat written for ${seconds}s: ${describeStoreTrouble(this.storeTrouble, now)}`);
      else this.fail('self-fenced', `no heartbeat written for ${seconds}s (self-fence ${(this.selfFenceMs / 1000).toFixed(2)}s, core/fleet/timeouts.ts)`);
      return;
    }
    if (now - this.lastHeartbeatOk < this.heartbeatMs - 5 && this.storeTrouble === undefined) return;
    this.rssBytes = this.o.memory ? this.o.memory(this.pgid) : this.groupMemory.read(this.pgid, now);
    if (this.rssBytes > this.memoryLimitBytes) {
      this.fail(
        'out-of-memory',
        `engine resident memory ${(this.rssBytes / 2 ** 20).toFixed(0)} MiB is over the task's ${this.o.campaign.config.task.memoryMiB} MiB (task.memoryMiB)`,
      );
      return;
    }
    this.noteDroppedLogs();
    this.heartbeatInFlight = true;
    const sentAt = this.mono();
    try {
      await this.o.persistence.heartbeat(this.progress());
      this.lastHeartbeatOk = sentAt;
      this.storeTrouble = undefined;
      this.writeHealth();
    } catch (error) {
      if (error instanceof FencedOutError) this.fail('fenced', error.message);
      else this.noteHeartbeatTrouble(error);
    } finally {
      this.heartbeatInFlight = false;
    }
  }

  /** The HEALTHCHECK's file: progress judged on the engine's counter, as the built-in engine's on its turns. */
  private writeHealth(): void {
    if (!this.o.healthFile) return;
    const at = this.clock.now();
    const counter = this.latest?.counter ?? 0;
    if (counter !== this.healthCounter) {
      this.healthCounter = counter;
      this.healthMovedAt = at;
    }
    try {
      // Written aside and renamed over: the HEALTHCHECK never reads a half-written file.
      const aside = `${this.o.healthFile}.${process.pid}.tmp`;
      writeFileSync(aside, JSON.stringify({ at, ticks: this.latest?.ticks ?? counter, turns: counter, progressAt: this.healthMovedAt }));
      renameSync(aside, this.o.healthFile);
    } catch (error) {
      this.o.log.log('warn', 'health file not written', { error: String(error) });
    }
  }

  private noteHeartbeatTrouble(error: unknown): void {
    this.storeTrouble = noteStoreTrouble(this.storeTrouble, error, this.mono()) ?? this.storeTrouble;
    this.o.log.log('warn', 'heartbeat failed', { error: String(error) });
  }

  /** The heartbeat's payload from the engine's latest progress: its counter is `turns`, what the stall rule judges. */
  private progress(stop?: EngineStop): Progress {
    const p = this.latest;
    const now = this.clock.now();
    const uptimeSec = Math.max(0, (now - this.progressStartedAt) / 1000);
    const ticks = p?.ticks ?? p?.counter ?? 0;
    return {
      at: epochMs(now, 'progress.at'),
      uptimeSec,
      ticks,
      ticksPerSec: uptimeSec > 0 ? ticks / uptimeSec : 0,
      trades: p?.trades ?? 0,
      // Counted from the committed fills by the ledger's rule (closed-trades.ts): the engine does not report closes.
      tradesClosed: this.committedCounts.tradesClosed,
      openTrades: p?.openPositions ?? 0,
      fillsA: this.committedCounts.fillsA,
      fillsB: this.committedCounts.fillsB,
      lastFillSeq: this.committedSeq,
      rejectedEntries: 0,
      // The task protocol's progress carries integer micros already (`ProgressMessageSchema`): passed on as they came.
      realizedPnlMicros: p?.realizedPnlMicros ?? ZERO_MICROS,
      unrealizedPnlMicros: ZERO_MICROS,
      latencyP50Us: p?.latency?.p50Us ?? 0,
      latencyP99Us: p?.latency?.p99Us ?? 0,
      latencyMaxUs: p?.latency?.maxUs ?? 0,
      // No `latency` from the engine: the zeros above are placeholders, said so (the report shows "not measured").
      ...(p?.latency === undefined ? { latencyMeasured: false as const } : {}),
      rssBytes: this.rssBytes,
      heapUsedBytes: 0,
      symbols: [],
      turns: p?.counter ?? 0,
      ...(p?.eventTime !== undefined ? { eventTime: p.eventTime } : {}),
      // Each venue's last update time, aged by the report against eventTime ("Quote coverage"), as the built-in engine's.
      ...(p?.venues !== undefined ? { venues: heartbeatVenues(p.venues) } : {}),
      // Who the engine said it was: the report names the engine that ran from it, not from the config.
      ...(this.hello ? { engine: { name: this.hello.engine.name, version: this.hello.engine.version, protocol: this.hello.protocol } } : {}),
      // An engine done with feed-done played its whole replay: the report's full-duration row reads feedDone.
      ...(stop?.by === 'feed-done' ? { feedDone: true } : {}),
      ...(stop ? { stop } : {}),
    };
  }

  /** The final heartbeat of a completed run names why it stopped; a store stall does not lose it (retried to the self-fence). */
  private async finalHeartbeat(stop: EngineStop): Promise<void> {
    for (;;) {
      try {
        await this.o.persistence.heartbeat(this.progress(stop));
        return;
      } catch (error) {
        if (error instanceof FencedOutError) return;
        this.noteHeartbeatTrouble(error);
        if (this.mono() - this.lastHeartbeatOk > this.selfFenceMs) return;
        await sleep(this.storeRetryMs);
      }
    }
  }

  /** One last heartbeat after a failure, so the report sees the engine's last progress; never holds the exit long. */
  private async lastHeartbeat(): Promise<void> {
    await Promise.race([this.o.persistence.heartbeat(this.progress()).catch(() => undefined), sleep(this.storeRetryMs)]);
  }

  private engineStop(end: 'completed' | 'stopped'): EngineStop {
    if (end === 'stopped') return { by: 'signal', signal: this.stopCause ?? 'SIGTERM' };
    return this.done?.reason === 'deadline' ? { by: 'deadline' } : { by: 'feed-done' };
  }

  /** How the engine's exit ends the run when nothing failed before it. */
  private verdictOf(exit: { code: number | null; signal: NodeJS.Signals | null }): { end: AgentEnd; reason: string } {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited ${exit.code}`;
    const last = this.lastErrLine ? `; its last stderr line: ${this.lastErrLine}` : '';
    if (this.stopDeadlineHit)
      return { end: 'killed-at-deadline', reason: `engine ignored stop (${this.stopCause}): killed after ${(this.o.stopWithinMs ?? STOP_WITHIN_MS) / 1000}s` };
    if (exit.code === ENGINE_EXIT.BAD_INPUT) return { end: 'bad-input', reason: `engine exited 2 (bad input: not retried)${last}` };
    // Asked to stop before it said hello: nothing was assigned, so nothing could be saved or lost;
    // its group was killed at once (`stop`). A stop someone asked for, not a crash.
    if (this.stopCause !== undefined && !this.assigned)
      return { end: 'stopped', reason: `stopped on ${this.stopCause} before the engine said hello: nothing assigned` };
    // Killed by a stop signal the agent never sent (it was not asked to stop): someone outside stopped
    // the engine (a `kill` on the host), not a crash of its own. Who asked matters: the run ends
    // stopped, its final heartbeat names the signal, and the fleet books the stop from outside
    // (PREEMPTED, a restart from the checkpoint; at or after the campaign's end, a completion).
    if (exit.signal !== null && OUTSIDE_STOP_SIGNALS.has(exit.signal) && this.stopCause === undefined) {
      this.stopCause = exit.signal;
      return { end: 'stopped', reason: `engine was killed by ${exit.signal}, a signal the agent did not send: stopped from outside${last}` };
    }
    if (exit.code !== 0) return { end: 'crashed', reason: `engine ${how}${last}` };
    if (this.done === undefined) return { end: 'crashed', reason: `engine exited 0 without done: not a completion${last}` };
    if (this.done.reason === 'stopped') return { end: 'stopped', reason: `engine stopped on ${this.stopCause}` };
    return { end: 'completed', reason: `engine done: ${this.done.reason}` };
  }

  /** A protocol violation: nothing more is written, the engine's group is killed, the run ends 1. */
  private violation(problem: string): void {
    this.fail('violation', `protocol violation: ${problem}`);
  }

  /**
   * Ends the run for `end` (the first failure wins) and kills the engine's group: at once, or after
   * `REFUSAL_GRACE_MS` when the engine was just answered `rejected` or `fenced`, so that a
   * well-behaved engine can read why (it can write nothing that counts meanwhile: every message
   * after a failure is ignored).
   */
  private fail(end: AgentEnd, reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = { end, reason };
    this.o.log.log('error', 'engine ended by the agent', { end, reason });
    if (end === 'violation' || end === 'fenced' || end === 'commit-failed') this.timers.push(setTimeout(() => this.killGroup(), REFUSAL_GRACE_MS));
    else this.killGroup();
  }

  private killGroup(): void {
    if (this.pgid <= 0) return;
    try {
      process.kill(-this.pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }

  /** Answers a commit that will not be written (`rejected` or `fenced`), and says so in the task log. */
  private refuse(seq: number, status: 'rejected' | 'fenced', reason: string): void {
    this.o.log.log('error', 'commit refused', { seq, status, reason });
    this.send({ type: 'commit-result', seq, status, reason });
  }

  private send(message: AgentMessage): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.childGone) return;
    stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Copies one engine log line to the task log, within the log budget. */
  private copyLog(line: string, stderr: boolean): void {
    if (stderr && line.length > 0) this.lastErrLine = line.length > 500 ? `${line.slice(0, 500)}…` : line;
    if (!this.logBudget.take(line.length + 9, this.mono())) return;
    const text = `engine: ${line}\n`;
    if (stderr) (this.o.writeErr ?? ((t: string) => process.stderr.write(t)))(text);
    else (this.o.writeLog ?? ((t: string) => process.stdout.write(t)))(text);
  }

  private noteDroppedLogs(): void {
    const dropped = this.logBudget.takeDropped();
    if (dropped === 0) return;
    this.logBytesDropped += dropped;
    this.o.log.log('warn', 'engine logs dropped over the log budget', {
      bytes: dropped,
      total: this.logBytesDropped,
      budgetBytesPerSec: this.o.logBytesPerSec ?? LOG_BYTES_PER_SEC,
    });
  }

  private outcome(verdict: { end: AgentEnd; reason: string }): AgentOutcome {
    return {
      ...verdict,
      exitCode: exitCodeOf(verdict.end),
      ...(this.hello ? { engine: this.hello.engine } : {}),
      commits: this.commits,
      fillsCommitted: this.fillsCommitted,
      logBytesDropped: this.logBytesDropped,
    };
  }
}

/** The agent's exit code for how its run ended (`ENGINE_EXIT`, the built-in engine's codes). */
export function exitCodeOf(end: AgentEnd): number {
  switch (end) {
    case 'completed':
    case 'stopped':
      return ENGINE_EXIT.OK;
    case 'bad-input':
      return ENGINE_EXIT.BAD_INPUT;
    case 'fenced':
    case 'self-fenced':
      return ENGINE_EXIT.FENCED_OUT;
    case 'store-unavailable':
      return ENGINE_EXIT.STORE_UNAVAILABLE;
    default:
      return ENGINE_EXIT.FATAL;
  }
}
