/**
 * The run folder's report files (`cli/report-files.ts`): written while the next one renders, each
 * whole once `writeReportFiles` settles, never seen half-written by another process (report.json
 * appearing last), and a write that fails is thrown, not lost.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../../cli/report-files.js';
import type { ReportInput, ReportSource } from '../../../core/report/build-report.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
import { buildReport } from '../../../core/report/build-report.js';
import { campaignRun } from '../report/report-fixtures.js';

/** A healthy run of the report fixtures, with two lifecycle events. */
function run(): ReportInput {
  const input = campaignRun();
  const { campaignId } = input.campaign;
  input.events = [
    { at: input.now - 2_000, campaignId, type: 'campaign-status', from: 'PENDING', to: 'RUNNING' },
    { at: input.now - 1_000, campaignId, shardId: 'shard-000', type: 'shard-status', to: 'COMPLETED' },
  ];
  return input;
}

/** The reads of a store holding `input`. */
function sourceOf(input: ReportInput): ReportSource {
  return {
    getCampaign: async () => input.campaign,
    listShards: async () => input.shards,
    listEvents: async () => input.events,
    readHeartbeats: async (key) => input.heartbeats[key.shardId] ?? [],
    readLedger: async (key) => input.ledgers[key.shardId] ?? [],
    readCheckpoint: async (key) => input.checkpoints[key.shardId],
  };
}

describe('writeReportFiles', () => {
  let dir = '';
  let stopWatcher = () => {};
  afterEach(() => {
    stopWatcher(); // a test that failed midway leaves no reader spinning
    stopWatcher = () => {};
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes report.json, report.md, report.html and events.jsonl whole, each what its renderer gives', async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-report-files-'));
    const input = run();
    const files = await writeReportFiles(sourceOf(input), input.campaign.campaignId, dir, input.now);
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(files.report)));
    expect(readFileSync(files.markdown, 'utf8')).toBe(renderMarkdown(files.report));
    expect(readFileSync(files.html, 'utf8')).toBe(renderHtml(files.report));
    expect(
      readFileSync(files.events, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(JSON.parse(JSON.stringify(input.events)));
  });

  it('throws a write that failed, naming the file, once the other files are written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-report-files-'));
    const input = run();
    mkdirSync(join(dir, 'report.html')); // a folder where the page goes: its write fails
    await expect(writeReportFiles(sourceOf(input), input.campaign.campaignId, dir, input.now)).rejects.toThrow(/EISDIR.*report\.html/);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).campaign.id).toBe(input.campaign.campaignId);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(input.campaign.name);
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  it('is never seen half-written by another process, and report.json appears only after the other three', async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-report-files-'));
    const input = run();
    const { campaignId } = input.campaign;
    // About 5 MB of events: Node writes a file in 512 KiB pieces, so a file written in place is seen growing.
    input.events = Array.from(
      { length: 40_000 },
      (_, i) => ({ at: input.now - 40_000 + i, campaignId, type: 'note', message: `event ${i} ${'x'.repeat(60)}` }) as never,
    );
    const names = ['report.json', 'report.md', 'report.html', 'events.jsonl'];
    const stop = join(dir, 'stop');
    // A reader in another process: the sizes of the four files as it finds them, each distinct set of sizes once.
    const watcher = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const p = require('node:path');
         const [dir, stop, ...names] = process.argv.slice(1); const seen = new Set();
         process.stdout.write('ready\\n');
         const deadline = Date.now() + 30000; // never outlives a test that failed before writing the stop file
         while (!fs.existsSync(stop) && Date.now() < deadline) {
           seen.add(names.map((n) => { try { return fs.statSync(p.join(dir, n)).size; } catch { return -1; } }).join(','));
         }
         process.stdout.write(JSON.stringify([...seen]));`,
        dir,
        stop,
        ...names,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    watcher.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const closed = new Promise((resolve) => watcher.on('close', resolve));
    stopWatcher = () => watcher.kill('SIGKILL');
    while (!out.startsWith('ready')) await new Promise((resolve) => setTimeout(resolve, 10));

    await writeReportFiles(sourceOf(input), campaignId, dir, input.now);
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(stop, '');
    await closed;

    const final = names.map((n) => statSync(join(dir, n)).size);
    expect(final[3]).toBeGreaterThan(4_000_000);
    const snapshots = JSON.parse(out.slice('ready\n'.length)) as string[];
    for (const snapshot of snapshots) {
      const sizes = snapshot.split(',').map(Number);
      // Each file missing or whole; report.json only beside the other three whole.
      for (const [i, size] of sizes.entries()) expect([-1, final[i]], `${names[i]} seen at ${size} bytes of ${final[i]}`).toContain(size);
      if (sizes[0] !== -1) expect(sizes, 'report.json seen before the other files were whole').toEqual(final);
    }
    expect(snapshots.length).toBeGreaterThan(1); // the reader saw the folder before and after
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('leaves the previous report.json whole, not truncated, when the new one cannot be written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'arbfleet-report-files-'));
    const input = run();
    const previous = '{"campaign":{"status":"RUNNING"}}\n';
    writeFileSync(join(dir, 'report.json'), previous);
    mkdirSync(join(dir, `report.json.${process.pid}.partial`)); // its write fails (EISDIR), as a full disk's would mid-file
    await expect(writeReportFiles(sourceOf(input), input.campaign.campaignId, dir, input.now)).rejects.toThrow(/EISDIR/);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe(previous);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(renderMarkdown(buildReport(input)));
  });
});
