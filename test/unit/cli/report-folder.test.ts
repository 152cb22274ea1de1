/**
 * `arbfleet report` and `arbfleet trades` on the data folder of `arbfleet serve` (a `fleet.db`
 * holding many campaigns, no `run.json`): it said "not a run folder" (exit 2) whatever was asked.
 * Now the campaign is given with `--campaign` (refused, exit 2, listing the campaigns, when missing
 * or unknown), and its report is written where serve writes it, `<data>/campaigns/<id>/`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../../cli/run-command.js';
import { tradesCommand } from '../../../cli/trades-command.js';
import { VirtualClock } from '../../../core/clock.js';
import { cliExitCodeFor } from '../../../core/errors.js';
import { CLI_EXIT } from '../../../core/exit-codes.js';
import { SqliteCampaignStore } from '../../../core/local/sqlite-campaign-store.js';
import { newCampaign } from '../../contract/record-builders.js';

/** A serve-like data folder with campaigns c-one and c-two. */
async function serveFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-serve-data-'));
  const store = new SqliteCampaignStore(join(dir, 'fleet.db'), new VirtualClock());
  for (const id of ['c-one', 'c-two']) {
    const { campaign, shards } = newCampaign(id, 1);
    await store.createCampaign(campaign, shards);
  }
  store.close();
  return dir;
}

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('report and trades on a serve data folder', () => {
  it('without --campaign, or with one it does not hold: exit 2 listing the campaigns it holds', async () => {
    const dir = await serveFolder();
    for (const refusal of [await refusalOf(reportCommand(dir)), await refusalOf(tradesCommand(dir, {}, () => undefined))]) {
      expect(cliExitCodeFor(refusal)).toBe(CLI_EXIT.BAD_INPUT);
      expect(refusal?.message).toBe(`${dir}: --campaign: an arbfleet serve data folder: give the campaign (it holds c-one, c-two)`);
    }
    const unknown = await refusalOf(reportCommand(dir, { campaign: 'c-three' }));
    expect(cliExitCodeFor(unknown)).toBe(CLI_EXIT.BAD_INPUT);
    expect(unknown?.message).toBe(`${dir}: --campaign: no campaign c-three here (it holds c-one, c-two)`);
  });

  it('with --campaign: the report written to <data>/campaigns/<id>/, and the blotter read', async () => {
    const dir = await serveFolder();
    const printed: string[] = [];
    const said: string[] = [];
    const write = process.stdout.write;
    const writeErr = process.stderr.write;
    process.stdout.write = ((text: string) => printed.push(text) > 0) as typeof process.stdout.write;
    process.stderr.write = ((text: string) => said.push(text) > 0) as typeof process.stderr.write;
    try {
      expect(await reportCommand(dir, { campaign: 'c-two' })).toBe(CLI_EXIT.OK);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    // Its campaign has not ended (the builder's records are not terminal): said, so the report is not taken for the final one.
    const status = JSON.parse(readFileSync(join(dir, 'campaigns', 'c-two', 'report.json'), 'utf8')).campaign.status as string;
    expect(['COMPLETED', 'FAILED', 'CANCELLED']).not.toContain(status);
    expect(said.join('')).toBe(`arbfleet: campaign c-two is ${status}: this report is as of now, not its final one (its rows judge a run not yet ended)\n`);
    for (const file of ['report.md', 'report.html', 'report.json', 'events.jsonl']) expect(existsSync(join(dir, 'campaigns', 'c-two', file)), file).toBe(true);
    expect(printed.join('')).toContain(join(dir, 'campaigns', 'c-two', 'report.md'));
    let blotter = '';
    expect(await tradesCommand(dir, { campaign: 'c-one' }, (t) => (blotter += t))).toBe(CLI_EXIT.OK);
    expect(blotter).not.toBe('');
  });

  it('--campaign on a run folder of another campaign is refused; a folder with neither run.json nor fleet.db says so', async () => {
    const runDir = await serveFolder();
    writeFileSync(join(runDir, 'run.json'), `${JSON.stringify({ campaignId: 'c-one', config: 'x.yaml', chaos: [] })}\n`);
    const other = await refusalOf(reportCommand(runDir, { campaign: 'c-two' }));
    expect(other?.message).toBe(`${runDir}: --campaign: this run folder holds campaign c-one, not c-two`);
    const empty = mkdtempSync(join(tmpdir(), 'arbfleet-empty-'));
    const none = await refusalOf(reportCommand(empty));
    expect(cliExitCodeFor(none)).toBe(CLI_EXIT.BAD_INPUT);
    expect(none?.message).toContain('not a run folder (no run.json) nor a serve data folder (no fleet.db)');
  });
});
