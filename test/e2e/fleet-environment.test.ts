/**
 * The machine under the local fleet fails, with real processes: the run folder's disk fills up
 * (a 1 MiB tmpfs, as `../shared/cases/README.md` reproduces it), the store's file is deleted under
 * a running campaign, Ctrl-C reaches the whole process group twice. The CLI must end every time,
 * say why, keep what report it can, and never log the same error four times a second.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { E2E_CONFIG, readReport, runFolder, startCli } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';

const mounts: string[] = [];

/**
 * A run folder on a tmpfs of `size` (root only: the tests and CI run as root), `taken` bytes of it
 * already used by a filler: the control plane checkpoints the store's WAL every second, so a run
 * alone keeps its store small and fills 1 MiB only past half a minute (this test's SIGTERM case
 * waited 60 s for it in vain); with 600 KB taken it fills within seconds.
 */
function tinyDisk(size = '1m', taken = 600_000): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-tiny-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  writeFileSync(join(dir, 'filler'), Buffer.alloc(taken));
  mkdirSync(join(dir, 'run'));
  return join(dir, 'run');
}

afterAll(() => {
  for (const dir of mounts) {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => / ERROR /.test(line));

describe('a full disk under the run folder', () => {
  it('fails the campaign after its bound, stops the engines, writes the report elsewhere and says where, with errors logged with backoff', async () => {
    const runDir = tinyDisk();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '120s', '--store-fault-bound', '8s']);
    const exit = await cli.exited;
    const stderr = cli.stderr();
    expect(exit.code, stderr.slice(-3000)).toBe(1);
    expect(stderr).toMatch(/FAILED: the store cannot be written for [89] s \(\d+ failed steps\): database or disk is full/);
    expect(stderr).toMatch(/could not write the report to .*: ENOSPC/);
    const fallback = /report as the store last recorded it.*\n\s+(\S+report\.md)/.exec(stderr)?.[1];
    expect(fallback, stderr.slice(-2000)).toBeDefined();
    expect(readFileSync(fallback as string, 'utf8')).toContain('fleet-e2e');
    // Several steps a second fail for 8 s: with backoff, a handful of lines, not forty.
    expect(errorLines(stderr).length).toBeLessThanOrEqual(8);
  }, 90_000);

  it('ends on SIGTERM at once when the stop cannot even be recorded', async () => {
    const runDir = tinyDisk();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '120s']);
    await waitFor('the disk to be full', () => (/database or disk is full/.test(cli.stderr()) ? true : undefined), 60_000);
    const signalledAt = Date.now();
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-2000)).toBe(1);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(cli.stderr()).toMatch(/FAILED: SIGTERM: the stop could not be recorded \(database or disk is full\)/);
  }, 90_000);
});

describe('the store replaced under a running campaign', () => {
  it('fails the campaign at once, naming the file, instead of completing over a database that no longer holds it', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s']);
    await waitFor('the campaign to start', () => (/shard launched.*shard-001/.test(cli.stderr()) ? true : undefined), 30_000);
    rmSync(join(runDir, 'fleet.db'));
    const exit = await cli.exited;
    expect(exit.code, cli.stderr().slice(-2000)).toBe(1);
    expect(cli.stderr()).toMatch(/FAILED: .*fleet\.db was deleted while the campaign ran on it/);
  }, 60_000);
});

describe('Ctrl-C pressed twice at the terminal (SIGINT to the whole process group, twice)', () => {
  it('stops the campaign once, gracefully: the engines finish with their summary and the report is written', async () => {
    const runDir = runFolder();
    const cli = startCli(['run', E2E_CONFIG, '--no-dashboard', '--out', runDir, '--duration', '60s'], {}, true);
    // Both engines up and trading (their health files written), so each has a summary to lose.
    await waitFor(
      'both engines to run',
      () => (['shard-000', 'shard-001'].every((s) => existsSync(join(runDir, 'tasks', `${s}.health.json`))) ? true : undefined),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const group = -(cli.child.pid as number);
    // The second Ctrl-C the moment the first is being handled (sent any sooner, the kernel may
    // merge the two into one pending SIGINT on a loaded machine).
    const second = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (!chunk.toString().includes('stopping the campaign')) return;
        cli.child.stderr?.off('data', onData);
        process.kill(group, 'SIGINT');
        resolve();
      };
      cli.child.stderr?.on('data', onData);
    });
    process.kill(group, 'SIGINT');
    await second;
    const exit = await cli.exited;
    const stderr = cli.stderr();
    expect(exit.code, stderr.slice(-2000)).toBe(0);
    expect(stderr).toMatch(/SIGINT ignored: the campaign is already stopping/);
    const report = readReport(runDir);
    expect(report.campaign.status).toBe('CANCELLED');
    expect(report.ledger).toMatchObject({ lost: 0, duplicated: 0 });
    for (const shard of ['shard-000', 'shard-001']) {
      const log = join(runDir, 'tasks', `${shard}.g0.log`);
      expect(existsSync(log)).toBe(true);
      expect(readFileSync(log, 'utf8'), `${shard}'s engine log`).toMatch(/summary/);
    }
  }, 60_000);
});
