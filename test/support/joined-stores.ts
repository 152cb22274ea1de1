/**
 * A campaign store and a schedule store as one object, for tests that drive both ports through
 * one handle (the schedule services, the schedule store contract): the campaign store with the
 * schedule store's four methods added.
 */
import type { CampaignStore, ScheduleStore } from '../../core/ports.js';

/** `campaigns` itself, with `schedules`' methods (bound to it) added. */
export function joinStores<C extends CampaignStore>(campaigns: C, schedules: ScheduleStore): C & ScheduleStore {
  const joined = campaigns as C & ScheduleStore;
  joined.createSchedule = (schedule) => schedules.createSchedule(schedule);
  joined.getSchedule = (scheduleId) => schedules.getSchedule(scheduleId);
  joined.listSchedules = () => schedules.listSchedules();
  joined.updateSchedule = (scheduleId, expectedVersion, patch) => schedules.updateSchedule(scheduleId, expectedVersion, patch);
  return joined;
}
