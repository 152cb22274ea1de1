import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignStore } from '../core/ports.js';
import { buildReport, loadReportInput } from '../core/report/build-report.js';
import type { CampaignReport } from '../core/report/report-schema.js';
import { renderHtml } from '../core/report/render-html.js';
import { renderMarkdown } from '../core/report/render-markdown.js';

/** The files a campaign's report is made of, in its run folder. */
export interface ReportFiles {
  report: CampaignReport;
  json: string;
  markdown: string;
  html: string;
  events: string;
}

/** Builds the report from the store and writes report.json, report.md, report.html and events.jsonl. */
export async function writeReportFiles(store: CampaignStore, campaignId: string, outDir: string, now: number): Promise<ReportFiles> {
  mkdirSync(outDir, { recursive: true });
  const report = buildReport(await loadReportInput(store, campaignId, now));
  const files = {
    json: join(outDir, 'report.json'),
    markdown: join(outDir, 'report.md'),
    html: join(outDir, 'report.html'),
    events: join(outDir, 'events.jsonl'),
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.html, renderHtml(report));
  const events = await store.listEvents(campaignId);
  writeFileSync(files.events, events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : ''));
  return { report, ...files };
}
