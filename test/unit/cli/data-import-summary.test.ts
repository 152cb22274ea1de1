import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../../cli/data-command.js';
import { importRecorded } from '../../../core/data/importer.js';

const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'arbfleet-import-summary-'));

describe("arbfleet data import's summary", () => {
  it('judges the real daily USD/KRW series by weekdays without a fixing, not by 60 s gaps (its 3,806 fixings have no weekday missing)', async () => {
    const summary = await importRecorded({
      spec: { format: 'fx-daily', venue: 'fx', tz: 'UTC' },
      files: [`${REAL}USD-KRW-daily.csv`],
      out: join(dir, 'fx.csv'),
      gapMs: 60_000,
    });
    const text = renderSummary(summary);
    expect(text).toContain('venue FX: 3,806 rows, 2011-01-04T00:00:00.000Z → 2025-08-02T00:00:00.000Z; gaps (weekdays without a fixing): 0\n');
    expect(text).not.toMatch(/gap 20\d\d-/);
    expect(text).toContain('note: gaps are weekdays (Mon–Fri) with no fixing');
  });

  it('names the weekdays a listed fx-daily gap is missing', async () => {
    const text = renderSummary({
      format: 'fx-daily',
      files: ['fx.csv'],
      out: 'out.csv',
      rowsRead: 2,
      rowsWritten: 2,
      skipped: {},
      reordered: 0,
      problems: [],
      unmapped: {},
      venues: { FX: { rows: 2, gapRule: 'weekdays', gaps: 1, longestGapMs: 172_800_000, firstGaps: [{ from: 0, to: 172_800_000, missingWeekdays: 1 }] } },
      gapBoundMs: 60_000,
      notes: [],
    });
    expect(text).toContain(
      'gaps (weekdays without a fixing): 1 (longest 172800s)\n  gap 1970-01-01T00:00:00.000Z → 1970-01-03T00:00:00.000Z (172800s; 1 weekday(s) without a fixing)',
    );
  });
});
