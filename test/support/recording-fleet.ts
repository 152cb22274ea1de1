/**
 * The fleet context the in-process service suites share: a store and a virtual clock given, the
 * in-memory launch queue, a launcher whose tasks live in a map and which keeps every stop asked
 * (`MapLauncher.stops`), and a logger that keeps every line.
 */
import type { VirtualClock } from '../../core/clock.js';
import type { FleetContext } from '../../core/fleet/fleet-context.js';
import { MemoryLaunchQueue } from '../../core/local/memory-launch-queue.js';
import type { CampaignStore } from '../../core/ports.js';
import { MapLauncher } from './map-launcher.js';

/** One log line as the service wrote it. */
export interface LogLine {
  level: string;
  event: string;
  fields: Record<string, unknown>;
}

/** A context over `store` and `clock`, with its queue, launcher and the lines logged. */
export function recordingContext(
  store: CampaignStore,
  clock: VirtualClock,
): { ctx: FleetContext; queue: MemoryLaunchQueue; launcher: MapLauncher; logs: LogLine[] } {
  const queue = new MemoryLaunchQueue(clock, { visibilityTimeoutSec: 30, maxReceives: 5 });
  const launcher = new MapLauncher();
  const logs: LogLine[] = [];
  const ctx: FleetContext = {
    store,
    queue,
    launcher,
    clock,
    log: { log: (level, event, fields = {}) => logs.push({ level, event, fields }) },
    taskEnvironment: () => ({}),
  };
  return { ctx, queue, launcher, logs };
}
