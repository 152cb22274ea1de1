/**
 * The SQLite campaign store and schedule store of one file as one object (`joinStores`): the
 * schedule store on the campaign store's connection.
 */
import type { Clock } from '../../core/clock.js';
import { SqliteCampaignStore } from '../../core/local/sqlite-campaign-store.js';
import { SqliteScheduleStore } from '../../core/local/sqlite-schedule-store.js';
import type { ScheduleStore } from '../../core/ports.js';
import { joinStores } from './joined-stores.js';

/** `campaigns` with the methods of a `SqliteScheduleStore` on its connection. */
export function withSchedules<C extends SqliteCampaignStore>(campaigns: C, clock: Clock): C & ScheduleStore {
  return joinStores(campaigns, new SqliteScheduleStore(campaigns.database, clock));
}

/** Opens the store at `path` (`:memory:` for none) with both ports. */
export function sqliteStores(path: string, clock: Clock): SqliteCampaignStore & ScheduleStore {
  return withSchedules(new SqliteCampaignStore(path, clock), clock);
}
