/**
 * How the agent reads its engine's stdout (`engine-task/src/agent/engine-stdout.ts`): a Unix socket
 * read into one reused buffer, with a real child process writing to it, and Node's pipe when that
 * socket cannot be made.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineStdout } from '../../engine-task/src/agent/engine-stdout.js';
import { LineSplitter } from '../../engine-task/src/agent/line-splitter.js';
import { waitFor } from '../support/engine-process.js';
import { agentEvents, startAgentTask } from './agent-task-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A child that writes a 3 MB line (several reads of the agent's buffer) and a short one, then forks
 * a grandchild that keeps its stdout and writes one more line after the child has exited.
 */
const WRITER = `
const { spawn } = require('node:child_process');
process.stdout.write('x'.repeat(3_000_000) + '\\nshort line\\n');
spawn(process.execPath, ['-e', "setTimeout(() => process.stdout.write('from the grandchild\\\\n'), 300)"], { stdio: ['ignore', 'inherit', 'ignore'] });
`;

describe("the engine's stdout", () => {
  it('is read whole and in order, ends only when every writer has closed it (the grandchild too), and leaves no socket behind', async () => {
    const privateTmp = mkdtempSync(join(tmpdir(), 'arbfleet-stdout-test-'));
    dirs.push(privateTmp);
    const lines: string[] = [];
    let ended = false;
    const splitter = new LineSplitter(
      4 * 1024 * 1024,
      (line) => lines.push(line),
      () => undefined,
    );
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    let stdout: EngineStdout;
    try {
      stdout = await EngineStdout.open(
        (bytes) => splitter.push(bytes),
        () => {
          splitter.end();
          ended = true;
        },
      );
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    // The socket is unlinked (its directory gone) before any engine could start: nothing to connect to.
    expect(readdirSync(privateTmp)).toEqual([]);
    const child = spawn(process.execPath, ['-e', WRITER], { stdio: ['ignore', stdout.engineEnd, 'inherit'] });
    stdout.spawned();
    const exited = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(exited).toBe(0);
    await waitFor('the end of the engine stdout', () => (ended ? true : undefined), 20_000);
    stdout.close();
    expect(lines.map((line) => (line.length > 100 ? `${line[0]} x ${line.length}` : line))).toEqual(['x x 3000000', 'short line', 'from the grandchild']);
  });
});

describe("the agent when the engine's stdout socket cannot be made", () => {
  it("reads the engine through Node's pipe instead, says so, and the run completes as usual", async () => {
    const task = await startAgentTask('good', { agentEnv: { TMPDIR: '/nonexistent/arbfleet-no-tmp' } });
    dirs.push(task.dir);
    const exit = await task.process.exited;
    expect(exit, task.process.stderr()).toEqual({ code: 0, signal: null });
    expect(agentEvents(task.process.stdout()).map((e) => e.event)).toContain("engine stdout read through Node's pipe: its socket could not be made");
    expect((await task.store.readLedger(task.key)).map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    task.store.close();
  });
});
