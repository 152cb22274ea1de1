import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TASK_PROTOCOL_SCHEMA_DIR, taskProtocolSchemaFiles } from '../../../core/model/export-task-protocol.js';
import { CommitMessageSchema, EngineMessageSchema, ENGINE_MESSAGE_TYPES, TASK_PROTOCOL_MESSAGES } from '../../../core/model/task-protocol.js';

describe('task protocol schemas', () => {
  it('the committed JSON Schemas are exactly what npm run schema:protocol generates', () => {
    const generated = taskProtocolSchemaFiles();
    const committed = readdirSync(TASK_PROTOCOL_SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'));
    expect(committed.sort()).toEqual(Object.keys(generated).sort());
    for (const [file, text] of Object.entries(generated)) {
      expect(readFileSync(`${TASK_PROTOCOL_SCHEMA_DIR}${file}`, 'utf8'), `docs/task-protocol/${file} is stale: run npm run schema:protocol`).toBe(text);
    }
  });

  it('every engine message type is a protocol type, and each has its schema file', () => {
    for (const type of ENGINE_MESSAGE_TYPES) expect(Object.keys(TASK_PROTOCOL_MESSAGES)).toContain(type);
  });

  it('a commit needs a checkpoint, and its fills carry no generation (the agent stamps its own)', () => {
    const fill = { seq: 0, tradeId: 0, symbol: 'BTC', venue: 'A', side: 'BUY', kind: 'OPEN', reason: 'ENTRY', qty: 1, price: 10, fee: 0, fxRate: 1, ts: 1 };
    expect(CommitMessageSchema.safeParse({ type: 'commit', seq: 0, fills: [fill], checkpoint: { at: 1 } }).success).toBe(true);
    expect(CommitMessageSchema.safeParse({ type: 'commit', seq: 0, fills: [fill] }).success).toBe(false);
    expect(CommitMessageSchema.safeParse({ type: 'commit', seq: 0, fills: [fill], checkpoint: null }).success).toBe(false);
    expect(CommitMessageSchema.safeParse({ type: 'commit', seq: 0, fills: [{ ...fill, generation: 3 }], checkpoint: {} }).success).toBe(false);
    expect(EngineMessageSchema.safeParse({ type: 'progress', counter: 1, trades: 0, openPositions: 0, realizedPnlMicros: 0.5 }).success).toBe(false);
  });
});
