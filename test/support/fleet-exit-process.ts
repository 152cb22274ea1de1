/**
 * A local control plane that dies of an uncaught error while its engines run, as a real process
 * (for `test/e2e/cli-signals.test.ts`). Usage: `fleet-exit-process.ts RUN_DIR`. It arms
 * `LocalFleet.stopTasksAtExit` as `arbfleet run` does, starts a two-shard campaign, prints
 * `engines <pid> <pid>` once both shards run with heartbeats, then throws.
 */
import { silentLogger } from '../../core/log.js';
import { LocalFleet } from '../../cli/local-fleet.js';
import { campaignInput } from './campaigns.js';

const runDir = process.argv[2];
if (runDir === undefined) throw new Error('usage: fleet-exit-process.ts RUN_DIR');
const fleet = new LocalFleet({ runDir, log: silentLogger });
fleet.stopTasksAtExit('the control plane exited');
fleet.start();
const { view } = await fleet.campaigns.createCampaign(
  campaignInput({
    name: 'exit-with-engines',
    sharding: { symbolsPerShard: 2 },
    duration: '60s',
    feed: { kind: 'synthetic', seed: 5, ticksPerSecond: 20 },
    watchdog: { heartbeatInterval: '0.5s', staleAfter: '5s' },
  }),
);
for (;;) {
  const shards = await fleet.store.listShards(view.campaign.campaignId);
  if (shards.length === 2 && shards.every((s) => s.status === 'RUNNING' && s.heartbeat)) {
    process.stdout.write(`engines ${shards.map((s) => s.taskId).join(' ')}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
throw new Error('the control plane fails with its engines running');
