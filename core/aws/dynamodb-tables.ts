/**
 * Creates the DynamoDB tables of `table-design.ts` through the API, for tests, LocalStack and
 * moto. The CDK stack declares the same tables from the same design; nothing here runs in a
 * deployed stack.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDbClients } from './dynamodb-client.js';
import { TABLES, type KeyAttribute, type TableDesign } from './table-design.js';

/** How often, and how many times, a new table's status is polled before giving up (60 s). */
const POLL_INTERVAL_MS = 250;
const MAX_POLLS = 240;

/**
 * Creates every table of `TABLES` as `<prefix><logicalName>`: on-demand billing, indexes that
 * project all attributes, TTL where the design names an attribute. Waits until each table and its
 * indexes are ACTIVE. Idempotent: a table that already exists is left as it is (its TTL is
 * enabled if it was not).
 */
export async function createTables(clients: DynamoDbClients, prefix: string): Promise<void> {
  await Promise.all(TABLES.map((design) => createTable(clients, `${prefix}${design.logicalName}`, design)));
}

/** Deletes the tables `createTables` made for `prefix` (tests against LocalStack or real AWS clean up with it). */
export async function deleteTables(clients: DynamoDbClients, prefix: string): Promise<void> {
  await Promise.all(
    TABLES.map(async (design) => {
      try {
        await clients.documents.send(new DeleteTableCommand({ TableName: `${prefix}${design.logicalName}` }));
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') throw error;
      }
    }),
  );
}

/** The CreateTable request for one table of the design. */
export function createTableInput(tableName: string, design: TableDesign): CreateTableCommandInput {
  const keyAttributes = [design.partitionKey, design.sortKey, ...design.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const definitions = new Map<string, AttributeDefinition>();
  for (const attribute of keyAttributes) {
    if (attribute) definitions.set(attribute.name, { AttributeName: attribute.name, AttributeType: attribute.type });
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...definitions.values()],
    KeySchema: keySchema(design.partitionKey, design.sortKey),
    ...(design.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: design.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

async function createTable(clients: DynamoDbClients, tableName: string, design: TableDesign): Promise<void> {
  try {
    await clients.documents.send(new CreateTableCommand(createTableInput(tableName, design)));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitUntilActive(clients, tableName);
  if (design.ttlAttribute) await enableTtl(clients, tableName, design.ttlAttribute);
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): KeySchemaElement[] {
  return [{ AttributeName: partitionKey.name, KeyType: 'HASH' }, ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : [])];
}

/** Polls until the table and every index on it are ACTIVE (a table being created answers CREATING). */
async function waitUntilActive(clients: DynamoDbClients, tableName: string): Promise<void> {
  let status = 'unknown';
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const { Table } = await clients.documents.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    status = `${Table?.TableStatus}${indexes.map((index) => `, index ${index.IndexName} ${index.IndexStatus}`).join('')}`;
    if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === undefined || index.IndexStatus === 'ACTIVE')) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`DynamoDB table ${tableName} is not ACTIVE after ${(MAX_POLLS * POLL_INTERVAL_MS) / 1000} s (last status: ${status})`);
}

/** Turns TTL on, unless it is on already (asking twice is an error on real DynamoDB). */
async function enableTtl(clients: DynamoDbClients, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription } = await clients.documents.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && TimeToLiveDescription?.AttributeName === attribute) return;
  await clients.documents.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }));
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
