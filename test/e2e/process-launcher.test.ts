import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { NotFoundError } from '../../core/errors.js';
import { campaignStopReason, classifyStop } from '../../core/fleet/watchdog-policy.js';
import { engineBundleStaleness } from '../../core/local/engine-bundle.js';
import {
  compileCacheEnvironment,
  defaultEngineCommand,
  descendantsOf,
  ProcessLauncher,
  UNKNOWN_TASK_REASON,
  type ProcessLauncherOptions,
  type StoppedTask,
} from '../../core/local/process-launcher.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import type { TaskSpec } from '../../core/ports.js';
import { newCampaign } from '../contract/record-builders.js';
import { isRunning, ROOT, waitFor } from '../support/engine-process.js';

const CONFIG = join(ROOT, 'configs/top10-paper-baseline.yaml');
/** A task that ignores SIGTERM, says when it is ready, and otherwise idles. */
const IGNORES_SIGTERM = "process.on('SIGTERM',()=>{}); setInterval(()=>{},1000); console.log('ready')";
/** A task that idles until a signal ends it. */
const IDLES = "setInterval(()=>{},1000); console.log('ready')";

const dirs: string[] = [];
const launchers: ProcessLauncher[] = [];
const strays: number[] = [];

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((l) => l.stopAll('test over', 200)));
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-launcher-'));
  dirs.push(dir);
  return dir;
}

/** A launcher kept for clean-up, with the exits it reports collected in `stops`. */
function launcherWith(options: Partial<ProcessLauncherOptions>): { launcher: ProcessLauncher; stops: StoppedTask[] } {
  const launcher = new ProcessLauncher({ clock: systemClock, ...options });
  launchers.push(launcher);
  const stops: StoppedTask[] = [];
  launcher.onStopped((status) => stops.push(status));
  return { launcher, stops };
}

/** A launcher whose tasks run `script` with `node -e`. */
function scriptLauncher(script: string, options: Partial<ProcessLauncherOptions> = {}) {
  return launcherWith({ command: [process.execPath, '-e', script], stopGraceMs: 500, ...options });
}

function spec(shardId: string, generation = 0, symbols = ['BTC']): TaskSpec {
  return { key: { campaignId: 'c-launcher', shardId }, generation, symbols, env: {} };
}

function stopOf(stops: StoppedTask[], taskId: string): Promise<StoppedTask> {
  return waitFor(`the exit of task ${taskId}`, () => stops.find((s) => s.taskId === taskId), 10_000);
}

function logText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

async function waitForLog(path: string, text: string): Promise<void> {
  await waitFor(`"${text}" in ${path}`, () => (logText(path).includes(text) ? true : undefined), 10_000);
}

/** The state letter of /proc/<pid>/stat: R, S, T (stopped), Z… */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProcessLauncher (real processes, real signals)', () => {
  it('runs the engine bundle for a shard (as the image does): heartbeats reach the store, and stop() ends it with exit 0 and the first reason given', async () => {
    const dir = tempDir();
    const db = join(dir, 'fleet.db');
    const store = new SqliteCampaignStore(db, systemClock);
    const { campaign, shards } = newCampaign('c-launcher', 1);
    await store.createCampaign(
      campaign,
      shards.map((s) => ({ ...s, shardId: 'shard-000', symbols: ['BTC', 'ETH'] })),
    );
    const key = { campaignId: 'c-launcher', shardId: 'shard-000' };
    const logDir = join(dir, 'logs');
    const { launcher, stops } = launcherWith({
      env: { ARBFLEET_CONFIG: CONFIG, ARBFLEET_STORE: `sqlite:${db}`, ARBFLEET_HEARTBEAT_INTERVAL: '0.2' },
      logDir,
    });

    const { taskId } = await launcher.launch({ key, generation: 0, symbols: ['BTC', 'ETH'], env: {} });
    expect(taskId).toBe(String(launcher.pidOf(taskId)));
    // The artifact the image runs (its ENTRYPOINT), fresh: not the TypeScript sources through tsx.
    expect(readFileSync(`/proc/${taskId}/cmdline`, 'utf8').split('\0').slice(0, -1)).toEqual([
      process.execPath,
      '--enable-source-maps',
      join(ROOT, 'engine-task/dist/main.mjs'),
    ]);
    expect(await engineBundleStaleness()).toBeUndefined();
    // With Node's compile cache on (its default folder, unless this environment says otherwise).
    const taskEnv = readFileSync(`/proc/${taskId}/environ`, 'utf8').split('\0');
    const cache = compileCacheEnvironment(process.env).NODE_COMPILE_CACHE ?? process.env.NODE_COMPILE_CACHE;
    expect(taskEnv.find((v) => v.startsWith('NODE_COMPILE_CACHE='))).toBe(cache === undefined ? undefined : `NODE_COMPILE_CACHE=${cache}`);
    const beats = await waitFor('two heartbeats with progress', async () => {
      const all = await store.readHeartbeats(key);
      return all.length >= 2 && (all.at(-1)?.progress.ticks ?? 0) > 0 ? all : undefined;
    });
    expect(beats.at(-1)?.generation).toBe(0);
    expect(beats.at(-1)?.progress.symbols.map((s) => s.symbol)).toEqual(['BTC', 'ETH']);
    expect(await launcher.describe([taskId])).toEqual([{ taskId, state: 'RUNNING' }]);

    const stoppedAt = Date.now();
    const reason = campaignStopReason('ended');
    await launcher.stop(taskId, reason);
    await launcher.stop(taskId, 'a later reason');
    const stop = await stopOf(stops, taskId);
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    expect(stop).toMatchObject({ taskId, state: 'STOPPED', exitCode: 0, signal: null, stoppedReason: reason, oom: false, key, generation: 0 });
    expect(stop.stoppedAt).toBeGreaterThanOrEqual(stoppedAt);
    const [status] = await launcher.describe([taskId]);
    expect(status).toMatchObject({ state: 'STOPPED', exitCode: 0, stoppedReason: reason });
    expect(classifyStop(status!)).toBe('completed');

    await launcher.stop(taskId, 'once more');
    expect((await launcher.describe([taskId]))[0]?.stoppedReason).toBe(reason);
    expect(stops.filter((s) => s.taskId === taskId)).toHaveLength(1);
    expect(logText(join(logDir, 'shard-000.g0.log'))).toContain('"event":"shard ended"');
    store.close();
  });

  it("turns Node's compile cache on for the engine bundle's tasks unless the environment sets it or disables it", () => {
    expect(compileCacheEnvironment({})).toEqual({ NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') });
    expect(compileCacheEnvironment({ NODE_COMPILE_CACHE: '/elsewhere' })).toEqual({});
    expect(compileCacheEnvironment({ NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({});
  });

  it('runs the TypeScript sources through tsx instead only with ARBFLEET_ENGINE_TSX=1 (development; the bench’s side-by-side row)', async () => {
    expect(await defaultEngineCommand({ ARBFLEET_ENGINE_TSX: '1' })).toEqual([process.execPath, '--import', 'tsx', join(ROOT, 'engine-task/src/main.ts')]);
    for (const env of [{}, { ARBFLEET_ENGINE_TSX: 'yes' }])
      expect(await defaultEngineCommand(env)).toEqual([process.execPath, '--enable-source-maps', join(ROOT, 'engine-task/dist/main.mjs')]);
  });

  it('SIGKILLs a task that ignores SIGTERM once the grace period is over, and never calls that an OOM', async () => {
    const dir = tempDir();
    const { launcher, stops } = scriptLauncher(IGNORES_SIGTERM, { stopGraceMs: 500, logDir: dir, oomKillDetector: () => true });
    const { taskId } = await launcher.launch(spec('shard-deaf'));
    await waitForLog(join(dir, 'shard-deaf.g0.log'), 'ready');

    const stoppedAt = Date.now();
    await launcher.stop(taskId, 'stalled');
    await sleep(250);
    expect((await launcher.describe([taskId]))[0]?.state).toBe('RUNNING');
    const stop = await stopOf(stops, taskId);
    const took = Date.now() - stoppedAt;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(3_000);
    expect(stop).toMatchObject({ state: 'STOPPED', exitCode: null, signal: 'SIGKILL', stoppedReason: 'arbfleet: stalled', oom: false });
  });

  it("a task SIGKILLed takes its descendants with it, even in process groups of their own (the agent's engine), as a killed container would", async () => {
    const dir = tempDir();
    // The task starts a child in a group of its own (detached, as the agent starts an engine) whose child idles too, then ignores SIGTERM.
    const grandchild = 'setInterval(()=>{},1000)';
    const child = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); setInterval(()=>{},1000)`;
    const task = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { detached: true, stdio: 'ignore' }); console.log('child ' + c.pid); ${IGNORES_SIGTERM}`;
    const { launcher, stops } = scriptLauncher(task, { stopGraceMs: 500, logDir: dir });
    const { taskId } = await launcher.launch(spec('shard-family'));
    await waitForLog(join(dir, 'shard-family.g0.log'), 'ready');
    const childPid = Number(/child (\d+)/.exec(readFileSync(join(dir, 'shard-family.g0.log'), 'utf8'))?.[1]);
    const family = await waitFor(
      'the child and its child running',
      () => {
        const pids = [childPid, ...descendantsOf(childPid)];
        return pids.length === 2 ? pids : undefined;
      },
      10_000,
    );
    strays.push(...family);
    expect(process.kill(childPid, 0)).toBe(true);

    await launcher.stop(taskId, 'stalled');
    expect(await stopOf(stops, taskId)).toMatchObject({ signal: 'SIGKILL' });
    await waitFor('the descendants gone', () => (family.every((pid) => !isRunning(pid)) ? true : undefined), 10_000);
  });

  it('reports an outside SIGKILL at once: signal SIGKILL, no exit code, and OOM only when the detector says so', async () => {
    const plain = scriptLauncher(IDLES);
    const first = await plain.launcher.launch(spec('shard-killed', 3));
    process.kill(plain.launcher.pidOf(first.taskId)!, 'SIGKILL');
    const stop = await stopOf(plain.stops, first.taskId);
    expect(stop).toMatchObject({
      state: 'STOPPED',
      exitCode: null,
      signal: 'SIGKILL',
      oom: false,
      key: { campaignId: 'c-launcher', shardId: 'shard-killed' },
      generation: 3,
    });
    expect(stop.stoppedReason).toBeUndefined();
    expect(classifyStop(stop)).toMatchObject({ cause: 'CRASHED' });

    const asked: number[] = [];
    const detecting = scriptLauncher(IDLES, { oomKillDetector: (pid) => asked.push(pid) > 0 });
    const second = await detecting.launcher.launch(spec('shard-oom'));
    expect(detecting.launcher.signal(second.taskId, 'SIGKILL')).toBe(true);
    const oom = await stopOf(detecting.stops, second.taskId);
    expect(oom).toMatchObject({ signal: 'SIGKILL', oom: true });
    expect(asked).toEqual([detecting.launcher.pidOf(second.taskId)]);
    expect(classifyStop(oom)).toMatchObject({ cause: 'OOM' });
    expect(detecting.launcher.signal(second.taskId, 'SIGCONT')).toBe(false);
    expect(() => detecting.launcher.signal('999999999', 'SIGKILL')).toThrow(NotFoundError);
  });

  it('reports a crash with its exit code and the tail of stderr, and keeps both streams in the log', async () => {
    const dir = tempDir();
    const { launcher, stops } = scriptLauncher("console.log('hello from stdout'); console.error('x'.repeat(6000)); console.error('boom'); process.exit(7)", {
      logDir: dir,
    });
    const { taskId } = await launcher.launch(spec('shard-crash', 2));
    const stop = await stopOf(stops, taskId);
    expect(stop).toMatchObject({ exitCode: 7, signal: null, oom: false });
    expect(stop.stderrTail).toContain('boom');
    expect(Buffer.byteLength(stop.stderrTail ?? '')).toBeLessThanOrEqual(4_096);
    expect((await launcher.describe([taskId]))[0]?.stderrTail).toBe(stop.stderrTail);
    const log = logText(join(dir, 'shard-crash.g2.log'));
    expect(log).toContain('hello from stdout');
    expect(log).toContain('boom');
  });

  it.runIf(process.platform === 'linux')(
    "describes a task that has exited while this process's loop was held (not yet reaped) as exiting, then reports its exit",
    async () => {
      const { launcher, stops } = scriptLauncher('process.exit(4)', {});
      const { taskId } = await launcher.launch(spec('shard-exiting'));
      const pid = launcher.pidOf(taskId)!;
      // Held synchronously, as a control plane is by a store's busy wait: the child's exit waits for the loop.
      const deadline = Date.now() + 20_000;
      while (procState(pid) !== 'Z' && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      expect(procState(pid)).toBe('Z');
      expect(await launcher.describe([taskId])).toEqual([{ taskId, state: 'RUNNING', exiting: true }]);
      expect(await stopOf(stops, taskId)).toMatchObject({ state: 'STOPPED', exitCode: 4 });
      expect((await launcher.describe([taskId]))[0]).not.toHaveProperty('exiting');
    },
  );

  it.runIf(process.platform === 'linux')('freezes a task (state T) and lets it run again afterwards', async () => {
    const dir = tempDir();
    const log = join(dir, 'shard-frozen.g0.log');
    const { launcher } = scriptLauncher("let n = 0; setInterval(() => console.log('tick ' + n++), 20); console.log('ready')", { logDir: dir });
    const { taskId } = await launcher.launch(spec('shard-frozen'));
    const pid = launcher.pidOf(taskId)!;
    await waitForLog(log, 'tick 3');

    const frozenAt = Date.now();
    expect(launcher.freeze(taskId, 1_500)).toBe(true);
    await sleep(150);
    expect(procState(pid)).toBe('T');
    const sizeFrozen = statSync(log).size;
    await sleep(600);
    expect(procState(pid)).toBe('T');
    expect(statSync(log).size).toBe(sizeFrozen);
    expect((await launcher.describe([taskId]))[0]?.state).toBe('RUNNING');

    await waitFor('the thaw', () => (procState(pid) !== 'T' ? true : undefined), 5_000);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(1_400);
    await waitFor('ticks after the thaw', () => (statSync(log).size > sizeFrozen ? true : undefined), 5_000);
  });

  it('keeps the logs of two campaigns whose shards share an id apart, when given a folder per campaign', async () => {
    const dir = tempDir();
    const { launcher } = scriptLauncher("console.log('ready ' + process.env.ARBFLEET_CAMPAIGN_ID); setInterval(() => {}, 1000)", {
      logDir: (key) => join(dir, key.campaignId),
    });
    await launcher.launch({ ...spec('shard-000'), key: { campaignId: 'c-one', shardId: 'shard-000' } });
    await launcher.launch({ ...spec('shard-000'), key: { campaignId: 'c-two', shardId: 'shard-000' } });
    await waitForLog(join(dir, 'c-one', 'shard-000.g0.log'), 'ready c-one');
    await waitForLog(join(dir, 'c-two', 'shard-000.g0.log'), 'ready c-two');
    expect(readFileSync(join(dir, 'c-one', 'shard-000.g0.log'), 'utf8')).not.toContain('c-two');
  });

  it('stops every task with stopAll and resolves once all have exited', async () => {
    const dir = tempDir();
    const deaf = scriptLauncher(IGNORES_SIGTERM, { logDir: dir, stopGraceMs: 60_000 });
    const a = await deaf.launcher.launch(spec('shard-a'));
    const b = await deaf.launcher.launch(spec('shard-b'));
    await waitForLog(join(dir, 'shard-a.g0.log'), 'ready');
    await waitForLog(join(dir, 'shard-b.g0.log'), 'ready');

    const started = Date.now();
    await deaf.launcher.stopAll('ctrl-c', 300);
    expect(Date.now() - started).toBeLessThan(3_000);
    const statuses = await deaf.launcher.describe([a.taskId, b.taskId]);
    for (const status of statuses) expect(status).toMatchObject({ state: 'STOPPED', signal: 'SIGKILL', stoppedReason: 'arbfleet: ctrl-c' });
    expect(deaf.stops.map((s) => s.key.shardId).sort()).toEqual(['shard-a', 'shard-b']);
  });

  it('describes an id it never launched: a dead pid or a non-pid is STOPPED, and stopping it does nothing', async () => {
    const { launcher } = scriptLauncher(IDLES);
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    for (const taskId of [String(gone), 'arn:aws:ecs:task/not-a-pid']) {
      await launcher.stop(taskId, 'whatever');
      expect(await launcher.describe([taskId])).toEqual([{ taskId, state: 'STOPPED', unknown: true, stoppedReason: UNKNOWN_TASK_REASON }]);
    }
  });

  it('after a control-plane restart, stops a live task of the previous launcher by its pid and reports the reason', async () => {
    const previous = scriptLauncher(IDLES);
    const { taskId } = await previous.launcher.launch(spec('shard-orphan'));
    const { launcher: restarted } = scriptLauncher(IDLES);
    expect(await restarted.describe([taskId])).toEqual([{ taskId, state: 'RUNNING' }]);

    const reason = campaignStopReason('cancelled');
    await restarted.stop(taskId, reason);
    const status = await waitFor('the adopted task to stop', async () => {
      const [s] = await restarted.describe([taskId]);
      return s?.state === 'STOPPED' ? s : undefined;
    });
    expect(status.stoppedReason).toBe(reason);
    expect(classifyStop(status)).toBe('completed');
    expect(await stopOf(previous.stops, taskId)).toMatchObject({ signal: 'SIGTERM' });
  });

  it.runIf(process.platform === 'linux')('never signals a live pid that is not an arbfleet task (a reused pid)', async () => {
    const { launcher } = scriptLauncher(IDLES);
    const env = { ...process.env };
    delete env.ARBFLEET_SHARD_ID;
    const stranger = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { env, stdio: 'ignore' });
    const pid = stranger.pid!;
    strays.push(pid);
    const taskId = String(pid);
    expect(await launcher.describe([taskId])).toEqual([{ taskId, state: 'STOPPED', unknown: true, stoppedReason: UNKNOWN_TASK_REASON }]);
    await launcher.stop(taskId, 'not yours');
    await sleep(200);
    expect(stranger.exitCode).toBeNull();
    expect(stranger.signalCode).toBeNull();
  });
});
