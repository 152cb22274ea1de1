/**
 * The task protocol's constants agree with its schemas and its prose (`core/model/task-protocol.ts`,
 * `docs/task-protocol.md`; written against the survivors of its Stryker run, docs/mutation.md): the
 * message types that make a stdout line a message are exactly the engine union's discriminators,
 * and the line limit is the one the document gives.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentMessageSchema, ENGINE_MESSAGE_TYPES, EngineMessageSchema, MAX_LINE_BYTES } from '../../../core/model/task-protocol.js';

describe('task protocol constants', () => {
  it("ENGINE_MESSAGE_TYPES are exactly the engine messages' types, and no agent message's", () => {
    const engineTypes = EngineMessageSchema.options.map((option) => option.shape.type.value);
    expect([...ENGINE_MESSAGE_TYPES].sort()).toEqual([...engineTypes].sort());
    expect(engineTypes.sort()).toEqual(['commit', 'done', 'hello', 'progress']);
    for (const option of AgentMessageSchema.options) expect(ENGINE_MESSAGE_TYPES).not.toContain(option.shape.type.value);
  });

  it('MAX_LINE_BYTES is the limit docs/task-protocol.md gives, in MiB', () => {
    const prose = readFileSync(new URL('../../../docs/task-protocol.md', import.meta.url), 'utf8');
    const mib = /`MAX_LINE_BYTES` = (\d+) MiB/.exec(prose)?.[1];
    expect(mib).toBeDefined();
    expect(MAX_LINE_BYTES).toBe(Number(mib) * 1024 * 1024);
  });
});
