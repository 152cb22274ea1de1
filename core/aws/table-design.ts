/**
 * The DynamoDB table design, as data: the DynamoDB store creates tables from it in tests and on
 * LocalStack, and the CDK stack (infra/) declares the same tables from it, so the two never drift.
 *
 * Access patterns:
 * - campaign by id (GetItem `campaigns`); idempotent create (a `idem#<key>` item in `campaigns`
 *   written in the same transaction as the campaign); live campaigns for the scheduler (Query of
 *   the sparse index `live-campaigns`: `liveBucket` is set only while the campaign is not terminal);
 * - shards of a campaign (Query `shards` by `campaignId`); active shards for the watchdog (Query of
 *   the sparse index `active-shards`: `activeBucket` is set only while the shard is not terminal —
 *   never a Scan); control-plane updates are conditional on `version`, task writes on `generation`;
 * - the ledger of a shard (Query `ledger` by `shardKey` = `<campaignId>#<shardId>`, sorted by
 *   `seq`); each fill is put with `attribute_not_exists(seq)` in a transaction that also checks the
 *   shard's generation and writes the checkpoint (`checkpoints`, one item per shard);
 * - lifecycle events of a campaign (Query `events` by `campaignId`, sorted by `eventKey`);
 * - heartbeat history of a shard (Query `heartbeats` by `shardKey`, sorted by `receivedAt`),
 *   cleared by TTL on `expiresAt`;
 * - schedules (`schedules`, one item per schedule: key and index attributes beside the record as
 *   JSON): by id (GetItem), every schedule not deleted for the scheduler and the API (Query of the
 *   index `listed-schedules`: `listBucket` is removed on delete); claims and other updates are
 *   PutItem conditional on `version`.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableIndex {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDesign {
  /** Logical name; the physical name is `<prefix><logicalName>`. */
  logicalName: 'campaigns' | 'shards' | 'ledger' | 'checkpoints' | 'events' | 'heartbeats' | 'schedules';
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: TableIndex[];
  /** Attribute holding an epoch-seconds expiry, when the table uses TTL. */
  ttlAttribute?: string;
  /** Whether point-in-time recovery matters for this table (the ledger and what restores it). */
  pointInTimeRecovery: boolean;
}

export const LIVE_CAMPAIGNS_INDEX = 'live-campaigns';
export const ACTIVE_SHARDS_INDEX = 'active-shards';
export const LISTED_SCHEDULES_INDEX = 'listed-schedules';
/** The single partition value of the sparse indexes (they hold few items: only live ones). */
export const LIVE_BUCKET = 'LIVE';

export const TABLES: readonly TableDesign[] = [
  {
    logicalName: 'campaigns',
    partitionKey: { name: 'campaignId', type: 'S' },
    indexes: [{ name: LIVE_CAMPAIGNS_INDEX, partitionKey: { name: 'liveBucket', type: 'S' }, sortKey: { name: 'campaignId', type: 'S' } }],
    pointInTimeRecovery: true,
  },
  {
    logicalName: 'shards',
    partitionKey: { name: 'campaignId', type: 'S' },
    sortKey: { name: 'shardId', type: 'S' },
    indexes: [{ name: ACTIVE_SHARDS_INDEX, partitionKey: { name: 'activeBucket', type: 'S' }, sortKey: { name: 'shardKey', type: 'S' } }],
    pointInTimeRecovery: true,
  },
  {
    logicalName: 'ledger',
    partitionKey: { name: 'shardKey', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    indexes: [],
    pointInTimeRecovery: true,
  },
  {
    logicalName: 'checkpoints',
    partitionKey: { name: 'shardKey', type: 'S' },
    indexes: [],
    pointInTimeRecovery: true,
  },
  {
    logicalName: 'events',
    partitionKey: { name: 'campaignId', type: 'S' },
    sortKey: { name: 'eventKey', type: 'S' },
    indexes: [],
    pointInTimeRecovery: true,
  },
  {
    logicalName: 'heartbeats',
    partitionKey: { name: 'shardKey', type: 'S' },
    sortKey: { name: 'receivedAt', type: 'N' },
    indexes: [],
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: false,
  },
  {
    logicalName: 'schedules',
    partitionKey: { name: 'scheduleId', type: 'S' },
    indexes: [{ name: LISTED_SCHEDULES_INDEX, partitionKey: { name: 'listBucket', type: 'S' }, sortKey: { name: 'scheduleId', type: 'S' } }],
    pointInTimeRecovery: true,
  },
];

/** `<campaignId>#<shardId>`: the partition key of a shard's ledger, checkpoint and heartbeats. */
export function shardKeyOf(key: { campaignId: string; shardId: string }): string {
  return `${key.campaignId}#${key.shardId}`;
}

/** Physical table names for a prefix (the stack's, or a test's). */
export function tableNames(prefix: string): Record<TableDesign['logicalName'], string> {
  return Object.fromEntries(TABLES.map((t) => [t.logicalName, `${prefix}${t.logicalName}`])) as Record<TableDesign['logicalName'], string>;
}
