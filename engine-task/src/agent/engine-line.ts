import { ENGINE_MESSAGE_TYPES, type EngineMessage, EngineMessageSchema } from '../../../core/model/task-protocol.js';
import { isCommitMessage, isProgressMessage } from './message-check.js';

/** What one line of an engine's stdout is: a protocol message, a log, or a message that breaks the protocol. */
export type EngineLine = { kind: 'message'; message: EngineMessage } | { kind: 'log' } | { kind: 'violation'; problem: string; commitSeq?: number };

/**
 * Reads one stdout line by the task protocol's rule (`docs/task-protocol.md`): a JSON object whose
 * `type` is one of the engine's message types is a message and must match its schema; every other
 * line (plain text, other JSON) is a log. Only lines that start with `{` are parsed, so logs cost
 * one character comparison.
 *
 * The many-a-second messages, `progress` and `commit`, are checked by hand (`message-check.ts`: the
 * same yes or no as their zod schemas, several times faster); `hello`, `done` and any line those
 * checks refuse go to zod, which is the contract: it decides, and words what is wrong.
 */
export function readEngineLine(line: string): EngineLine {
  if (line.charCodeAt(0) !== 123 /* { */) return { kind: 'log' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'log' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'log' };
  const object = value as Record<string, unknown>;
  const type = object.type;
  if (typeof type !== 'string' || !ENGINE_MESSAGE_TYPES.includes(type)) return { kind: 'log' };
  // Engine messages have no defaults or transforms: a value the checks accept is the message as zod would return it.
  if (type === 'progress' ? isProgressMessage(object) : type === 'commit' && isCommitMessage(object)) {
    return { kind: 'message', message: value as EngineMessage };
  }
  const parsed = EngineMessageSchema.safeParse(value);
  if (parsed.success) return { kind: 'message', message: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(message)';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more issue(s))` : '';
  const seq = object.seq;
  const problem = `${type} message: ${path}: ${issue?.message ?? 'invalid'}${more}`;
  // A commit refused by its schema is still answered (`rejected`) when its seq can be read.
  return type === 'commit' && Number.isSafeInteger(seq) ? { kind: 'violation', problem, commitSeq: seq as number } : { kind: 'violation', problem };
}
