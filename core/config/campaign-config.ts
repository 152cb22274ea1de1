import { z } from 'zod';
import { durationSeconds } from './duration.js';
import { EngineConfigSchema } from './engine-config.js';
import { fargateMemoryChoices, isFargateTaskSize } from './fargate-task-size.js';
import { IMPORT_FORMATS } from './import-formats.js';

/**
 * The campaign config: one zod schema shared by the YAML/JSON loader, the HTTP API and the
 * engine. Durations accept seconds or strings (`"5m"`) and always come out as seconds.
 */

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit');

const currency = z.string().regex(/^[A-Z]{2,6}$/, 'must be an upper-case currency code such as KRW or USDT');

export const VenueSchema = z
  .object({
    name,
    quoteCurrency: currency,
    takerFeeBps: z.number().min(0).max(100).meta({ description: 'taker fee per fill, in basis points of notional' }),
  })
  .strict();

export const FxSchema = z
  .object({
    pair: z
      .string()
      .regex(/^[A-Z]{2,6}\/[A-Z]{2,6}$/, 'must look like USDT/KRW')
      .meta({ description: "venue B's quote currency / venue A's quote currency" }),
    rate: z.number().positive().max(1e7).meta({ description: "units of venue A's quote currency per unit of venue B's" }),
  })
  .strict();

/**
 * What the premium is measured against. `none`: the raw premium (the shipped rule: enter when the
 * net spread clears `entryBps`). `ewma`: an exponentially weighted mean of the premium with this
 * half-life (event time), so entries follow the premium's deviation from its drifting level (on
 * real Upbit/Binance data the premium sits at ±170 bps with a half-life of about two days:
 * `../shared/data/real/README.md`). `fixed`: a constant level in bps.
 */
export const PremiumBaselineSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('ewma'), halfLife: durationSeconds(1, 365 * 86_400) }).strict(),
  z.object({ kind: z.literal('fixed'), bps: z.number().min(-5000).max(5000) }).strict(),
]);

export const StrategySchema = z
  .object({
    entryBps: z.number().min(0.1).max(2000).default(25).meta({
      description: "enter when the executable spread, net of both venues' taker fees, is at least this",
    }),
    exitBps: z.number().min(-2000).max(2000).default(5).meta({
      description: "exit on reversion once the mid spread in the trade's direction falls to this or below",
    }),
    takeProfitBps: z.number().positive().max(5000).default(30),
    stopLossBps: z.number().positive().max(5000).default(60),
    maxHolding: durationSeconds(1, 86_400).default(120),
    orderNotional: z.number().positive().max(1e8).default(1000).meta({
      description: "notional per trade, in venue B's quote currency (the reporting currency)",
    }),
    maxQuoteAge: durationSeconds(0.001, 7 * 86_400)
      .default(10)
      .meta({
        description: "no entry while either venue's quote for the symbol is older than this (event time); a close at an older price is flagged",
      }),
    maxFxAge: durationSeconds(0.001, 30 * 86_400)
      .optional()
      .meta({
        description: 'no entry while the FX rate is older than this (default: no bound; a fixed config rate never ages)',
      }),
    fxJumpBps: z.number().positive().max(10_000).default(300).meta({
      description: 'an FX update that moves more than this from the last rate holds entries until a second update confirms it',
    }),
    premiumBaseline: PremiumBaselineSchema.default({ kind: 'none' }),
  })
  .strict();

/** Paper execution models (`engine-task/src/execution/execution-model.ts` states each rule). */
export const EXECUTION_MODELS = ['top', 'top-size', 'depth'] as const;
export type ExecutionModel = (typeof EXECUTION_MODELS)[number];

/**
 * How paper fills are made (issue 19). `top`: every leg fills in full at the top of the book at
 * the decision (the shipped rule, unlimited size). `top-size`: no more than the displayed size at
 * the top. `depth`: the recorded levels are walked. A leg reaches its venue `latency` after the
 * decision and fills against that venue's book then (engine time: in a replay the updates recorded
 * in between are applied first; live, the leg waits for real). Size already taken stays taken until
 * the venue's book updates. The rules: `engine-task/src/execution/execution-model.ts`.
 */
export const ExecutionSchema = z
  .object({
    model: z.enum(EXECUTION_MODELS).default('top').meta({
      description: 'top: unlimited size at the top (the shipped rule); top-size: at most the displayed top size; depth: walk the recorded levels',
    }),
    latency: z
      .object({
        a: durationSeconds(0, 60).default(0).meta({ description: 'from the decision to the fill on venue A, e.g. "50ms"' }),
        b: durationSeconds(0, 60).default(0).meta({ description: 'from the decision to the fill on venue B, e.g. "120ms"' }),
      })
      .strict()
      .default({ a: 0, b: 0 }),
  })
  .strict();

export const RiskSchema = z
  .object({
    maxOpenTrades: z.number().int().min(1).max(100_000).default(20),
    maxOpenTradesPerSymbol: z.number().int().min(1).max(1000).default(2),
    maxNotionalPerSymbol: z.number().positive().max(1e10).optional().meta({
      description: 'cap on open notional per symbol, reporting currency (default: orderNotional x maxOpenTradesPerSymbol)',
    }),
  })
  .strict();

export const SyntheticFeedSchema = z
  .object({
    kind: z.literal('synthetic'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    ticksPerSecond: z.number().positive().max(1_000_000).default(10).meta({
      description: 'book updates per second per instrument (symbol x venue)',
    }),
    volatilityBps: z.number().min(0).max(1000).default(3).meta({ description: 'random-walk stdev of the mid per second' }),
    dislocationBps: z.number().min(0).max(5000).default(25).meta({
      description: 'stationary stdev of the mean-reverting price dislocation between the venues',
    }),
    dislocationHalfLife: durationSeconds(0.01, 86_400).default(20),
    bookSpreadBps: z.number().min(0).max(500).default(2).meta({ description: 'bid/ask width quoted by each venue' }),
    fxVolatilityBps: z.number().min(0).max(1000).default(0.5),
  })
  .strict();

export { IMPORT_FORMATS, type ImportFormat } from './import-formats.js';

/** One recorded source of a replay: a file in a venue's own format, read as it is. */
export const ReplaySourceSchema = z
  .object({
    venue: z.enum(['a', 'b', 'fx']).meta({ description: 'which venue the rows are quotes of, or fx for the conversion rate' }),
    format: z.enum(IMPORT_FORMATS),
    path: z.string().min(1).meta({ description: "relative paths resolve against the config file's folder" }),
    symbolMap: z.record(z.string(), z.string()).optional().meta({ description: 'venue symbol → base asset, e.g. { KRW-BTC: BTC }' }),
    tz: z.string().optional().meta({ description: 'IANA zone of naive timestamps (required when the file has them)' }),
    timeUnit: z.enum(['auto', 's', 'ms', 'us', 'ns']).default('auto'),
    halfSpreadBps: z.number().min(0).max(500).optional().meta({ description: 'ccxt-ohlcv only: the half-spread to quote around each close' }),
  })
  .strict();

export const ReplayFeedSchema = z
  .object({
    kind: z.literal('replay'),
    path: z.string().min(1).optional().meta({ description: "a canonical replay file; relative paths resolve against the config file's folder" }),
    format: z
      .enum(['csv', 'jsonl'])
      .optional()
      .meta({ description: "path's shape, checked against its first line (a file of the other shape is refused); default: the first line decides" }),
    sources: z.array(ReplaySourceSchema).min(1).max(16).optional().meta({ description: 'per-venue recorded files, instead of path' }),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'replay only updates at or after this recorded time' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'replay only updates before this recorded time' }),
    speed: z.number().positive().max(1_000_000).default(1).meta({ description: 'clock real: recorded seconds played per wall second' }),
    strict: z
      .boolean()
      .default(false)
      .meta({ description: 'refuse the file on its first bad, out-of-order or duplicate line instead of skipping and counting it' }),
  })
  .strict()
  .refine((f) => (f.path === undefined) !== (f.sources === undefined), { message: 'give path (a canonical replay file) or sources, not both', path: ['path'] })
  .refine((f) => f.format === undefined || f.sources === undefined, {
    message: 'format is the shape of path; each source names its own format (sources.N.format)',
    path: ['format'],
  });

/** A live paper-trading feed from the venues' public streams (venues chosen by `venues.a/b.name`). */
export const LiveFeedSchema = z
  .object({
    kind: z.literal('live'),
    fx: z
      .union([z.object({ source: z.literal('fixed') }).strict(), z.object({ source: z.literal('upbit'), market: z.string().default('KRW-USDT') }).strict()])
      .default({ source: 'upbit', market: 'KRW-USDT' }),
    record: z.string().min(1).optional().meta({ description: 'write the canonical replay file of what was received here, as it trades' }),
    silentAfter: durationSeconds(0.1, 3600).default(10).meta({ description: 'no message this long on an open socket: mark the venue stale and reconnect' }),
    reconnect: z
      .object({ initial: durationSeconds(0, 60).default(0.5), max: durationSeconds(0, 3600).default(30) })
      .strict()
      .default({ initial: 0.5, max: 30 }),
    endpoints: z
      .object({ a: z.url().optional(), b: z.url().optional() })
      .strict()
      .optional()
      .meta({ description: "override the venues' public WebSocket URLs (tests, proxies)" }),
  })
  .strict();

export const FeedSchema = z.discriminatedUnion('kind', [SyntheticFeedSchema, ReplayFeedSchema, LiveFeedSchema]);

export const ScheduleSchema = z
  .object({
    startAt: z.iso.datetime({ offset: true }).optional(),
    cron: z
      .string()
      .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "0 9 * * 1-5"')
      .optional(),
  })
  .strict()
  .refine((s) => s.startAt !== undefined || s.cron !== undefined, 'give startAt, cron or both');

export const ShardingSchema = z
  .object({
    symbolsPerShard: z.number().int().min(1).max(100).default(5),
  })
  .strict();

export const BackoffSchema = z
  .object({
    initial: durationSeconds(0, 3600).default(5),
    max: durationSeconds(0, 86_400).default(300),
    multiplier: z.number().min(1).max(10).default(2),
    resetAfter: durationSeconds(1, 86_400).default(600).meta({ description: 'a healthy stretch this long resets the backoff' }),
  })
  .strict();

export const WatchdogSchema = z
  .object({
    heartbeatInterval: durationSeconds(0.1, 600).default(10),
    staleAfter: durationSeconds(0.5, 3600).default(45),
    launchTimeout: durationSeconds(1, 3600).default(180),
    maxRestarts: z.number().int().min(0).max(1000).default(5),
    restartWindow: durationSeconds(1, 7 * 86_400).default(3600),
    maxPreemptions: z.number().int().min(0).max(1000).default(20).meta({
      description:
        'restarts after a stop from outside (a Spot interruption, a signal arbfleet did not send) allowed within restartWindow; they do not count against maxRestarts',
    }),
    backoff: BackoffSchema.default(BackoffSchema.parse({})),
    memoryRecycleAt: z.number().gt(0).max(1).default(0.8).meta({ description: 'fraction of task memory at which a shard is recycled' }),
    massStaleThreshold: z.number().gt(0).max(1).default(0.55).meta({
      description:
        "share of a campaign's active shards reading stale in one watchdog pass at which the watchdog checks the store and itself before restarting any (core/fleet/observer-policy.ts; Kubernetes' --unhealthy-zone-threshold)",
    }),
    massStaleMinShards: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(3)
      .meta({ description: 'the mass-staleness rule applies only with at least this many shards stale' }),
    massRestartsPerPass: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .meta({ description: 'while staleness is massive (and the store answers), at most this many stale shards are restarted per watchdog pass' }),
  })
  .strict();

/**
 * The size of each shard's task, a Fargate size (`fargate-task-size.ts`): on AWS it is sent as the
 * RunTask overrides of every launch; everywhere it sets the memory the recycle threshold
 * (`watchdog.memoryRecycleAt`) is a fraction of.
 */
export const TaskSizeSchema = z
  .object({
    cpu: z
      .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)])
      .default(512)
      .meta({ description: 'CPU units (1024 = 1 vCPU)' }),
    memoryMiB: z.number().int().min(512).max(30_720).default(1024).meta({ description: 'a memory Fargate offers with task.cpu' }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!isFargateTaskSize(t.cpu, t.memoryMiB)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        message: `${t.memoryMiB} MiB is not a Fargate task size with ${t.cpu} CPU units: Fargate offers ${fargateMemoryChoices(t.cpu)}`,
      });
    }
  });

export const MonitorSchema = z
  .object({
    interval: durationSeconds(0.1, 3600).default(10).meta({ description: 'one monitor line per symbol this often' }),
    flushInterval: durationSeconds(0.01, 60).default(0.5).meta({ description: 'fills and checkpoint committed this often' }),
  })
  .strict();

/**
 * The caps on what a campaign may be asked to run. A `clock: real` campaign runs `duration` on the
 * wall clock: 30 days at most, as before. A `clock: virtual` one runs recorded time as fast as the
 * CPU allows and has no wall-clock end (`campaign-lifecycle.ts`), so the wall-clock cap does not
 * apply to it: a 90-day backtest is asked as `duration: 90d` (or `feed.from`/`feed.to`), not
 * silently cut at 30 days; recorded time is capped at 3,660 days (ten years) against typos.
 */
export const MAX_REAL_DURATION_SEC = 30 * 86_400;
export const MAX_VIRTUAL_DURATION_SEC = 3_660 * 86_400;

/** The raw shape, before cross-field checks. */
const CampaignShape = z
  .object({
    name,
    description: z.string().max(500).optional(),
    symbols: z
      .union([
        z
          .array(z.string().regex(/^[A-Z0-9]{1,12}$/, 'must be an upper-case base asset such as BTC'))
          .min(1)
          .max(1000),
        z.object({ top: z.number().int().min(1).max(1000) }).strict(),
      ])
      .meta({ description: 'base assets, e.g. [BTC, ETH], or { top: N } to take the first N of configs/universe.yaml' }),
    venues: z.object({ a: VenueSchema, b: VenueSchema }).strict(),
    fx: FxSchema.optional(),
    strategy: StrategySchema.default(StrategySchema.parse({})),
    risk: RiskSchema.default(RiskSchema.parse({})),
    execution: ExecutionSchema.default(ExecutionSchema.parse({})),
    feed: FeedSchema.default(SyntheticFeedSchema.parse({ kind: 'synthetic' })),
    duration: durationSeconds(1, MAX_VIRTUAL_DURATION_SEC)
      .default(300)
      .meta({
        description:
          'seconds, or a duration string like "90s", "5m", "1h"; clock real: wall time, at most 720h (30 days); clock virtual: recorded time ' +
          '(a replay without feed.to plays this long from its start), at most 3660 days',
      }),
    clock: z.enum(['real', 'virtual']).default('real').meta({
      description: 'virtual: every shard runs on the recorded time as fast as the CPU allows (a backtest through the fleet); real: the wall clock',
    }),
    schedule: ScheduleSchema.optional(),
    sharding: ShardingSchema.default(ShardingSchema.parse({})),
    watchdog: WatchdogSchema.default(WatchdogSchema.parse({})),
    task: TaskSizeSchema.default(TaskSizeSchema.parse({})),
    engine: EngineConfigSchema.default({ kind: 'builtin' }),
    monitor: MonitorSchema.default(MonitorSchema.parse({})),
    onShardFailure: z.enum(['fail', 'continue']).default('fail').meta({
      description: 'what the campaign does when a shard exhausts its restart budget',
    }),
  })
  .strict();

/** Cross-field rules: the ones a single field cannot express. */
export const CampaignConfigSchema = CampaignShape.superRefine((c, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const { a, b } = c.venues;
  if (a.name === b.name) issue(['venues', 'b', 'name'], `must differ from venues.a.name (both are "${a.name}")`);
  if (a.quoteCurrency !== b.quoteCurrency) {
    const expected = `${b.quoteCurrency}/${a.quoteCurrency}`;
    if (!c.fx) issue(['fx'], `required when the quote currencies differ: give { pair: ${expected}, rate: <${a.quoteCurrency} per ${b.quoteCurrency}> }`);
    else if (c.fx.pair !== expected) issue(['fx', 'pair'], `must be ${expected} (venue B's quote / venue A's quote), got ${c.fx.pair}`);
  } else if (c.fx && c.fx.rate !== 1) {
    issue(['fx', 'rate'], `must be 1 (or fx omitted) when both venues quote in ${a.quoteCurrency}`);
  }
  const exitFees = a.takerFeeBps + b.takerFeeBps;
  const s = c.strategy;
  if (s.entryBps - s.exitBps <= exitFees) {
    issue(
      ['strategy', 'entryBps'],
      `cannot be met after fees: entryBps (${s.entryBps}) minus exitBps (${s.exitBps}) must exceed the exit legs' taker fees ` +
        `(${a.takerFeeBps} + ${b.takerFeeBps} = ${exitFees} bps), or every reversion exit loses money`,
    );
  }
  if (s.takeProfitBps <= 0) issue(['strategy', 'takeProfitBps'], 'must be positive');
  const r = c.risk;
  if (r.maxOpenTradesPerSymbol > r.maxOpenTrades) {
    issue(['risk', 'maxOpenTradesPerSymbol'], `must not exceed risk.maxOpenTrades (${r.maxOpenTrades})`);
  }
  if (r.maxNotionalPerSymbol !== undefined && r.maxNotionalPerSymbol < s.orderNotional) {
    issue(['risk', 'maxNotionalPerSymbol'], `is below strategy.orderNotional (${s.orderNotional}): no trade could ever open`);
  }
  if (Array.isArray(c.symbols)) {
    const seen = new Set<string>();
    c.symbols.forEach((symbol, i) => {
      if (seen.has(symbol)) issue(['symbols', i], `"${symbol}" is listed twice`);
      seen.add(symbol);
    });
  }
  if (c.clock === 'real' && c.duration > MAX_REAL_DURATION_SEC) {
    issue(
      ['duration'],
      `must be at most 720h (30 days) with clock: real (wall time), got ${c.duration / 3600}h; a backtest over recorded data takes clock: virtual (up to 3660 days)`,
    );
  }
  if (c.feed.kind === 'replay' && c.feed.to !== undefined) {
    const from = c.feed.from === undefined ? undefined : Date.parse(c.feed.from);
    const to = Date.parse(c.feed.to);
    if (from !== undefined && to <= from) issue(['feed', 'to'], `must be after feed.from (${c.feed.from}), got ${c.feed.to}`);
    else if (from !== undefined && c.clock === 'virtual' && to - from > MAX_VIRTUAL_DURATION_SEC * 1000) {
      issue(['feed', 'to'], `the window feed.from → feed.to spans ${Math.round((to - from) / 86_400_000)} days; at most 3660 days of recorded time`);
    }
  }
  const w = c.watchdog;
  if (w.staleAfter < 2 * w.heartbeatInterval) {
    issue(['watchdog', 'staleAfter'], `must be at least twice watchdog.heartbeatInterval (${w.heartbeatInterval}s), got ${w.staleAfter}s`);
  }
  if (w.backoff.max < w.backoff.initial) issue(['watchdog', 'backoff', 'max'], `must be at least backoff.initial (${w.backoff.initial}s)`);
  if (c.monitor.flushInterval >= w.staleAfter) {
    issue(['monitor', 'flushInterval'], `must be shorter than watchdog.staleAfter (${w.staleAfter}s)`);
  }
});

/** A campaign config as written (durations may be strings, defaults may be missing). */
export type CampaignConfigInput = z.input<typeof CampaignConfigSchema>;
/** A validated campaign config: every default filled in, durations in seconds. */
export type CampaignConfig = z.output<typeof CampaignConfigSchema>;
export type VenueConfig = z.output<typeof VenueSchema>;
export type StrategyConfig = z.output<typeof StrategySchema>;
export type RiskConfig = z.output<typeof RiskSchema>;
export type ExecutionConfig = z.output<typeof ExecutionSchema>;
export type FeedConfig = z.output<typeof FeedSchema>;
export type SyntheticFeedConfig = z.output<typeof SyntheticFeedSchema>;
export type ReplayFeedConfig = z.output<typeof ReplayFeedSchema>;
export type ReplaySourceConfig = z.output<typeof ReplaySourceSchema>;
export type LiveFeedConfig = z.output<typeof LiveFeedSchema>;
export type PremiumBaselineConfig = z.output<typeof PremiumBaselineSchema>;
export type WatchdogConfig = z.output<typeof WatchdogSchema>;
export type MonitorConfig = z.output<typeof MonitorSchema>;
