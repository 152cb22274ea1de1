import { z } from 'zod';
import { FillSchema } from './fill.js';
import { MicrosSchema } from './units.js';

/**
 * The task protocol, version 1: how arbfleet's agent (`engine-task/src/agent/`) and any engine it
 * supervises talk, one JSON object per line over the engine's stdin (agent → engine) and stdout
 * (engine → agent). `docs/task-protocol.md` is the prose (ordering, limits, exit codes, why stdio);
 * `docs/task-protocol/*.schema.json` are generated from the schemas below
 * (`npm run schema:protocol`), and a test fails when they differ.
 *
 * Versioning: `TASK_PROTOCOL_VERSION` changes when a message loses a field, a field changes
 * meaning, or a new message must be understood; an optional field added to a message does not
 * change it (readers ignore nothing: every message is strict, so the agent refuses unknown fields
 * from the engine, and an engine should accept unknown fields from the agent).
 */
export const TASK_PROTOCOL_VERSION = 1;

/**
 * The longest line either side may write, in bytes (UTF-8, without the newline): 4 MiB. A commit
 * of 5,000 fills (10,000 fills/s flushed every 0.5 s) is about 1.5 MB; a line longer than this is
 * a protocol violation, whether or not it is JSON (the agent cannot tell a log from a message
 * it has not read whole).
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** A fill as an engine writes it: the ledger's `Fill` without `generation` (the agent stamps its own). */
export const ProtocolFillSchema = FillSchema.omit({ generation: true });
export type ProtocolFill = z.infer<typeof ProtocolFillSchema>;

/** An engine's checkpoint: any JSON value but null, opaque to arbfleet, handed back verbatim on restore. */
export const EngineCheckpointSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string(), z.number(), z.boolean()]);
export type EngineCheckpoint = z.infer<typeof EngineCheckpointSchema>;

// ---- engine → agent (stdout) -------------------------------------------------------------

/** First line an engine writes: the protocol version it speaks and who it is. */
export const HelloMessageSchema = z
  .object({
    type: z.literal('hello'),
    protocol: z.number().int().positive(),
    engine: z.object({ name: z.string().min(1).max(100), version: z.string().min(1).max(100) }).strict(),
  })
  .strict();

/** Engine-measured latency of its decisions, microseconds. */
export const ProtocolLatencySchema = z.object({ p50Us: z.number().nonnegative(), p99Us: z.number().nonnegative(), maxUs: z.number().nonnegative() }).strict();

/**
 * One venue's updates as the engine took them (the built-in engine's `VenueQuality` in
 * `core/model/progress.ts`, same meaning): how many, and the event time of the latest, ms since the
 * epoch. That time is the venue's own exchange time when its update carries one, never later than
 * the update's arrival (clamp it: a venue clock ahead of ours must not make a quote fresher than its
 * arrival), else the arrival (live) or the recorded time (replay). The report's "Quote coverage" row
 * ages it against the message's `eventTime` at each heartbeat.
 */
export const ProtocolVenueSchema = z
  .object({
    /** Updates taken from this venue (this generation or the shard's life, as the engine counts them; the built-in engine keeps them in its checkpoint). */
    updates: z.number().int().nonnegative(),
    /** Event time of the latest update taken, ms since the epoch; absent before the first. Never later than `eventTime`, never goes back. */
    lastUpdateAt: z.number().optional(),
  })
  .strict();

/**
 * The venues' updates (`ProtocolVenueSchema`): venues A and B, and the FX rate's source when the
 * engine has one (absent: a fixed rate or one currency).
 */
export const ProtocolVenuesSchema = z.object({ a: ProtocolVenueSchema, b: ProtocolVenueSchema, fx: ProtocolVenueSchema.optional() }).strict();

/**
 * What the engine has done so far, written as often as it likes (the agent heartbeats the latest
 * at the campaign's `watchdog.heartbeatInterval`). `counter` is the progress the stall rule
 * judges: any monotonic count the engine chooses (loop turns, updates processed); it must never
 * go back, and a counter that stands still for `watchdog.staleAfter` is a stall, whatever the
 * heartbeats say.
 */
export const ProgressMessageSchema = z
  .object({
    type: z.literal('progress'),
    counter: z.number().int().nonnegative(),
    /** Trades opened since the shard began (each has two legs), across generations. */
    trades: z.number().int().nonnegative(),
    openPositions: z.number().int().nonnegative(),
    /** Realised P&L, integer micro-units of the reporting currency (venue B's quote), as the ledger sums it (`fillCashMicros`). */
    realizedPnlMicros: MicrosSchema,
    /** Market updates processed in this generation (optional: `counter` stands in when absent). */
    ticks: z.number().int().nonnegative().optional(),
    /** The recorded (event) time the engine stands at, ms since the epoch. */
    eventTime: z.number().optional(),
    latency: ProtocolLatencySchema.optional(),
    /**
     * Each venue's updates (optional, added in v1 without a version change): the heartbeat's
     * `Progress.venues`, from which the report judges "Quote coverage"; without it that row cannot
     * judge the engine. A venue's `lastUpdateAt` needs `eventTime` in the same message and is never
     * later than it; it never goes back (`docs/task-protocol.md`, ordering rules).
     */
    venues: ProtocolVenuesSchema.optional(),
  })
  .strict();

/**
 * A batch of fills and the checkpoint that covers them, all or nothing. `seq` numbers the
 * engine's commits in this generation from 0, one by one; fills continue the ledger one `seq` at a
 * time from the restore point's `nextFillSeq`; every fill's symbol is one of the assignment's.
 */
export const CommitMessageSchema = z
  .object({
    type: z.literal('commit'),
    seq: z.number().int().nonnegative(),
    fills: z.array(ProtocolFillSchema),
    checkpoint: EngineCheckpointSchema,
  })
  .strict();

/** Why the engine ends: its replay ran out, it reached the campaign's end, or it was asked to stop (`stop`). */
export const DoneReasonSchema = z.enum(['feed-done', 'deadline', 'stopped']);

/** The engine's last line before exit 0: every commit it made has its answer. */
export const DoneMessageSchema = z.object({ type: z.literal('done'), reason: DoneReasonSchema }).strict();

/** Every message an engine may write. */
export const EngineMessageSchema = z.discriminatedUnion('type', [HelloMessageSchema, ProgressMessageSchema, CommitMessageSchema, DoneMessageSchema]);
export type EngineMessage = z.infer<typeof EngineMessageSchema>;
export type HelloMessage = z.infer<typeof HelloMessageSchema>;
export type ProgressMessage = z.infer<typeof ProgressMessageSchema>;
export type ProtocolVenue = z.infer<typeof ProtocolVenueSchema>;
export type CommitMessage = z.infer<typeof CommitMessageSchema>;
export type DoneMessage = z.infer<typeof DoneMessageSchema>;

/** The `type`s that make a stdout line a protocol message; any other line is a log. */
export const ENGINE_MESSAGE_TYPES: readonly string[] = ['hello', 'progress', 'commit', 'done'];

// ---- agent → engine (stdin) --------------------------------------------------------------

/** Where the shard resumes: the engine's last checkpoint (null on a fresh shard) and the committed fills after it. */
export const RestorePointMessageSchema = z
  .object({
    checkpoint: EngineCheckpointSchema.nullable(),
    /** Committed fills the checkpoint does not cover, in `seq` order (they carry the generation that wrote them). */
    ledgerTail: z.array(FillSchema),
    /** The `seq` the engine's next fill must carry. */
    nextFillSeq: z.number().int().nonnegative(),
  })
  .strict();

/** The answer to `hello`: which shard of which campaign, under which generation, from where. */
export const AssignmentMessageSchema = z
  .object({
    type: z.literal('assignment'),
    protocol: z.number().int().positive(),
    campaignId: z.string().min(1),
    shardId: z.string().min(1),
    shardIndex: z.number().int().nonnegative(),
    generation: z.number().int().nonnegative(),
    symbols: z.array(z.string().min(1)).min(1),
    /** The campaign config as stored (`configs/campaign.schema.json`), defaults applied. */
    config: z.record(z.string(), z.unknown()),
    clock: z.enum(['real', 'virtual']),
    /**
     * When the campaign started and ends, ms since the epoch, when the fleet gave them (`ARBFLEET_STARTED_AT`,
     * `ARBFLEET_ENDS_AT`): a synthetic feed starts its engine time at `startedAt` in both clocks; a
     * `clock: virtual` campaign has no wall-clock end.
     */
    startedAt: z.number().optional(),
    endsAt: z.number().optional(),
    restore: RestorePointMessageSchema,
  })
  .strict();

/**
 * The answer to one `commit`, in commit order: `accepted` (in the ledger), `fenced` (a newer
 * generation owns the shard: nothing was written, the engine must stop at once, the agent ends it
 * shortly after) or `rejected` (refused for good, `reason` says why: nothing was written, the agent
 * ends the engine).
 */
export const CommitResultMessageSchema = z
  .object({
    type: z.literal('commit-result'),
    seq: z.number().int().nonnegative(),
    status: z.enum(['accepted', 'fenced', 'rejected']),
    reason: z.string().optional(),
  })
  .strict();

/** Stop gracefully: commit what is made, write `done { reason: 'stopped' }` and exit 0 within `withinMs`, or the agent kills the engine's process group. */
export const StopMessageSchema = z
  .object({
    type: z.literal('stop'),
    /** Milliseconds from now the engine has; then its process group is killed (SIGKILL). */
    withinMs: z.number().int().nonnegative(),
    /** Why: a signal reached the agent (`SIGTERM`…), or the campaign's end. */
    cause: z.string().min(1),
  })
  .strict();

/** Every message the agent may write. */
export const AgentMessageSchema = z.discriminatedUnion('type', [AssignmentMessageSchema, CommitResultMessageSchema, StopMessageSchema]);
export type AgentMessage = z.infer<typeof AgentMessageSchema>;
export type AssignmentMessage = z.infer<typeof AssignmentMessageSchema>;
export type CommitResultMessage = z.infer<typeof CommitResultMessageSchema>;
export type StopMessage = z.infer<typeof StopMessageSchema>;

/** Each message's schema by the file its JSON Schema is generated into (`docs/task-protocol/<name>.schema.json`). */
export const TASK_PROTOCOL_MESSAGES = {
  hello: HelloMessageSchema,
  progress: ProgressMessageSchema,
  commit: CommitMessageSchema,
  done: DoneMessageSchema,
  assignment: AssignmentMessageSchema,
  'commit-result': CommitResultMessageSchema,
  stop: StopMessageSchema,
} as const;
