import { TaskAgent, type TaskAgentOptions } from './task-agent.js';

/** What the entrypoint gives the agent: the task's part of `TaskAgentOptions` (the engine's command comes from the campaign). */
export type RunAgentOptions = Pick<
  TaskAgentOptions,
  'campaign' | 'persistence' | 'shardIndex' | 'symbols' | 'mode' | 'startAt' | 'endsAt' | 'log' | 'heartbeatIntervalSec' | 'healthFile'
>;

/**
 * The entrypoint's agent mode (`engine.kind: command`): the same process the fleet launches for the
 * built-in engine, with the same environment, store and exit codes, supervises the configured
 * command instead of trading itself. The first SIGTERM or SIGINT becomes the engine's `stop` (its
 * deadline enforced by the agent); repeats are ignored. Returns the exit code; its last stderr line
 * says why the run ended when it did not complete.
 */
export async function runAgent(o: RunAgentOptions): Promise<number> {
  const engine = o.campaign.config.engine;
  if (engine.kind !== 'command') throw new Error('runAgent needs engine.kind: command');
  const agent = new TaskAgent({
    ...o,
    command: engine.command,
    ...(engine.cwd !== undefined ? { cwd: engine.cwd } : {}),
    ...(engine.env !== undefined ? { env: engine.env } : {}),
  });
  const onSignal = (signal: NodeJS.Signals) => agent.stop(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const outcome = await agent.run();
    o.log.log(outcome.exitCode === 0 ? 'info' : 'error', 'summary', { ...outcome });
    if (outcome.exitCode !== 0) process.stderr.write(`arbfleet-agent: ${outcome.end}: ${outcome.reason}\n`);
    return outcome.exitCode;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
