import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a child's output stream into lines of at most `maxBytes` (UTF-8, without the newline).
 * A line longer than that is never kept whole: the rest is dropped up to the next newline, and
 * `onOversize` is called once for it (the task protocol's limit, `MAX_LINE_BYTES` in
 * `core/model/task-protocol.ts`). A last line without a newline is delivered by `end()`.
 *
 * Each chunk is decoded once (a UTF-8 character split across chunks is kept for the next) and cut
 * on `\n` in the string: a line costs one `indexOf` and one `slice`. A string of n UTF-16 units holds
 * between n and 3n UTF-8 bytes, so its exact byte length is counted only when 3n passes the limit.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private part = '';
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
    this.take(this.decoder.write(chunk));
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    this.take(this.decoder.end());
    if (this.part.length > 0 || this.dropped >= 0) this.emit('');
  }

  private take(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        if (start < text.length) this.keep(start === 0 ? text : text.slice(start));
        return;
      }
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
  }

  /** Adds a piece of the unfinished line, or counts it if the line is already over the limit. */
  private keep(piece: string): void {
    if (this.dropped >= 0) {
      this.dropped += Buffer.byteLength(piece);
      return;
    }
    const joined = this.part.length === 0 ? piece : this.part + piece;
    if (joined.length * 3 > this.maxBytes && Buffer.byteLength(joined) > this.maxBytes) {
      this.dropped = Buffer.byteLength(joined);
      this.part = '';
      return;
    }
    this.part = joined;
  }

  private emit(tail: string): void {
    this.lineNo++;
    if (this.dropped < 0) {
      const line = this.part.length === 0 ? tail : this.part + tail;
      this.part = '';
      if (line.length * 3 <= this.maxBytes || Buffer.byteLength(line) <= this.maxBytes) {
        this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, this.lineNo);
        return;
      }
      this.dropped = 0;
      tail = line;
    }
    this.onOversize(this.lineNo, this.dropped + Buffer.byteLength(tail));
    this.dropped = -1;
    this.part = '';
  }
}
