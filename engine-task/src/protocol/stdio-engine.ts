import { createInterface } from 'node:readline';
import { campaignFromObject } from '../../../core/config/load-config.js';
import { ENGINE_EXIT } from '../../../core/exit-codes.js';
import { createLogger } from '../../../core/log.js';
import { type AssignmentMessage, AssignmentMessageSchema, type EngineMessage, TASK_PROTOCOL_VERSION } from '../../../core/model/task-protocol.js';
import { type RunOutcome, ShardRunner } from '../runner.js';
import { StdioShardPersistence } from './stdio-persistence.js';

/** The name the built-in engine gives in `hello`. */
export const BUILTIN_ENGINE_NAME = 'arbfleet-builtin';

/**
 * `engine-task/src/main.ts --protocol stdio`: the built-in engine as one engine among others,
 * behind the agent (`docs/task-protocol.md`). It says `hello`, takes its shard, config and restore
 * point from the `assignment`, and runs the same `ShardRunner` as in process, its persistence
 * spoken over stdio (`StdioShardPersistence`). Its logs are stdout lines without a protocol `type`.
 * End of file on stdin means the agent is gone: nothing it writes can count, so it exits at once.
 */
export async function runStdioEngine(version: string): Promise<number> {
  const write = (message: EngineMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);
  write({ type: 'hello', protocol: TASK_PROTOCOL_VERSION, engine: { name: BUILTIN_ENGINE_NAME, version } });
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const assignment = await new Promise<AssignmentMessage>((resolve, reject) => {
    lines.once('line', (line) => {
      try {
        resolve(AssignmentMessageSchema.parse(JSON.parse(line)));
      } catch (error) {
        reject(error);
      }
    });
    lines.once('close', () => reject(new Error('stdin closed before the assignment')));
  });
  let finished = false;
  lines.on('close', () => {
    if (!finished) process.exit(ENGINE_EXIT.FATAL);
  });
  const campaign = campaignFromObject(assignment.config, 'assignment.config');
  const persistence = new StdioShardPersistence(assignment, write);
  const log = createLogger({
    pretty: false,
    context: { campaign: assignment.campaignId, shard: assignment.shardId, generation: assignment.generation },
  });
  const runner = new ShardRunner({
    campaign,
    shardIndex: assignment.shardIndex,
    symbols: assignment.symbols,
    persistence,
    mode: assignment.clock,
    log,
    ...(assignment.startedAt !== undefined ? { startAt: assignment.startedAt } : {}),
    ...(assignment.endsAt !== undefined ? { endsAt: assignment.endsAt } : {}),
  });
  persistence.listen(lines, (cause) => runner.stop(cause));
  const outcome = await runner.run();
  finished = true;
  log.log(outcome.end === 'completed' || outcome.end === 'stopped' ? 'info' : 'error', 'summary', { ...outcome });
  const done = doneReasonOf(outcome);
  if (done === undefined) return outcome.end === 'fenced' || outcome.end === 'self-fenced' ? ENGINE_EXIT.FENCED_OUT : ENGINE_EXIT.FATAL;
  write({ type: 'done', reason: done });
  return ENGINE_EXIT.OK;
}

function doneReasonOf(outcome: RunOutcome): 'feed-done' | 'deadline' | 'stopped' | undefined {
  if (outcome.stop === undefined || outcome.fillsUncommitted > 0) return undefined;
  if (outcome.stop.by === 'signal') return 'stopped';
  return outcome.stop.by;
}
