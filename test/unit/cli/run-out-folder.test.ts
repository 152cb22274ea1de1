/**
 * `arbfleet run --out DIR` where DIR holds another run (found trying arbfleet as a new user: the
 * quick start run twice into one folder replaced the first run's run.json, report, events.jsonl and
 * task logs, its trades no longer listed by `arbfleet trades`). Refused before anything is written.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../cli/run-command.js';
import { cliExitCodeFor, ValidationError } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';

describe('arbfleet run --out', () => {
  it('refuses a folder that holds another run, exit 2, naming it and leaving it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-used-out-'));
    const manifest = `${JSON.stringify({ campaignId: 'c-earlier-000000', config: 'x.yaml', chaos: [] })}\n`;
    writeFileSync(join(dir, 'run.json'), manifest);
    writeFileSync(join(dir, 'report.md'), '# the earlier report\n');
    const error = await runCommand('configs/quickstart-top10.yaml', { out: dir, dashboard: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      `${dir}: --out: already holds run c-earlier-000000 (run.json): give another --out, or remove that folder (arbfleet run --resume ${dir} picks up a run whose control plane was killed)`,
    );
    expect(cliExitCodeFor(error)).toBe(CLI_EXIT.BAD_INPUT);
    expect(readdirSync(dir).sort()).toEqual(['report.md', 'run.json']);
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe(manifest);
  });
});
