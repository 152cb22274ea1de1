/**
 * The SQLite campaign store and schedule store of one file as one object, for tests that drive
 * both ports through one handle (the schedule services, the schedule store contract): the
 * campaign store with the schedule store's four methods on the same connection.
 */
import type { Clock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../../core/local/sqlite-schedule-store.js';
import type { ScheduleStore } from '../../core/ports.js';

/** `campaigns` with the schedule store's methods (bound to a `SqliteScheduleStore` on its connection) added. */
export function withSchedules<C extends SqliteCampaignStore>(campaigns: C, clock: Clock): C & ScheduleStore {
  const schedules = new SqliteScheduleStore(campaigns.database, clock);
  const joined = campaigns as C & ScheduleStore;
  joined.createSchedule = (schedule) => schedules.createSchedule(schedule);
  joined.getSchedule = (scheduleId) => schedules.getSchedule(scheduleId);
  joined.listSchedules = () => schedules.listSchedules();
  joined.updateSchedule = (scheduleId, expectedVersion, patch) => schedules.updateSchedule(scheduleId, expectedVersion, patch);
  return joined;
}

/** Opens the store at `path` (`:memory:` for none) with both ports. */
export function sqliteStores(path: string, clock: Clock): SqliteCampaignStore & ScheduleStore {
  return withSchedules(new SqliteCampaignStore(path, clock), clock);
}
