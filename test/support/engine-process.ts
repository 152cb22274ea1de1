import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ENGINE_MAIN = fileURLToPath(new URL('../../engine-task/src/main.ts', import.meta.url));
/**
 * The engine bundle the image and the local fleet run (`engine-task/build.mjs`), made fresh by
 * the e2e and aws projects' global setup (test/setup/engine-bundle.ts).
 */
export const ENGINE_BUNDLE = fileURLToPath(new URL('../../engine-task/dist/main.mjs', import.meta.url));
/** The engine as the image's ENTRYPOINT and the local fleet's launcher run it: arguments go after. */
export const ENGINE_COMMAND: readonly [string, ...string[]] = [process.execPath, '--enable-source-maps', ENGINE_BUNDLE];

/** A real Node process running one of the project's TypeScript entrypoints, its output collected. */
export interface NodeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A real engine process. */
export type EngineProcess = NodeProcess;

/** Starts the engine as the fleet would (its bundle, `ENGINE_COMMAND`): a Node process with flags and environment. */
export function startEngine(args: string[], env: Record<string, string> = {}): EngineProcess {
  const [node, ...flags] = ENGINE_COMMAND;
  return startProgram(node, [...flags, ...args], env);
}

/**
 * Starts `entrypoint` (TypeScript, through tsx) from the repository root with `args` and `env` added.
 * `processGroup`: lead a process group of its own, as a shell's foreground job does (so a test can
 * signal the whole group, as Ctrl-C at a terminal does).
 */
export function startNode(entrypoint: string, args: string[], env: Record<string, string> = {}, processGroup = false): NodeProcess {
  return startProgram(process.execPath, ['--import', 'tsx', entrypoint, ...args], env, processGroup);
}

/** Starts `file` with `args` from the repository root, `env` added, its output collected (what `startNode` runs). */
export function startProgram(file: string, args: string[], env: Record<string, string> = {}, processGroup = false): NodeProcess {
  const child = spawn(file, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: processGroup,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': the process may have exited with output still in the pipes.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Alive and not a zombie (`/proc/<pid>/stat` state Z: dead, waiting to be reaped by its parent). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
