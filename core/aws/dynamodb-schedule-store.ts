import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { AlreadyExistsError, NotFoundError } from '../errors.js';
import { checkVersion, validateRecord } from '../model/record-codec.js';
import { ScheduleRecordSchema, type SchedulePatch, type ScheduleRecord } from '../model/schedule-record.js';
import type { ScheduleStore } from '../ports.js';
import type { DynamoDbClients } from './dynamodb-client.js';
import { isConditionalCheckFailed, versionCondition, type Item } from './dynamodb-expressions.js';
import { DynamoDbTableAccess } from './dynamodb-table-access.js';
import { LISTED_SCHEDULES_INDEX, LIVE_BUCKET } from './table-design.js';

/** What the schedule store needs: the shared clients, the tables' prefix, and the clock that stamps updates. */
export interface DynamoDbScheduleStoreOptions {
  clients: DynamoDbClients;
  /** Physical table names are `<tablePrefix><logicalName>` (see `table-design.ts`). */
  tablePrefix: string;
  /** Stamps updates (`updatedAt`). */
  clock: Clock;
}

/**
 * The schedule store on DynamoDB (the `schedules` table of `table-design.ts`), with the
 * guarantees of the SQLite store and the same contract suite: each schedule is one item holding
 * the record as JSON (its `nextRunAt` may be null), its key, `version` and, unless deleted,
 * `listBucket` (the sparse `listed-schedules` index); every write is a PutItem conditional on
 * `version` (compare-and-set) or on the item not existing.
 */
export class DynamoDbScheduleStore implements ScheduleStore {
  private readonly access: DynamoDbTableAccess;
  private readonly table: string;
  private readonly clock: Clock;

  constructor(options: DynamoDbScheduleStoreOptions) {
    this.access = new DynamoDbTableAccess(options.clients, options.tablePrefix);
    this.table = this.access.tables.schedules;
    this.clock = options.clock;
  }

  /** PutItem only if no schedule has this id, or the one that has it was deleted (its version keeps counting). */
  async createSchedule(schedule: ScheduleRecord): Promise<ScheduleRecord> {
    const record = validateRecord(ScheduleRecordSchema, schedule, `schedule ${schedule.scheduleId}`);
    const existing = await this.getSchedule(record.scheduleId);
    if (existing && existing.deletedAt === undefined) throw scheduleExists(record.scheduleId, this.table);
    const next = existing ? { ...record, version: existing.version + 1 } : record;
    try {
      await this.access.db.send(
        new PutCommand({
          TableName: this.table,
          Item: scheduleItem(next),
          ...(existing ? versionCondition(existing.version) : { ConditionExpression: 'attribute_not_exists(scheduleId)' }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw scheduleExists(record.scheduleId, this.table);
      throw error;
    }
    return next;
  }

  async getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined> {
    const item = await this.access.get(this.table, { scheduleId });
    return item ? this.toSchedule(item) : undefined;
  }

  /** Schedules not deleted, through the `listed-schedules` index (never a scan; eventually consistent). */
  async listSchedules(): Promise<ScheduleRecord[]> {
    const items = await this.access.queryBucket(this.table, LISTED_SCHEDULES_INDEX, 'listBucket');
    return items.map((item) => this.toSchedule(item)).filter((s) => s.deletedAt === undefined);
  }

  /** The whole record is written again with PutItem conditional on `version`: the compare-and-set. */
  async updateSchedule(scheduleId: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleRecord> {
    const name = `schedule ${scheduleId}`;
    const current = await this.getSchedule(scheduleId);
    if (!current) throw new NotFoundError(`${name} does not exist in table ${this.table}`);
    checkVersion(name, current.version, expectedVersion);
    const merged: Item = { ...current, updatedAt: this.clock.now(), ...patch };
    for (const [field, value] of Object.entries(patch)) if (value === undefined) delete merged[field];
    const next = validateRecord(
      ScheduleRecordSchema,
      { ...merged, scheduleId, spec: current.spec, createdAt: current.createdAt, version: expectedVersion + 1 },
      `${name} update`,
    );
    try {
      await this.access.db.send(new PutCommand({ TableName: this.table, Item: scheduleItem(next), ...versionCondition(expectedVersion) }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw await this.access.versionError(this.table, { scheduleId }, name, expectedVersion);
      throw error;
    }
    return next;
  }

  private toSchedule(item: Item): ScheduleRecord {
    return this.access.parseStored(ScheduleRecordSchema, JSON.parse(String(item.record)), 'schedule record', this.table);
  }
}

/** The stored item of a schedule: the record as JSON (its `nextRunAt` may be null), its key, version and, unless deleted, `listBucket`. */
function scheduleItem(record: ScheduleRecord): Item {
  return {
    scheduleId: record.scheduleId,
    version: record.version,
    record: JSON.stringify(record),
    ...(record.deletedAt === undefined ? { listBucket: LIVE_BUCKET } : {}),
  };
}

function scheduleExists(scheduleId: string, table: string): AlreadyExistsError {
  return new AlreadyExistsError(`schedule ${scheduleId} already exists in table ${table}; delete it first or choose another name`);
}
