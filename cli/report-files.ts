import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReport, loadReportInput, type ReportSource } from '../core/report/build-report.js';
import type { CampaignReport } from '../core/report/report-schema.js';
import { renderHtml } from '../core/report/render-html.js';
import { renderMarkdown } from '../core/report/render-markdown.js';
import { makeFolder } from '../core/local/make-folder.js';
import type { CampaignConfig } from '../core/config/campaign-config.js';
import { readReplayExtent, type ReplayExtent } from '../core/data/replay-extent.js';

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
 * A replay campaign's recorded files are read for where their data ends (`readReplayExtent`, unless
 * `read.replayExtent` gives it): the evidence an engine's feed-done is judged against.
 * Each file is written aside (`<name>.<pid>.partial`) on libuv's threads while the next one is
 * rendered (report.json is 2.9 MB for 3 months of 5-minute candles), then renamed over its name once
 * every write has finished, report.json last: a reader (a dashboard, `serve`'s `hasFinalReport`, an
 * operator's `tail`) never sees a half-written file, a crash mid-write leaves the previous version
 * whole, and a new report.json in the folder means the other three new files are already there.
 * The first write or rename that failed is thrown after the others were renamed (the aside files of
 * the failed ones removed); when a renderer throws, nothing is renamed.
 */
export async function writeReportFiles(
  store: ReportSource,
  campaignId: string,
  outDir: string,
  now: number,
  read: { replayExtent?: ReplayExtent | undefined } = {},
): Promise<ReportFiles> {
  makeFolder(outDir);
  const input = await loadReportInput(store, campaignId, now);
  // The data's end, against which an engine's feed-done is judged: read from the files unless the caller read it already.
  const replayExtent =
    'replayExtent' in read
      ? read.replayExtent
      : readReplayExtent(input.campaign.config as unknown as CampaignConfig, { unchangedSince: input.campaign.createdAt });
  if (replayExtent !== undefined) input.replayExtent = replayExtent;
  const report = buildReport(input);
  const files = {
    json: join(outDir, 'report.json'),
    markdown: join(outDir, 'report.md'),
    html: join(outDir, 'report.html'),
    events: join(outDir, 'events.jsonl'),
  };
  const writes = new Map<string, Promise<void>>();
  const write = (path: string, text: string) => {
    const written = writeFile(aside(path), text);
    written.catch(() => {}); // handled below, once every write has settled: not an unhandled rejection meanwhile
    writes.set(path, written);
  };
  try {
    write(files.json, `${JSON.stringify(report, null, 2)}\n`);
    write(files.markdown, renderMarkdown(report));
    write(files.html, renderHtml(report));
    const { events } = input; // the events the report was built from: events.jsonl and the report agree
    write(files.events, events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : ''));
  } catch (error) {
    // A renderer that threw: nothing is renamed, the folder keeps its previous report whole.
    await Promise.allSettled(writes.values());
    await Promise.all([...writes.keys()].map((path) => rm(aside(path), { force: true }).catch(() => {})));
    throw error;
  }
  await Promise.allSettled(writes.values());
  let failure: unknown;
  for (const path of [files.markdown, files.html, files.events, files.json]) {
    const written = writes.get(path) as Promise<void>;
    try {
      await written;
      await rename(aside(path), path);
    } catch (error) {
      failure ??= error;
      await rm(aside(path), { force: true }).catch(() => {});
    }
  }
  if (failure !== undefined) throw failure;
  return { report, ...files };
}

/** Where `path` is written before it is renamed over its name (one per process: two writers never share one). */
function aside(path: string): string {
  return `${path}.${process.pid}.partial`;
}
