/**
 * The memory guard on the engine: the agent reads its process group's resident memory at every
 * heartbeat, heartbeats it as the task's `rssBytes` (the watchdog's recycle rule reads it), and kills
 * the group when it passes the task's memory. A real child (the fake engine), the agent in process,
 * its memory probe given.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { MemoryShardLedger } from '../../core/local/memory-shard-persistence.js';
import { TaskAgent } from '../../engine-task/src/agent/task-agent.js';
import { groupRssBytes } from '../../engine-task/src/agent/group-memory.js';
import { testCampaign } from '../support/campaigns.js';
import { FAKE_ENGINE } from './agent-task-support.js';

const MiB = 2 ** 20;

function agentWith(memory: (pgid: number) => number, ledger: MemoryShardLedger): TaskAgent {
  const campaign = testCampaign({ task: { cpu: 256, memoryMiB: 512 }, watchdog: { heartbeatInterval: 0.25, staleAfter: 2 } });
  return new TaskAgent({
    command: [process.execPath, FAKE_ENGINE],
    env: { FAKE_ENGINE: 'until-stop' },
    persistence: ledger.forTask({ campaignId: 'c-mem', shardId: 'shard-000' }, 0),
    campaign,
    shardIndex: 0,
    symbols: ['BTC', 'ETH'],
    mode: 'real',
    log: silentLogger,
    memory,
    writeLog: () => undefined,
  });
}

describe('the memory guard on an engine behind the agent', () => {
  it("reads the engine group's real resident memory into the heartbeat's rssBytes", async () => {
    const ledger = new MemoryShardLedger();
    // The first non-zero read once the engine has said hello (a stop before it kills the engine: not
    // this test's case); a read after the stop may find the engine gone (a zombie's memory is 0).
    let seen = 0;
    const saidHello = () => ledger.heartbeats({ campaignId: 'c-mem', shardId: 'shard-000' }).some((b) => b.progress.engine !== undefined);
    const agent = agentWith((pgid) => {
      const read = groupRssBytes(pgid);
      if (read > 0 && seen === 0 && saidHello()) {
        seen = read;
        setImmediate(() => agent.stop('SIGTERM'));
      }
      return read;
    }, ledger);
    const outcome = await agent.run();
    expect(outcome.end).toBe('stopped');
    expect(seen).toBeGreaterThan(10 * MiB); // a Node process
    const beats = ledger.heartbeats({ campaignId: 'c-mem', shardId: 'shard-000' });
    expect(beats.some((b) => b.progress.rssBytes === seen)).toBe(true);
  });

  it("kills the engine's group when its memory passes the task's (task.memoryMiB) and ends out-of-memory, exit 1", async () => {
    const ledger = new MemoryShardLedger();
    const outcome = await agentWith(() => 513 * MiB, ledger).run();
    expect(outcome).toMatchObject({ end: 'out-of-memory', exitCode: 1, reason: "engine resident memory 513 MiB is over the task's 512 MiB (task.memoryMiB)" });
  });
});
