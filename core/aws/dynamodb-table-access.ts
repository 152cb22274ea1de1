import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { parseStoredRecord, versionConflict } from '../model/record-codec.js';
import type { DynamoDbClients } from './dynamodb-client.js';
import { cancellationCodes, type TransactItem } from './dynamodb-commit.js';
import { isConditionalCheckFailed, versionedUpdate, type Changes, type Item } from './dynamodb-expressions.js';
import { LIVE_BUCKET, tableNames } from './table-design.js';

/** Attempts of a transaction cancelled only by `TransactionConflict` (another transaction on the same item). */
const TRANSACTION_ATTEMPTS = 5;
/** Rounds of BatchWriteItem for the items DynamoDB left unprocessed (throttling). */
const BATCH_WRITE_ROUNDS = 8;

/**
 * What the DynamoDB stores share: the document client and the physical table names
 * (`<tablePrefix><logicalName>`, `table-design.ts`), with the reads and writes every store makes
 * the same way: strongly consistent gets and paged queries, transactions tried again while only
 * other transactions conflicted, batch puts that send again what was left unprocessed, and
 * records read back through their schema.
 */
export class DynamoDbTableAccess {
  readonly db: DynamoDBDocumentClient;
  readonly tables: ReturnType<typeof tableNames>;

  constructor(clients: DynamoDbClients, tablePrefix: string) {
    this.db = clients.documents;
    this.tables = tableNames(tablePrefix);
  }

  /** GetItem, strongly consistent; `attributes` projects the item to those. */
  async get(table: string, key: Item, attributes?: readonly string[]): Promise<Item | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: table,
        Key: key,
        ConsistentRead: true,
        ...(attributes
          ? {
              ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(attributes.map((attribute, i) => [`#p${i}`, attribute])),
            }
          : {}),
      }),
    );
    return Item;
  }

  /** Every item a Query matches, page after page. */
  queryAll(input: QueryCommandInput): Promise<Item[]> {
    return this.allPages((start) => this.db.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })));
  }

  /** Every item of one partition of a base table (`attribute = value`), in sort-key order, strongly consistent. */
  queryPartition(table: string, attribute: string, value: string): Promise<Item[]> {
    return this.queryAll({
      TableName: table,
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': attribute },
      ExpressionAttributeValues: { ':partition': value },
      ConsistentRead: true,
    });
  }

  /**
   * Every item of a sparse index (`table-design.ts`): those whose `bucket` attribute holds
   * `LIVE_BUCKET`, the one partition such an index has. Eventually consistent, as every GSI is.
   */
  queryBucket(table: string, index: string, bucket: string): Promise<Item[]> {
    return this.queryAll({
      TableName: table,
      IndexName: index,
      KeyConditionExpression: '#bucket = :bucket',
      ExpressionAttributeNames: { '#bucket': bucket },
      ExpressionAttributeValues: { ':bucket': LIVE_BUCKET },
    });
  }

  /** Every item a Scan matches, page after page. */
  scanAll(input: ScanCommandInput): Promise<Item[]> {
    return this.allPages((start) => this.db.send(new ScanCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })));
  }

  /**
   * One TransactWriteItems, tried again (with backoff) while it is cancelled only by conflicts
   * with other transactions. With a `clientRequestToken`, an identical request DynamoDB already
   * applied in the last 10 minutes succeeds without being applied again.
   */
  async transact(items: TransactItem[], clientRequestToken?: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items, ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}) }));
        return;
      } catch (error) {
        const codes = cancellationCodes(error);
        const onlyConflicts = codes?.includes('TransactionConflict') && codes.every((code) => code === 'None' || code === 'TransactionConflict');
        if (!onlyConflicts || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await sleep(20 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  /** BatchWriteItem of up to 25 puts, sending again what DynamoDB left unprocessed (with backoff). */
  async batchPut(table: string, items: Item[]): Promise<void> {
    let requests = items.map((item) => ({ PutRequest: { Item: item } }));
    for (let round = 1; requests.length > 0; round++) {
      if (round > BATCH_WRITE_ROUNDS)
        throw new Error(`table ${table}: ${requests.length} item(s) still unprocessed after ${BATCH_WRITE_ROUNDS} BatchWriteItem rounds`);
      if (round > 1) await sleep(25 * 2 ** round * (0.5 + Math.random()));
      const { UnprocessedItems } = await this.db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
    }
  }

  /**
   * The compare-and-set of a control-plane update: UpdateItem of `changes` (and `version + 1`)
   * only if the stored `version` is `expectedVersion` (`versionedUpdate`).
   * @returns the item as updated.
   * @throws NotFoundError when the item is gone, VersionConflictError when someone updated it first.
   */
  async updateVersioned(table: string, key: Item, changes: Changes, expectedVersion: number, name: string): Promise<Item> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({ TableName: table, Key: key, ...versionedUpdate(changes, expectedVersion), ReturnValues: 'ALL_NEW' }),
      );
      return Attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw await this.versionError(table, key, name, expectedVersion);
      throw error;
    }
  }

  /** Why a versioned update failed its condition: the item is gone (`NotFoundError`), or someone updated it first (`VersionConflictError`). */
  async versionError(table: string, key: Item, name: string, expectedVersion: number): Promise<Error> {
    const item = await this.get(table, key, ['version']);
    if (!item) return new NotFoundError(`${name} does not exist in table ${table}`);
    return versionConflict(name, item.version as number, expectedVersion);
  }

  /** Reads an item back through its schema (`parseStoredRecord`); a mismatch means it was changed by hand or by another build. */
  parseStored<S extends z.ZodType>(schema: S, value: unknown, what: string, table: string): z.infer<S> {
    return parseStoredRecord(schema, value, what, `DynamoDB table ${table}`);
  }

  private async allPages(page: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const result = await page(start);
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/** The item without the attributes that exist for keys and indexes only. */
export function without(item: Item, attributes: readonly string[]): Item {
  const rest = { ...item };
  for (const attribute of attributes) delete rest[attribute];
  return rest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
