import { statSync } from 'node:fs';
import type { CampaignConfig } from '../config/campaign-config.js';
import { ValidationError, type FieldIssue } from '../errors.js';
import { SourceReader, type SourceSpec } from './source-reader.js';

/** Updates read from each replay source when a campaign is created. */
export const CHECKED_UPDATES = 200;

/**
 * The control plane's check of a replay campaign's recorded files, when it is created (a 400 or
 * exit 2 naming file:line, not shards failing one by one later): each source is opened and its
 * header and first `CHECKED_UPDATES` updates read through its format. Refused: a missing or
 * unreadable file, a header or format that cannot be read, a timestamp whose unit or zone cannot
 * be trusted, a source whose first lines hold no update at all. Skipped lines further in are the
 * replay's to count. Returns the issues (empty when every source reads), fields named like
 * `feed.path` or `feed.sources[1].path` (the paths the config's own issues use, so a file's line can be found).
 */
export function replaySourceIssues(config: CampaignConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const { field, spec } of replaySourcesOf(config)) {
    const message = sourceProblem(spec);
    if (message !== undefined) issues.push({ path: field, message });
  }
  return issues;
}

/**
 * A replay campaign's recorded files as its engines read them (`SourceSpec`, the config's field
 * naming each: `feed.path` or `feed.sources[i].path`); empty for any other feed.
 */
export function replaySourcesOf(config: CampaignConfig): { field: string; spec: SourceSpec }[] {
  const feed = config.feed;
  if (feed.kind !== 'replay') return [];
  const quotes = { a: config.venues.a.quoteCurrency, b: config.venues.b.quoteCurrency };
  const sources: { field: string; spec: SourceSpec }[] =
    feed.path !== undefined
      ? [{ field: 'feed.path', spec: { path: feed.path, format: 'canonical', quotes, ...(feed.format !== undefined ? { shape: feed.format } : {}) } }]
      : (feed.sources ?? []).map((s, i) => ({
          field: `feed.sources[${i}].path`,
          spec: {
            path: s.path,
            format: s.format,
            venue: s.venue,
            quotes,
            timeUnit: s.timeUnit,
            ...(s.symbolMap !== undefined ? { symbolMap: s.symbolMap } : {}),
            ...(s.tz !== undefined ? { tz: s.tz } : {}),
            ...(s.halfSpreadBps !== undefined ? { halfSpreadBps: s.halfSpreadBps } : {}),
          },
        }));
  return sources;
}

/**
 * Verdicts of `sourceProblem` already reached in this process, by spec and the file as it was
 * (device, inode, size, modification time): `arbfleet run` checks its config's sources before
 * making its run folder and its campaign's admission checks them again (10–18 ms each on the
 * 5-minute candles, issue 19); a file changed since is read again. At most `CHECKED_KEPT` kept.
 */
const checked = new Map<string, string | undefined>();
const CHECKED_KEPT = 64;

function sourceProblem(spec: SourceSpec): string | undefined {
  // Before the reader, whose format checks (a symbol map for a file named after no market, …) would
  // otherwise speak of a file that is not there.
  const file = statSync(spec.path, { throwIfNoEntry: false });
  if (file === undefined) return `${spec.path}: no such file`;
  const key = `${file.dev}:${file.ino}:${file.size}:${file.mtimeMs} ${JSON.stringify(spec)}`;
  if (checked.has(key)) return checked.get(key);
  const problem = readProblem(spec);
  if (checked.size >= CHECKED_KEPT) checked.clear();
  checked.set(key, problem);
  return problem;
}

function readProblem(spec: SourceSpec): string | undefined {
  let reader: SourceReader | undefined;
  try {
    // The head of a large gzip file is enough for the first updates; the whole file only when its head held none.
    reader = new SourceReader(spec, undefined, { head: true });
    let read = 0;
    while (read < CHECKED_UPDATES && reader.next()) read++;
    if (read === 0 && reader.truncated) {
      reader.close();
      reader = new SourceReader(spec);
      while (read < CHECKED_UPDATES && reader.next()) read++;
    }
    if (read > 0) return undefined;
    const first = reader.problems[0];
    if (first) return `${first.where}: no update could be read from the first lines (${first.reason}: ${first.detail})`;
    const unmapped = [...reader.unmapped().keys()];
    if (unmapped.length > 0) return `${spec.path}: no update could be read: symbols not mapped: ${unmapped.slice(0, 5).join(', ')} (give a symbolMap)`;
    return `${spec.path}: holds no updates`;
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  } finally {
    reader?.close();
  }
}
