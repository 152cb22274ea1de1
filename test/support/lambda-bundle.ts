/**
 * A Lambda bundle run the way Lambda runs it: `index.mjs` (and its source map) ALONE in a fresh
 * folder standing in for /var/task, no node_modules, no repository beside it, the function's
 * environment only, and its exported `handler` called by a tiny runtime script that lives outside
 * that folder and imports nothing from the repository. One process per invocation (a cold start).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The last line of the runtime's stdout: the handler's result (or error), after this marker. */
const RESULT_MARKER = '@@arbfleet-lambda-result@@';

const RUNTIME = `// Reads one event (JSON) from stdin, calls the bundle's handler like Lambda's Node runtime, prints the result.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const started = Date.now();
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + process.env.AWS_LAMBDA_FUNCTION_NAME,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, Number(process.env.ARBFLEET_TEST_TIMEOUT_MS) - (Date.now() - started)),
};
let outcome;
try {
  const { handler } = await import(pathToFileURL(process.argv[2]).href);
  outcome = { result: (await handler(event, context)) ?? null };
} catch (error) {
  outcome = { error: { errorType: error?.name ?? typeof error, errorMessage: String(error?.message ?? error) } };
}
process.stdout.write('\\n${RESULT_MARKER}' + JSON.stringify(outcome) + '\\n', () => process.exit(0));
`;

/** A bundle laid out as Lambda lays it out, ready to invoke. */
export interface LambdaTask {
  name: string;
  /** The folder standing in for /var/task: index.mjs and index.mjs.map, nothing else. */
  taskRoot: string;
  runtimeScript: string;
}

/** What one invocation returned and printed. */
export interface LambdaInvocation<T> {
  result?: T;
  error?: { errorType: string; errorMessage: string };
  /** Every stdout line but the result (log lines, EMF lines). */
  stdoutLines: string[];
  stderr: string;
}

/** Copies `bundleDir/index.mjs` (+ map) alone into a fresh task root and writes the runtime script beside it (not in it). */
export function layOutLambdaTask(name: string, bundleDir: string): LambdaTask {
  const root = mkdtempSync(path.join(tmpdir(), `arbfleet-lambda-${name}-`));
  const taskRoot = path.join(root, 'var-task');
  const runtimeDir = path.join(root, 'runtime');
  mkdirSync(taskRoot);
  mkdirSync(runtimeDir);
  for (const file of ['index.mjs', 'index.mjs.map'])
    if (existsSync(path.join(bundleDir, file))) copyFileSync(path.join(bundleDir, file), path.join(taskRoot, file));
  const runtimeScript = path.join(runtimeDir, 'runtime.mjs');
  writeFileSync(runtimeScript, RUNTIME);
  return { name, taskRoot, runtimeScript };
}

/**
 * Invokes the task's handler with `event` in a fresh Node process whose environment is exactly
 * `environment` (plus PATH and Lambda's own variables): nothing leaks in from the test process.
 */
export function invokeLambda<T>(task: LambdaTask, event: unknown, environment: Record<string, string>, timeoutMs = 30_000): Promise<LambdaInvocation<T>> {
  const child = spawn(process.execPath, [task.runtimeScript, path.join(task.taskRoot, 'index.mjs')], {
    cwd: task.taskRoot,
    env: {
      PATH: process.env.PATH ?? '',
      LAMBDA_TASK_ROOT: task.taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: task.name,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      ARBFLEET_TEST_TIMEOUT_MS: String(timeoutMs),
      ...environment,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(JSON.stringify(event));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // 'close': all its output read, not only exited
      clearTimeout(timer);
      const lines = out.split('\n');
      const resultLine = lines.find((l) => l.startsWith(RESULT_MARKER));
      if (!resultLine) {
        reject(new Error(`${task.name} bundle: no result (exit ${code ?? signal})\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`));
        return;
      }
      const outcome = JSON.parse(resultLine.slice(RESULT_MARKER.length)) as Pick<LambdaInvocation<T>, 'result' | 'error'>;
      resolve({ ...outcome, stdoutLines: lines.filter((l) => l.trim() !== '' && !l.startsWith(RESULT_MARKER)), stderr: err });
    });
  });
}
