import { isAscii } from 'node:buffer';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** The unfinished line's buffer at first; it grows to the longest line seen, at most the limit. */
const FIRST_BUFFER_BYTES = 64 * 1024;
/** A buffer grown past this is let go once its line is read: one huge line does not pin it for the run. */
const KEPT_BUFFER_BYTES = 1024 * 1024;

/**
 * Splits a child's output stream into lines of at most `maxBytes` (UTF-8, without the newline).
 * A line longer than that is never kept whole: the rest is dropped up to the next newline, and
 * `onOversize` is called once for it (the task protocol's limit, `MAX_LINE_BYTES` in
 * `core/model/task-protocol.ts`). A last line without a newline is delivered by `end()`.
 *
 * Lines are cut on the chunks' bytes (a `\n` byte is never part of a multi-byte UTF-8 character)
 * and each is made a string once, whole: a line inside one chunk straight from it, a line across
 * chunks (a commit of thousands of fills spans reads) from one buffer its pieces are copied into,
 * kept for the next line. A string over 128 KiB is V8's large object, fresh memory mapped for it
 * and unmapped after: a commit costs one, not one per piece plus the joined copy. The chunk may be
 * reused by the caller once `push` returns. An ASCII line (protocol lines are) is copied as Latin-1,
 * without UTF-8 decoding; any other is decoded as UTF-8, bad bytes as U+FFFD.
 */
export class LineSplitter {
  /** The unfinished line's bytes so far: `partBytes` of `part`. */
  private part = Buffer.allocUnsafe(0);
  private partBytes = 0;
  /** Whether every piece of the unfinished line came from an all-ASCII chunk. */
  private partAscii = true;
  /** Bytes of the line being dropped for its size; -1 while the line is within the limit. */
  private dropped = -1;
  private lineNo = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string, lineNo: number) => void,
    private readonly onOversize: (lineNo: number, bytesAtLeast: number) => void,
  ) {}

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    // One ASCII check per chunk (SIMD, a few µs per 64 KiB): its lines are then copied, not decoded.
    const ascii = isAscii(chunk);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        if (start < chunk.length) this.keep(chunk, start, chunk.length, ascii);
        return;
      }
      this.emit(chunk, start, nl, ascii);
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    if (this.partBytes > 0 || this.dropped >= 0) this.emit(this.part, 0, 0, true);
  }

  /** Keeps `chunk[start, end)` of the unfinished line, or counts it if the line is already over the limit. */
  private keep(chunk: Buffer, start: number, end: number, ascii: boolean): void {
    if (this.dropped >= 0) {
      this.dropped += end - start;
      return;
    }
    const total = this.partBytes + end - start;
    if (total > this.maxBytes) {
      this.dropped = total;
      this.partBytes = 0;
      return;
    }
    if (total > this.part.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(FIRST_BUFFER_BYTES, total, this.part.length * 2)));
      this.part.copy(grown, 0, 0, this.partBytes);
      this.part = grown;
    }
    chunk.copy(this.part, this.partBytes, start, end);
    if (this.partBytes === 0) this.partAscii = true;
    this.partAscii &&= ascii;
    this.partBytes = total;
  }

  /** Ends the line whose last piece is `chunk[start, end)`. */
  private emit(chunk: Buffer, start: number, end: number, ascii: boolean): void {
    this.lineNo++;
    if (this.dropped >= 0 || this.partBytes + end - start > this.maxBytes) {
      const bytes = (this.dropped >= 0 ? this.dropped : this.partBytes) + end - start;
      this.dropped = -1;
      this.partBytes = 0;
      this.onOversize(this.lineNo, bytes);
      return;
    }
    let bytes = chunk;
    let from = start;
    let to = end;
    let latin1 = ascii;
    if (this.partBytes > 0) {
      this.keep(chunk, start, end, ascii);
      latin1 = this.partAscii;
      bytes = this.part;
      from = 0;
      to = this.partBytes;
      this.partBytes = 0;
    }
    if (to > from && bytes[to - 1] === CARRIAGE_RETURN) to--;
    const line = bytes.toString(latin1 ? 'latin1' : 'utf8', from, to);
    if (this.part.length > KEPT_BUFFER_BYTES) this.part = Buffer.allocUnsafe(0);
    this.onLine(line, this.lineNo);
  }
}
