import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { HEAD_COMPRESSED_BYTES, LineReader, type LinePosition, WHOLE_GUNZIP_LIMITS } from '../../../core/data/line-reader.js';

const REAL = new URL('../../fixtures/real/', import.meta.url).pathname;
const FILES = ['upbit-KRW-BTC-5m.csv.gz', 'binance-BTC-USDT-5m.csv.gz'].map((f) => join(REAL, f));
const limits = { ...WHOLE_GUNZIP_LIMITS };

afterEach(() => Object.assign(WHOLE_GUNZIP_LIMITS, limits));

function lines(path: string, start?: LinePosition): { lines: string[]; positions: LinePosition[] } {
  const reader = new LineReader(path, start);
  const out: string[] = [];
  const positions: LinePosition[] = [];
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    out.push(line);
    positions.push(reader.lastLinePosition());
  }
  reader.close();
  return { lines: out, positions };
}

/** Streamed by fflate, as every gzip file was before the whole-file path and as a large one still is. */
function streamed<T>(read: () => T): T {
  WHOLE_GUNZIP_LIMITS.maxCompressedBytes = 0;
  try {
    return read();
  } finally {
    Object.assign(WHOLE_GUNZIP_LIMITS, limits);
  }
}

describe('LineReader on gzip files', () => {
  it('reads the real 5-minute candles inflated whole by zlib line for line as fflate streams them, and resumes at the same positions', () => {
    for (const file of FILES) {
      const whole = lines(file);
      const stream = streamed(() => lines(file));
      expect(whole.lines.length, file).toBeGreaterThan(5_000);
      expect(whole).toEqual(stream);
      const middle = whole.positions[Math.floor(whole.positions.length / 2)] as LinePosition;
      const resumed = lines(file, middle);
      expect(resumed.lines).toEqual(whole.lines.slice(Math.floor(whole.lines.length / 2)));
      expect(resumed).toEqual(streamed(() => lines(file, middle)));
    }
  });

  it('streams a file that inflates past maxBytes, and one zlib cannot read, with the same lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-line-reader-'));
    const text = Array.from({ length: 3000 }, (_, i) => `${i},${'x'.repeat(i % 50)}`).join('\r\n');
    const big = join(dir, 'big.csv.gz');
    writeFileSync(big, gzipSync(text));
    WHOLE_GUNZIP_LIMITS.maxBytes = 1024;
    expect(lines(big).lines).toEqual(text.split('\r\n'));
    Object.assign(WHOLE_GUNZIP_LIMITS, limits);
    // Cut short: zlib refuses the whole; fflate streams the lines it can and then names the fault, as before.
    const cut = join(dir, 'cut.csv.gz');
    const bytes = readFileSync(big);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    const outcome = (read: () => unknown) => {
      try {
        return read();
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(outcome(() => lines(cut))).toMatch(/cut\.csv\.gz: .*cannot decompress \(gzip\)/);
    expect(outcome(() => lines(cut))).toEqual(streamed(() => outcome(() => lines(cut))));
  });

  it('reads only the head of a large gzip file when asked: the same first lines, none cut, and says it stopped early', () => {
    for (const file of FILES) {
      expect(readFileSync(file).length, file).toBeGreaterThan(HEAD_COMPRESSED_BYTES);
      const whole = lines(file);
      const reader = new LineReader(file, undefined, { head: true });
      const head: string[] = [];
      for (let line = reader.next(); line !== undefined; line = reader.next()) head.push(line);
      reader.close();
      expect(reader.truncated, file).toBe(true);
      expect(head.length, file).toBeGreaterThan(500);
      expect(head.length, file).toBeLessThan(whole.lines.length);
      // Every line the head gives is whole: the one the cut fell in is dropped, not returned short.
      expect(head, file).toEqual(whole.lines.slice(0, head.length));
    }
    // A file within the head's size is read whole, and is not truncated.
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-line-reader-'));
    const small = join(dir, 'small.csv.gz');
    writeFileSync(small, gzipSync('a\nb\nc'));
    const reader = new LineReader(small, undefined, { head: true });
    expect([reader.next(), reader.next(), reader.next(), reader.next()]).toEqual(['a', 'b', 'c', undefined]);
    expect(reader.truncated).toBe(false);
  });
});
