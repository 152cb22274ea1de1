/**
 * The `ScheduleStore` contract and the exactly-once race against DynamoDbScheduleStore over the
 * wire (moto's server, LocalStack, or AWS_ENDPOINT_URL), on tables of its own prefix per test.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { AwsClients } from '../../../core/aws/aws-clients.js';
import { DynamoDbCampaignStore } from '../../../core/aws/dynamodb-campaign-store.js';
import { DynamoDbScheduleStore } from '../../../core/aws/dynamodb-schedule-store.js';
import { createTables, deleteTables } from '../../../core/aws/dynamodb-tables.js';
import { VirtualClock } from '../../../core/clock.js';
import { describeScheduleStoreContract } from '../../contract/schedule-store.contract.js';
import { joinStores } from '../../support/joined-stores.js';

const clients = new AwsClients();
const run = randomUUID().slice(0, 8);
let tableSets = 0;
afterAll(() => clients.destroy());

// moto does not isolate concurrent conditional writes (see CampaignStoreContractOptions); DynamoDB and LocalStack do.
describeScheduleStoreContract(
  'DynamoDbScheduleStore',
  async () => {
    const prefix = `arbfleet-${run}-s${tableSets++}-`;
    await createTables(clients, prefix);
    const clock = new VirtualClock();
    const options = { clients, tablePrefix: prefix, clock };
    const store = joinStores(new DynamoDbCampaignStore(options), new DynamoDbScheduleStore(options));
    return { store, clock, cleanup: () => deleteTables(clients, prefix) };
  },
  { isolatesConcurrentWrites: !inject('awsEmulatorIsMoto') },
);
