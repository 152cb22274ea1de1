/**
 * The run folder's report files (`cli/report-files.ts`): written while the next one renders, each
 * whole once `writeReportFiles` settles, and a write that fails is thrown, not lost.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../../cli/report-files.js';
import type { ReportInput, ReportSource } from '../../../core/report/build-report.js';
import { renderHtml } from '../../../core/report/render-html.js';
import { renderMarkdown } from '../../../core/report/render-markdown.js';
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
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
});
