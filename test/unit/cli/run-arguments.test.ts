/**
 * `arbfleet run` arguments that used to be taken without a word or answered without the file
 * (found trying arbfleet as a new user): CONFIG beside --resume was ignored (the folder's campaign
 * resumed, exit 0); a folder given as CONFIG ended with "EISDIR: illegal operation on a directory,
 * read" (exit 1, no path); a --chaos fault on a shard the campaign does not have, or after its end,
 * was never injected and the run passed as though it had been survived. Each is refused, exit 2,
 * before a run folder is made.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refuseUnreachableChaos } from '../../../cli/chaos-plan.js';
import { runCommand, type RunOptions } from '../../../cli/run-command.js';
import { serve } from '../../../cli/serve.js';
import { cliExitCodeFor, ValidationError } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';

const E2E = 'test/fixtures/fleet-e2e.yaml'; // 10 symbols, 5 a shard: shard-000 and shard-001, 30 s on the wall clock

/** What runCommand refused with, or undefined when it did not throw. */
async function refusal(config: string | undefined, options: Partial<RunOptions>): Promise<ValidationError> {
  const error = await runCommand(config, { dashboard: false, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect(cliExitCodeFor(error)).toBe(CLI_EXIT.BAD_INPUT);
  return error as ValidationError;
}

describe('arbfleet run: arguments refused before anything is written', () => {
  it('CONFIG beside --resume, leaving the run folder as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-resume-args-'));
    writeFileSync(join(dir, 'run.json'), `${JSON.stringify({ campaignId: 'c-earlier-000000', config: 'x.yaml', chaos: [] })}\n`);
    const error = await refusal(E2E, { resume: dir });
    expect(error.message).toBe(
      `CONFIG: not with --resume: the run folder's campaign is resumed as it was created (give --resume ${dir} alone, or CONFIG alone for a new run)`,
    );
    expect(readdirSync(dir)).toEqual(['run.json']);
  });

  it('a folder as CONFIG, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-config-dir-'));
    const out = join(dir, 'out');
    const error = await refusal(dir, { out });
    expect(error.message).toBe(`${dir}: is a folder: give a campaign config file (YAML or JSON)`);
    expect(existsSync(out)).toBe(false);
  });

  it('a file as --out, naming it (was EEXIST from mkdir, exit 1)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'arbfleet-out-file-')), 'taken');
    writeFileSync(file, 'not a folder\n');
    const error = await refusal(E2E, { out: file });
    expect(error.message).toBe(`${file}: --out: is a file, not a folder: give a folder for the run (made when missing)`);
  });

  it('a bad --store-fault-bound before the run folder is made (it left a run.json with no campaign)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'arbfleet-fault-bound-')), 'out');
    const error = await refusal(E2E, { out, storeFaultBound: 'xyz' });
    expect(error.message).toBe('--store-fault-bound: expected a duration from 1s to 1h such as 20s, got "xyz"');
    expect(existsSync(out)).toBe(false);
  });

  it("an --api-port something already listens on, before the run folder (or serve's data folder) is made", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const base = mkdtempSync(join(tmpdir(), 'arbfleet-busy-port-'));
      const out = join(base, 'out');
      const expected = `--api-port: 127.0.0.1:${port} cannot be listened on (EADDRINUSE: something already listens there, another arbfleet perhaps): give another port, or 0 for any free one`;
      expect((await refusal(E2E, { out, apiPort: String(port) })).message).toBe(expected);
      expect(existsSync(out)).toBe(false);
      const data = join(base, 'data');
      const served = await serve({ apiPort: String(port), data }, () => ({ log: () => undefined })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((served as Error).message).toBe(expected);
      expect(existsSync(data)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it("a --duration out of range names --duration, not the config file's duration line", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'arbfleet-duration-')), 'out');
    const error = await refusal(E2E, { out, duration: '1000h' });
    expect(error.message).toBe(
      '--duration: must be at most 720h (30 days) with clock: real (wall time), got 1000h; a backtest over recorded data takes clock: virtual (up to 3660 days)',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a --chaos fault on a shard the campaign does not have, or after its end', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'arbfleet-chaos-args-')), 'out');
    const noShard = await refusal(E2E, { out, chaos: 'kill:shard-000@5s,kill:shard-002@1s' });
    expect(noShard.message).toBe('--chaos[1]: no shard shard-002 in this campaign (2 shard(s): shard-000, shard-001)');
    const late = await refusal(E2E, { out, duration: '5s', chaos: 'freeze:shard-001@5s+2s' });
    expect(late.message).toBe("--chaos[0]: freeze at 5s comes at or after the campaign's end (duration 5s): it would never be injected");
    expect(existsSync(out)).toBe(false);
  });
});

describe('refuseUnreachableChaos', () => {
  const shards = ['shard-000', 'shard-001'];
  it('takes faults on the campaign’s shards before its end, and any time on virtual time', () => {
    expect(() => refuseUnreachableChaos([{ verb: 'kill', shardId: 'shard-001', atSec: 4.9 }], shards, 5)).not.toThrow();
    expect(() => refuseUnreachableChaos([{ verb: 'stall', shardId: 'shard-000', atSec: 3600 }], shards, undefined)).not.toThrow();
  });
  it('names every fault it refuses', () => {
    expect(() =>
      refuseUnreachableChaos(
        [
          { verb: 'kill', shardId: 'shard-9', atSec: 1 },
          { verb: 'exit', shardId: 'shard-000', atSec: 9 },
        ],
        shards,
        5,
      ),
    ).toThrow(
      "2 problems\n  - --chaos[0]: no shard shard-9 in this campaign (2 shard(s): shard-000, shard-001)\n  - --chaos[1]: exit at 9s comes at or after the campaign's end (duration 5s): it would never be injected",
    );
  });
});
