/**
 * The engine's entrypoint: one shard of one campaign, as an ECS Fargate task or a local child
 * process. Shard assignment comes from the environment (the fleet sets it) or from flags (a
 * person running it by hand), parsed by `engine-command-line.ts` (commander: `npm run engine --
 * --help`). Exit codes: 0 done or stopped by a signal with every fill committed (the summary line
 * and the final heartbeat say why: `stop`), 1 fatal error (including
 * fills that could not be committed within the commit bound, `core/fleet/timeouts.ts`), 2 bad
 * config or arguments, 3 fenced out (a newer generation owns the shard, or no heartbeat written
 * within the self-fence with no store error seen: a frozen loop), 4 the store was busy or
 * unreachable past the self-fence or the commit bound (the last stderr line says what it waited on:
 * "store unavailable: store busy: SQLITE_BUSY for 6.1 s …"; the fleet books it `STORE_UNAVAILABLE`),
 * or a store file that cannot be opened (`StoreUnavailableError`). The codes are `ENGINE_EXIT`
 * (`core/exit-codes.ts`); an error's code is its kind's in `ERROR_TABLE` (`core/errors.ts`).
 */
import { loadCampaignFile, campaignFromObject } from '../../core/config/load-config.js';
import { systemClock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import { ENGINE_EXIT } from '../../core/exit-codes.js';
import { parseEngineChaos } from './chaos.js';
import { endOfError, endOfOutcome } from './engine-exit.js';
import { parseEngineCommandLine } from './engine-command-line.js';
import { createLogger } from '../../core/log.js';
import { openPersistence } from './persistence.js';
import { ShardRunner, type RunOutcome } from './runner.js';
import { shardTimeouts } from '../../core/fleet/timeouts.js';
import { awsClientSettings, engineSdkMaxAttempts } from '../../core/aws/aws-client-settings.js';

/** The version the built-in engine gives in the task protocol's `hello`. */
const ENGINE_VERSION = '0.1.0';

/** How long SIGTERM may take before the process gives up on flushing (ECS waits 30 s). */
const STOP_DEADLINE_MS = 9_000;

async function main(): Promise<number> {
  const values = parseEngineCommandLine(process.argv.slice(2));
  if ('exit' in values) return values.exit;
  // Behind the agent (`engine.kind: command` running this engine): shard, config and restore point come over stdio.
  if (values.protocol !== undefined) {
    const { runStdioEngine } = await import('./protocol/stdio-engine.js');
    return runStdioEngine(ENGINE_VERSION);
  }
  const env = process.env;
  const configPath = values.config;
  const configJson = env.ARBFLEET_CONFIG_JSON;
  const configFromStore = env.ARBFLEET_CONFIG_FROM === 'store';
  if (env.ARBFLEET_CONFIG_FROM !== undefined && !configFromStore) {
    throw new ValidationError([{ path: 'ARBFLEET_CONFIG_FROM', message: `expected "store", got "${env.ARBFLEET_CONFIG_FROM}"` }]);
  }
  if (!configPath && !configJson && !configFromStore) {
    throw new ValidationError([
      { path: '', message: 'no campaign config: give CONFIG, or set ARBFLEET_CONFIG, ARBFLEET_CONFIG_JSON or ARBFLEET_CONFIG_FROM=store' },
    ]);
  }
  const key = { campaignId: values.campaign, shardId: values.shard };
  const generation = values.generation;
  const { persistence, campaignConfig, setLockWait, capSdkAttempts, close } = await openPersistence(values.store, key, generation, systemClock);
  let campaign = configPath
    ? loadCampaignFile(configPath)
    : configJson
      ? campaignFromObject(parseJson(configJson), 'ARBFLEET_CONFIG_JSON')
      : campaignFromObject(await storedConfig(campaignConfig, key.campaignId), `campaign ${key.campaignId} in the store`);
  if (values.duration !== undefined) campaign = { ...campaign, config: { ...campaign.config, duration: values.duration } };
  const symbols =
    values.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? campaign.symbols.map((s) => s.base);
  const unknown = symbols.filter((s) => !campaign.symbols.some((c) => c.base === s));
  if (unknown.length > 0) throw new ValidationError([{ path: 'symbols', message: `not in the campaign: ${unknown.join(', ')}` }]);
  const shardIndex = values.shardIndex;
  const mode = clockMode(values.virtual === true, env.ARBFLEET_CLOCK, campaign.config.clock);
  const pretty = values.json ? false : values.pretty ? true : undefined;
  const log = createLogger({ pretty, context: { campaign: key.campaignId, shard: key.shardId, generation } });
  const chaos = parseEngineChaos(env.ARBFLEET_CHAOS ?? '');
  // An engine waits for another process's write lock only briefly, so that its loop (and its
  // self-fence check) turns while the store is busy: `engineLockWaitSec` (core/fleet/timeouts.ts).
  const timeouts = shardTimeouts(campaign.config.watchdog);
  setLockWait?.(timeouts.engineLockWaitSec * 1000);
  // …and a DynamoDB call does not wait out the SDK's backoff for longer than its own retry would.
  capSdkAttempts?.(engineSdkMaxAttempts(timeouts.storeStallToleranceSec, awsClientSettings().maxAttempts));

  if (campaign.config.engine.kind === 'command') {
    // The agent: the engine is the configured command, supervised; this process keeps the store.
    const { runAgent } = await import('./agent/run-agent.js');
    try {
      return await runAgent({
        campaign,
        persistence,
        shardIndex,
        symbols,
        mode,
        log,
        ...optionalField('startAt', optionalInteger(env.ARBFLEET_STARTED_AT, 'ARBFLEET_STARTED_AT')),
        ...optionalField('endsAt', optionalInteger(env.ARBFLEET_ENDS_AT, 'ARBFLEET_ENDS_AT')),
        ...optionalField('heartbeatIntervalSec', env.ARBFLEET_HEARTBEAT_INTERVAL ? Number(env.ARBFLEET_HEARTBEAT_INTERVAL) : undefined),
        ...optionalField('healthFile', env.ARBFLEET_HEALTH_FILE),
      });
    } finally {
      close();
    }
  }
  const runner = new ShardRunner({
    campaign,
    shardIndex,
    symbols,
    persistence,
    mode,
    log,
    startAt: optionalInteger(env.ARBFLEET_STARTED_AT, 'ARBFLEET_STARTED_AT'),
    endsAt: optionalInteger(env.ARBFLEET_ENDS_AT, 'ARBFLEET_ENDS_AT'),
    chaos,
    healthFile: env.ARBFLEET_HEALTH_FILE,
    heartbeatIntervalSec: env.ARBFLEET_HEARTBEAT_INTERVAL ? Number(env.ARBFLEET_HEARTBEAT_INTERVAL) : undefined,
    onHeartbeat: env.ARBFLEET_METRICS === 'emf' ? await engineMetricsPublisher(key, generation) : undefined,
  });
  // The first SIGTERM or SIGINT starts the graceful stop at once: trading stops, every fill is
  // committed with a final checkpoint (Fargate Spot gives 2 minutes, ECS's default stop timeout is
  // 30 s), and the final heartbeat and the summary line say `stop: { by: 'signal', signal }`. Who
  // sent it is not the engine's to guess: the fleet knows its own stops (`core/fleet/stop-author.ts`).
  // Repeats (Ctrl-C pressed twice, ECS and a human both stopping it) are logged and ignored, so
  // they cannot cut the final commit short.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.log('info', 'stop already under way: signal ignored', { signal });
      return;
    }
    stopping = true;
    log.log('info', 'stop requested', { signal });
    runner.stop(signal);
    setTimeout(() => {
      process.stderr.write(`arbfleet-engine: no clean stop within ${STOP_DEADLINE_MS / 1000}s after ${signal}, exiting\n`);
      process.exit(ENGINE_EXIT.FATAL);
    }, STOP_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const outcome = await runner.run();
    log.log(outcome.end === 'commit-failed' || outcome.end === 'store-unavailable' ? 'error' : 'info', 'summary', { ...outcome });
    return exitCodeOf(outcome);
  } finally {
    close();
  }
}

/**
 * The run's clock: `--virtual`, else `ARBFLEET_CLOCK` (`real` or `virtual`, what the fleet passes),
 * else the config's `clock`. A virtual replay runs on the recorded time as fast as the CPU allows.
 */
function clockMode(flag: boolean, fromEnv: string | undefined, fromConfig: 'real' | 'virtual'): 'real' | 'virtual' {
  if (flag) return 'virtual';
  if (fromEnv === undefined || fromEnv === '') return fromConfig;
  if (fromEnv !== 'real' && fromEnv !== 'virtual')
    throw new ValidationError([{ path: 'ARBFLEET_CLOCK', message: `expected real or virtual, got "${fromEnv}"` }]);
  return fromEnv;
}

/** The exit code of a run (`endOfOutcome`), its last words written to stderr for the fleet to quote. */
function exitCodeOf(outcome: RunOutcome): number {
  const end = endOfOutcome(outcome);
  if (end.lastWords !== undefined) process.stderr.write(`arbfleet-engine: ${end.lastWords}\n`);
  return end.code;
}

/** EMF lines for CloudWatch with each heartbeat (on AWS: ticks/s, latency p99, RSS). */
async function engineMetricsPublisher(key: { campaignId: string; shardId: string }, generation: number) {
  const { ENGINE_METRICS_SERVICE, fleetMetrics } = await import('../../core/aws/emf-metrics.js');
  // The stack names the engine's service `<stack>-engine` (POWERTOOLS_SERVICE_NAME): its alarms watch only its own tasks.
  const metrics = fleetMetrics(process.env.POWERTOOLS_METRICS_NAMESPACE, process.env.POWERTOOLS_SERVICE_NAME || ENGINE_METRICS_SERVICE);
  return (progress: Parameters<typeof metrics.publishEngine>[2]) => metrics.publishEngine(key, generation, progress);
}

/** The config on the campaign's record (`ARBFLEET_CONFIG_FROM=store`); a missing one is bad input (exit 2), not a crash. */
async function storedConfig(read: () => Promise<unknown>, campaignId: string): Promise<unknown> {
  const config = await read();
  if (config === undefined) {
    throw new ValidationError([
      {
        path: 'ARBFLEET_CONFIG_FROM',
        message: `the store holds no campaign ${campaignId} to read the config from (check ARBFLEET_STORE and ARBFLEET_CAMPAIGN_ID)`,
      },
    ]);
  }
  return config;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `not valid JSON: ${(error as Error).message}` }], 'ARBFLEET_CONFIG_JSON');
  }
}

function integer(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError([{ path: name, message: `expected a whole number ≥ 0, got "${text}"` }]);
  return n;
}

function optionalField<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function optionalInteger(text: string | undefined, name: string): number | undefined {
  return text === undefined || text === '' ? undefined : integer(text, name);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The same mapping the simulation's real-runner tasks end by (`engine-exit.ts`).
    const end = endOfError(error);
    process.stderr.write(`arbfleet-engine: ${end.lastWords}\n`);
    process.exit(end.code);
  },
);
