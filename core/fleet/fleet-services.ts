/**
 * The control plane's four services over one fleet context, built in one place for the three
 * composition roots that run them: the local fleet (`cli/local-fleet.ts`), the Lambdas
 * (`functions/fleet-runtime.ts`) and the simulation (`sim/sim-control-plane.ts`). Each root brings
 * its own adapters in the context (SQLite or DynamoDB, an in-process queue or SQS, processes or
 * ECS tasks); the services, and how they are wired to each other, are the same everywhere.
 */
import { CampaignService } from './campaign-service.js';
import type { FleetContext } from './fleet-context.js';
import { LaunchService } from './launch-service.js';
import { SchedulerService } from './scheduler-service.js';
import { WatchdogService } from './watchdog-service.js';

/** The control plane's services: the API's campaigns, the launch queue's consumer, the watchdog and the campaign clock. */
export interface FleetServices {
  campaigns: CampaignService;
  launches: LaunchService;
  watchdog: WatchdogService;
  scheduler: SchedulerService;
}

/**
 * The four services over `ctx`.
 * @param options.watchdog the watchdog's options (the Lambdas read dead letters once per
 *   invocation, not every pass: `WatchdogService`'s `deadLettersEachPass`).
 */
export function fleetServices(ctx: FleetContext, options: { watchdog?: ConstructorParameters<typeof WatchdogService>[1] } = {}): FleetServices {
  return {
    campaigns: new CampaignService(ctx),
    launches: new LaunchService(ctx),
    watchdog: new WatchdogService(ctx, options.watchdog),
    scheduler: new SchedulerService(ctx),
  };
}
