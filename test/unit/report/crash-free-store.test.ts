/**
 * The report's Crash-free row does not blame the engines for a busy or unreachable store: a
 * `STORE_UNAVAILABLE` restart is said in the row's result and never counted as a crash.
 */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../core/report/build-report.js';
import { campaignRun } from './report-fixtures.js';

function crashFree(run: ReturnType<typeof campaignRun>) {
  return buildReport(run).acceptance.find((a) => a.id === 'no-unhandled-exception');
}

describe('Crash-free and a store that was unavailable', () => {
  it('passes with store outages only, naming them', () => {
    const run = campaignRun({
      restarts: [
        { shard: 0, cause: 'STORE_UNAVAILABLE', atSec: 200, downSec: 10 },
        { shard: 1, cause: 'STORE_UNAVAILABLE', atSec: 201, downSec: 10 },
      ],
    });
    expect(crashFree(run)).toMatchObject({
      pass: true,
      result: '0 crashes; 2 restart(s) for the store being unavailable (STORE_UNAVAILABLE), not counted as crashes',
    });
  });

  it('still fails on a crash beside them, counting only the crash', () => {
    const run = campaignRun({
      restarts: [
        { shard: 0, cause: 'STORE_UNAVAILABLE', atSec: 200, downSec: 10 },
        { shard: 1, cause: 'CRASHED', atSec: 300, downSec: 10 },
      ],
    });
    expect(crashFree(run)).toMatchObject({
      pass: false,
      result: '1 crash (CRASHED ×1); restart causes are listed below; 1 restart(s) for the store being unavailable (STORE_UNAVAILABLE), not counted as crashes',
    });
  });
});
