/**
 * The `CampaignStore` and `ShardPersistence` contracts against DynamoDbCampaignStore, over the wire
 * (moto's server, LocalStack, or the endpoint in AWS_ENDPOINT_URL). Every store gets tables of
 * its own prefix, so each test starts from empty tables.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { ledgerItem } from '../../../core/aws/dynamodb-commit.js';
import { tableNames } from '../../../core/aws/table-design.js';
import { DynamoDbCampaignStore } from '../../../core/aws/dynamodb-campaign-store.js';
import { createTables, deleteTables } from '../../../core/aws/dynamodb-tables.js';
import { VirtualClock } from '../../../core/clock.js';
import { describeCampaignStoreContract } from '../../contract/campaign-store.contract.js';
import { describeShardPersistenceContract, storeBackedHarness } from '../../contract/shard-persistence.contract.js';

const clients = new AwsClients();
const run = randomUUID().slice(0, 8);
let tableSets = 0;

afterAll(() => clients.destroy());

/** A store on freshly created tables; cleanup deletes them. */
async function openFreshStore(): Promise<{ store: DynamoDbCampaignStore; clock: VirtualClock; prefix: string; cleanup(): Promise<void> }> {
  const prefix = `arbfleet-${run}-${tableSets++}-`;
  await createTables(clients, prefix);
  const clock = new VirtualClock();
  return {
    store: new DynamoDbCampaignStore({ clients, tablePrefix: prefix, clock }),
    clock,
    prefix,
    cleanup: () => deleteTables(clients, prefix),
  };
}

// moto does not isolate concurrent conditional writes (see CampaignStoreContractOptions); DynamoDB and LocalStack do.
describeCampaignStoreContract('DynamoDbCampaignStore', openFreshStore, { isolatesConcurrentWrites: !inject('awsEmulatorIsMoto') });

describeShardPersistenceContract(
  'DynamoDbCampaignStore.forTask',
  async () => {
    const { store, cleanup, prefix } = await openFreshStore();
    // The items a split commit's first part writes (dynamodb-commit.ts), its head never written.
    return storeBackedHarness(store, cleanup, async (key, generation, fills, writer) => {
      for (const fill of fills)
        await clients.documents.send(new PutCommand({ TableName: tableNames(prefix).ledger, Item: ledgerItem(key, fill, generation, writer) }));
    });
  },
  { recordsFillWriters: true, validatesFills: true },
);
