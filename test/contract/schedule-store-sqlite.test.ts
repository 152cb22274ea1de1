import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../core/clock.js';
import { sqliteStores } from '../support/sqlite-stores.js';
import { describeScheduleStoreContract } from './schedule-store.contract.js';

describeScheduleStoreContract('SqliteScheduleStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'arbfleet-schedules-'));
  const clock = new VirtualClock();
  const store = sqliteStores(join(dir, 'fleet.db'), clock);
  return {
    store,
    clock,
    async cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
