/**
 * moto's server as a child process on a free loopback port: installed once into .venv by
 * scripts/python-tools.sh, started, waited for, stopped. The `aws` test project's global setup
 * starts the shared one with it (through `test/support/moto-server.ts`); a suite that needs moto
 * configured differently (IAM enforced, say) starts its own; `npm run bench -- --watchdog-pass`
 * starts one to count a watchdog pass's AWS calls. It lives here, not under `test/`, because the
 * benchmark uses it and must not import test code.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The last few KiB of its stderr (request log and tracebacks), for failure messages. */
  log(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** The directory holding `moto_server` (and cfn-lint), installing the pinned tools on first use. */
export function pythonToolsBin(): string {
  return execFileSync('bash', ['scripts/python-tools.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Starts moto's server on a free loopback port with `env` added to its environment (e.g.
 * `INITIAL_NO_AUTH_ACTION_COUNT`) and resolves once it answers HTTP.
 */
export async function startMotoServer(env: Record<string, string> = {}): Promise<MotoServer> {
  const bin = pythonToolsBin();
  const port = await freePort();
  // scripts/moto_server.py: moto's server with a table backed up once per transaction, not once per item.
  const moto = spawn(`${bin}/python`, [`${ROOT}scripts/moto_server.py`, '-H', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  moto.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, moto, () => log);
  } catch (error) {
    moto.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    log: () => log,
    stop: async () => {
      if (moto.exitCode !== null || moto.signalCode !== null) return;
      const exited = new Promise((resolve) => moto.once('exit', resolve));
      moto.kill('SIGTERM');
      await exited;
    },
  };
}

/** A port nothing listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long moto may take to answer after its start: it did not answer within 30 s beside four
 * busy loops on a 2-core machine at load average 22, and the whole aws project failed to start.
 * The wait ends as soon as moto answers, so a long deadline costs nothing on an idle machine.
 */
const MOTO_START_DEADLINE_MS = 120_000;

/** Polls moto's own API (it needs no credentials and counts as no AWS action) until it answers. */
async function waitUntilUp(endpoint: string, moto: ChildProcess, log: () => string): Promise<void> {
  const deadline = performance.now() + MOTO_START_DEADLINE_MS;
  while (performance.now() < deadline) {
    if (moto.exitCode !== null) throw new Error(`moto_server exited with ${moto.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within ${MOTO_START_DEADLINE_MS / 1000} s:\n${log()}`);
}

/**
 * Sets (or, with undefined, unsets) the ECS task transition of the moto server at `endpoint`
 * through its own API (no IAM). By default moto moves a task towards STOPPED on every
 * DescribeTasks; a `manual` progression keeps it RUNNING until StopTask, as a live engine's task.
 */
export async function motoTaskTransitionAt(endpoint: string, transition: { progression: string; times?: number } | undefined): Promise<void> {
  const path = transition === undefined ? 'unset-transition' : 'set-transition';
  const res = await fetch(`${endpoint}/moto-api/state-manager/${path}`, { method: 'POST', body: JSON.stringify({ model_name: 'ecs::task', transition }) });
  if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}`);
}
