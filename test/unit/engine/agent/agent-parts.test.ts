import { describe, expect, it } from 'vitest';
import { commitProblem } from '../../../../engine-task/src/agent/commit-check.js';
import { readEngineLine } from '../../../../engine-task/src/agent/engine-line.js';
import { LineSplitter } from '../../../../engine-task/src/agent/line-splitter.js';
import { LogBudget } from '../../../../engine-task/src/agent/log-budget.js';
import { engineEnvironment } from '../../../../engine-task/src/agent/task-agent.js';
import type { CommitMessage } from '../../../../core/model/task-protocol.js';

function split(maxBytes: number, chunks: string[]): { lines: [string, number][]; oversize: [number, number][] } {
  const lines: [string, number][] = [];
  const oversize: [number, number][] = [];
  const splitter = new LineSplitter(
    maxBytes,
    (line, n) => lines.push([line, n]),
    (n, bytes) => oversize.push([n, bytes]),
  );
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return { lines, oversize };
}

describe('LineSplitter', () => {
  it('joins lines split across chunks, numbers them, drops a CR before the newline, and keeps a last line without newline', () => {
    expect(split(100, ['ab', 'c\nde\r\n', '\nf'])).toEqual({
      lines: [
        ['abc', 1],
        ['de', 2],
        ['', 3],
        ['f', 4],
      ],
      oversize: [],
    });
  });

  it('keeps what it needs of a chunk: the reader may overwrite its buffer after each push (as the engine stdout socket does)', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(
      100,
      (line) => lines.push(line),
      () => undefined,
    );
    const buffer = Buffer.alloc(8);
    for (const piece of ['abc', 'def\ngh', 'ij\nk', 'l\n']) {
      buffer.fill(0x3f); // '?' over what the last read left
      const n = buffer.write(piece);
      splitter.push(buffer.subarray(0, n));
    }
    expect(lines).toEqual(['abcdef', 'ghij', 'kl']);
  });

  it('decodes a line with UTF-8 as UTF-8, also when a character is split across chunks, and bad bytes as U+FFFD', () => {
    const euro = Buffer.from('€'); // three bytes
    const chunks = [Buffer.from('prix 5'), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\ncafé\n')]), Buffer.from([0x61, 0xff, 0x0a])];
    const lines: string[] = [];
    const splitter = new LineSplitter(
      100,
      (line) => lines.push(line),
      () => undefined,
    );
    for (const chunk of chunks) splitter.push(chunk);
    expect(lines).toEqual(['prix 5€', 'café', 'a\ufffd']);
  });

  it('a line of exactly the limit passes; one byte more is reported once with its size and never buffered whole, and the next line is read', () => {
    expect(split(4, ['abcd\n']).lines).toEqual([['abcd', 1]]);
    expect(split(4, ['abc', 'de', 'fgh\nok\n'])).toEqual({ lines: [['ok', 2]], oversize: [[1, 8]] });
  });
});

describe('readEngineLine', () => {
  it('plain text, JSON that is not an object, and objects without a protocol type are logs', () => {
    for (const line of ['hello world', '[1,2]', '{"level":"info","msg":"x"}', '{"type":"custom"}', '{not json'])
      expect(readEngineLine(line)).toEqual({ kind: 'log' });
  });

  it('a protocol type that breaks its schema is a violation naming the field; a commit keeps its seq for the answer', () => {
    expect(readEngineLine('{"type":"progress","counter":-1,"trades":0,"openPositions":0,"realizedPnlMicros":0}')).toMatchObject({
      kind: 'violation',
      problem: expect.stringMatching(/^progress message: counter: /),
    });
    expect(readEngineLine('{"type":"commit","seq":4,"fills":[]}')).toMatchObject({
      kind: 'violation',
      commitSeq: 4,
      problem: expect.stringMatching(/^commit message: checkpoint: /),
    });
    expect(readEngineLine('{"type":"done","reason":"feed-done"}')).toEqual({ kind: 'message', message: { type: 'done', reason: 'feed-done' } });
  });
});

describe('commitProblem', () => {
  const fill = (seq: number, symbol = 'BTC') => ({
    seq,
    tradeId: 0,
    symbol,
    venue: 'A' as const,
    side: 'BUY' as const,
    kind: 'OPEN' as const,
    reason: 'ENTRY' as const,
    qty: 1,
    price: 1,
    fee: 0,
    fxRate: 1,
    ts: 0,
  });
  const commit = (seq: number, fills: CommitMessage['fills']): CommitMessage => ({ type: 'commit', seq, fills, checkpoint: {} });
  const symbols = new Set(['BTC', 'ETH']);
  const cursor = { nextCommitSeq: 2, nextFillSeq: 10 };

  it('accepts the next commit whose fills continue the ledger, and an empty one', () => {
    expect(commitProblem(commit(2, [fill(10), fill(11, 'ETH')]), cursor, symbols)).toBeUndefined();
    expect(commitProblem(commit(2, []), cursor, symbols)).toBeUndefined();
  });

  it('names a commit seq out of order, a fill seq that goes back or skips (at its index), and a symbol outside the shard', () => {
    expect(commitProblem(commit(3, []), cursor, symbols)).toBe(
      'commit 3: seq: expected 2 (commits are numbered one by one from 0 in each generation), found 3',
    );
    expect(commitProblem(commit(1, []), cursor, symbols)).toMatch(/^commit 1: seq: expected 2/);
    expect(commitProblem(commit(2, [fill(10), fill(10)]), cursor, symbols)).toBe(
      'commit 2: fills[1].seq: expected 11 (fills continue the ledger one by one), found 10 (it goes back)',
    );
    expect(commitProblem(commit(2, [fill(12)]), cursor, symbols)).toBe(
      'commit 2: fills[0].seq: expected 10 (fills continue the ledger one by one), found 12 (it skips)',
    );
    expect(commitProblem(commit(2, [fill(10), fill(11, 'XRP')]), cursor, symbols)).toBe(
      `commit 2: fills[1].symbol: expected one of the shard's symbols (BTC, ETH), found "XRP"`,
    );
  });
});

describe('LogBudget', () => {
  it('lets a second of bytes through at once, then refills at its rate, counting what it drops', () => {
    const budget = new LogBudget(1000, 0);
    expect(budget.take(600, 0)).toBe(true);
    expect(budget.take(600, 0)).toBe(false);
    expect(budget.take(600, 200)).toBe(true); // 400 + 200 refilled
    expect(budget.take(100, 200)).toBe(false);
    expect(budget.takeDropped()).toBe(700);
    expect(budget.takeDropped()).toBe(0);
    expect(budget.take(1000, 10_000)).toBe(true); // never more than a second in reserve
    expect(budget.take(1, 10_000)).toBe(false);
  });
});

describe('engineEnvironment', () => {
  it('keeps the process environment but the store and cloud variables, then adds engine.env', () => {
    const env = engineEnvironment(
      {
        PATH: '/bin',
        ARBFLEET_STORE: 'sqlite:x',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2',
        ECS_CONTAINER_METADATA_URI_V4: 'u',
        HOME: '/h',
      },
      { MODE: 'paper' },
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', MODE: 'paper' });
  });
});
