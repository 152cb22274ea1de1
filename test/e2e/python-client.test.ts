import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * The Python client's own suite (`clients/python/tests`, pytest) and the example engine's
 * (`examples/python-engine/tests`: bad input, the seed's faults, FX without look-ahead), run by
 * `npm test`: pytest and jsonschema come from `scripts/python-tools.sh`'s pins (the project's one
 * virtualenv, `.venv/`); the client's suite checks every message it writes against the JSON Schemas
 * in `docs/task-protocol/`. On failure pytest's own report is the assertion message.
 */
describe('the Python client (clients/python) and the example engine (examples/python-engine)', () => {
  it('pass their pytest suites', async () => {
    const { stdout: binDir } = await run('bash', [join(REPO_ROOT, 'scripts', 'python-tools.sh')], { cwd: REPO_ROOT, timeout: 300_000 });
    const python = join(binDir.trim(), 'python');
    const outcome = await run(python, ['-m', 'pytest', 'clients/python/tests', 'examples/python-engine/tests', '-q', '-p', 'no:cacheprovider'], {
      cwd: REPO_ROOT,
      timeout: 400_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(outcome.code, outcome.output).toBe(0);
    expect(outcome.output).toMatch(/\d+ passed/);
  }, 720_000);
});
