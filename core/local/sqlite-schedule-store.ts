import type { Clock } from '../clock.js';
import { AlreadyExistsError, NotFoundError } from '../errors.js';
import { checkVersion, validateRecord } from '../model/record-codec.js';
import { ScheduleRecordSchema, type SchedulePatch, type ScheduleRecord } from '../model/schedule-record.js';
import type { ScheduleStore } from '../ports.js';
import type { RecordRow, SqliteDatabase, Statement } from './sqlite-database.js';

/** Every statement the schedule store runs, prepared once per connection. */
const SQL = {
  getSchedule: 'SELECT record FROM schedules WHERE schedule_id = ?',
  listSchedules: 'SELECT record FROM schedules WHERE deleted = 0 ORDER BY schedule_id',
  putSchedule: 'INSERT OR REPLACE INTO schedules (schedule_id, deleted, version, record) VALUES (?, ?, ?, ?)',
  updateSchedule: 'UPDATE schedules SET deleted = ?, version = ?, record = ? WHERE schedule_id = ? AND version = ?',
} as const;

/**
 * The schedule store in the fleet's SQLite file (`schedules` table), on the connection the
 * campaign store uses (`SqliteCampaignStore.database`). Creates and updates run in one write
 * transaction each; updates are compare-and-set on `version` (`ScheduleStore` in `core/ports.ts`).
 */
export class SqliteScheduleStore implements ScheduleStore {
  private readonly sql: Record<keyof typeof SQL, Statement>;

  /**
   * @param database the connection (`SqliteCampaignStore.database`, or one opened for schedules only).
   * @param clock stamps updates (`updatedAt`).
   */
  constructor(
    readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.sql = database.prepare(SQL);
  }

  async createSchedule(schedule: ScheduleRecord): Promise<ScheduleRecord> {
    const record = validateRecord(ScheduleRecordSchema, schedule, `schedule ${schedule.scheduleId}`);
    return this.database.write(() => {
      const row = this.sql.getSchedule.get(record.scheduleId) as RecordRow | undefined;
      const existing = row ? this.parseSchedule(row.record) : undefined;
      if (existing && existing.deletedAt === undefined) {
        throw new AlreadyExistsError(`schedule ${record.scheduleId} already exists in ${this.database.path}; delete it first or choose another name`);
      }
      // A replaced (deleted) schedule's version keeps counting up, so a reader of the old one cannot update the new one.
      const next = existing ? { ...record, version: existing.version + 1 } : record;
      this.sql.putSchedule.run(next.scheduleId, 0, next.version, JSON.stringify(next));
      return next;
    });
  }

  async getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined> {
    const row = this.sql.getSchedule.get(scheduleId) as RecordRow | undefined;
    return row ? this.parseSchedule(row.record) : undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (this.sql.listSchedules.all() as RecordRow[]).map((row) => this.parseSchedule(row.record));
  }

  async updateSchedule(scheduleId: string, expectedVersion: number, patch: SchedulePatch): Promise<ScheduleRecord> {
    return this.database.write(() => {
      const row = this.sql.getSchedule.get(scheduleId) as RecordRow | undefined;
      if (!row) throw new NotFoundError(`schedule ${scheduleId} does not exist in ${this.database.path}`);
      const current = this.parseSchedule(row.record);
      checkVersion(`schedule ${scheduleId}`, current.version, expectedVersion);
      const merged: Record<string, unknown> = { ...current, updatedAt: this.clock.now(), ...patch };
      for (const [field, value] of Object.entries(patch)) if (value === undefined) delete merged[field];
      const next = validateRecord(
        ScheduleRecordSchema,
        { ...merged, scheduleId: current.scheduleId, spec: current.spec, createdAt: current.createdAt, version: current.version + 1 },
        `schedule ${scheduleId} update`,
      );
      this.sql.updateSchedule.run(next.deletedAt === undefined ? 0 : 1, next.version, JSON.stringify(next), scheduleId, expectedVersion);
      return next;
    });
  }

  private parseSchedule(json: string): ScheduleRecord {
    return this.database.parseStored(ScheduleRecordSchema, json, 'schedule record');
  }
}
