import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { z } from 'zod';
import { ENGINE_MESSAGE_TYPES, type EngineMessage, EngineMessageSchema, TASK_PROTOCOL_MESSAGES } from '../../../core/model/task-protocol.js';

/** What one line of an engine's stdout is: a protocol message, a log, or a message that breaks the protocol. */
export type EngineLine = { kind: 'message'; message: EngineMessage } | { kind: 'log' } | { kind: 'violation'; problem: string; commitSeq?: number };

/**
 * Each engine message's validator, compiled by Ajv from the JSON Schema zod generates for it (the
 * same schemas as `docs/task-protocol/`): the zod schemas stay the one truth, Ajv's compiled code
 * checks a valid line about twice as fast as zod's parse (`npm run bench -- --agent`), and zod
 * still words what is wrong with an invalid one.
 */
const VALIDATORS: ReadonlyMap<string, ValidateFunction> = (() => {
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  const validators = new Map<string, ValidateFunction>();
  for (const type of ENGINE_MESSAGE_TYPES) {
    const schema = TASK_PROTOCOL_MESSAGES[type as keyof typeof TASK_PROTOCOL_MESSAGES];
    validators.set(type, ajv.compile(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })));
  }
  return validators;
})();

/**
 * Reads one stdout line by the task protocol's rule (`docs/task-protocol.md`): a JSON object whose
 * `type` is one of the engine's message types is a message and must match its schema; every other
 * line (plain text, other JSON) is a log. Only lines that start with `{` are parsed, so logs cost
 * one character comparison.
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
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'log' };
  const validate = VALIDATORS.get(type);
  if (validate === undefined) return { kind: 'log' };
  // Engine messages have no defaults or transforms: a valid value is the message as zod would return it.
  if (validate(value)) return { kind: 'message', message: value as EngineMessage };
  const parsed = EngineMessageSchema.safeParse(value);
  if (parsed.success) return { kind: 'message', message: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(message)';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more issue(s))` : '';
  const seq = (value as { seq?: unknown }).seq;
  const problem = `${type} message: ${path}: ${issue?.message ?? 'invalid'}${more}`;
  // A commit refused by its schema is still answered (`rejected`) when its seq can be read.
  return type === 'commit' && Number.isSafeInteger(seq) ? { kind: 'violation', problem, commitSeq: seq as number } : { kind: 'violation', problem };
}
