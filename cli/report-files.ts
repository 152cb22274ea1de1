import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReport, loadReportInput, type ReportSource } from '../core/report/build-report.js';
import type { CampaignReport } from '../core/report/report-schema.js';
import { renderHtml } from '../core/report/render-html.js';
import { renderMarkdown } from '../core/report/render-markdown.js';
import { makeFolder } from '../core/local/make-folder.js';

/** The files a campaign's report is made of, in its run folder. */
export interface ReportFiles {
  report: CampaignReport;
  json: string;
  markdown: string;
  html: string;
  events: string;
}

/**
 * Builds the report from the store and writes report.json, report.md, report.html and events.jsonl.
 * Each file is written on libuv's threads while the next one is rendered (report.json is 2.9 MB for
 * 3 months of 5-minute candles); every write has finished when this settles, and the first that
 * failed is thrown (after the others finished).
 */
export async function writeReportFiles(store: ReportSource, campaignId: string, outDir: string, now: number): Promise<ReportFiles> {
  makeFolder(outDir);
  const report = buildReport(await loadReportInput(store, campaignId, now));
  const files = {
    json: join(outDir, 'report.json'),
    markdown: join(outDir, 'report.md'),
    html: join(outDir, 'report.html'),
    events: join(outDir, 'events.jsonl'),
  };
  const writes: Promise<void>[] = [];
  const write = (path: string, text: string) => {
    const written = writeFile(path, text);
    written.catch(() => {}); // handled below, once every write has settled: not an unhandled rejection meanwhile
    writes.push(written);
  };
  try {
    write(files.json, `${JSON.stringify(report, null, 2)}\n`);
    write(files.markdown, renderMarkdown(report));
    write(files.html, renderHtml(report));
    const events = await store.listEvents(campaignId);
    write(files.events, events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : ''));
  } finally {
    await Promise.allSettled(writes);
  }
  await Promise.all(writes);
  return { report, ...files };
}
