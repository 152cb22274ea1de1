import { MemoryShardLedger } from '../../core/local/memory-shard-persistence.js';
import { describeShardPersistenceContract } from './shard-persistence.contract.js';

describeShardPersistenceContract(
  'MemoryShardLedger',
  async () => {
    const ledger = new MemoryShardLedger();
    let shards = 0;
    return {
      async createShard(generation) {
        const key = { campaignId: 'c1', shardId: `shard-${shards++}` };
        ledger.supersede(key, generation);
        return key;
      },
      forTask: (key, generation, writer) => ledger.forTask(key, generation, writer),
      readLedger: async (key) => ledger.fills(key).map((f) => ({ ...f })),
      async supersede(key, generation) {
        ledger.supersede(key, generation);
      },
      async leaveUnfinishedCommit(key, generation, fills, writer) {
        ledger.writeUnfinishedCommit(key, generation, fills, writer);
      },
      async cleanup() {},
    };
  },
  { recordsFillWriters: true },
);
