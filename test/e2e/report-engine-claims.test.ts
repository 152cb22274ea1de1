/**
 * A real command engine that overstates its trades, and the report built from what the agent
 * stored: the fake engine of `task-agent.test.ts` (`FAKE_ENGINE=good`) commits three opening trades
 * whose fills carry no quote times, and its `progress` claims one trade more than it committed
 * (it says `trades: counter`, docs/task-protocol.md lets it say anything). The agent passes the
 * claim on in its heartbeats; the report must show the ledger's three, fail "Ledger exact" on the
 * claim, and fail "No entry on a stale quote" as not judged rather than pass fills it cannot age.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport, loadReportInput } from '../../core/report/build-report.js';
import { renderMarkdown } from '../../core/report/render-markdown.js';
import { startAgentTask } from './agent-task-support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the report of a command engine whose progress claims more than it committed', () => {
  it("shows the ledger's trades, fails the ledger row on the engine's claim, and does not pass entries without quote times", async () => {
    const task = await startAgentTask('good');
    dirs.push(task.dir);
    expect(await task.process.exited, task.process.stderr()).toEqual({ code: 0, signal: null });
    const input = await loadReportInput(task.store, task.key.campaignId, Date.now());
    task.store.close();
    // The engine ended done (feed-done in its final heartbeat): the fleet records the shard COMPLETED.
    for (const s of input.shards) s.status = 'COMPLETED';
    const claimed = input.heartbeats['shard-000']?.at(-1)?.progress;
    expect(claimed).toMatchObject({ trades: 4, tradesClosed: 0, feedDone: true });

    const report = buildReport(input);

    expect(report.totals).toMatchObject({ trades: 3, tradesClosed: 0, fillsA: 3, fillsB: 3 });
    const ledgerRow = report.acceptance.find((a) => a.id === 'ledger-exact');
    expect(ledgerRow).toMatchObject({ pass: false });
    expect(ledgerRow?.result).toContain('trades claimed beyond the ledger: shard-000 engine-reported 4 opened / 0 closed, the ledger holds 3 / 0');
    const staleRow = report.trading?.acceptance.find((a) => a.id === 'no-stale-entry');
    expect(staleRow).toMatchObject({ pass: false });
    expect(staleRow?.result).toContain('0 of 3 entries fresh; not judged: 3 of 3 entries carried no quote times');
    expect(renderMarkdown(report)).toContain('- Trades (ledger): 3 opened, 0 closed; fills A 3, B 3\n');
  }, 60_000);
});
