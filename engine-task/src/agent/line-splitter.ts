/**
 * Splits a child's output stream into lines of at most `maxBytes` (UTF-8, without the newline).
 * A line longer than that is never buffered whole: its first `maxBytes` are kept, the rest is
 * dropped up to the next newline, and `onOversize` is called once for it (the task protocol's
 * limit, `MAX_LINE_BYTES` in `core/model/task-protocol.ts`). A last line without a newline is
 * delivered by `end()`.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private oversize = false;
  private lineNo = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string, lineNo: number) => void,
    private readonly onOversize: (lineNo: number, bytesAtLeast: number) => void,
  ) {}

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.keep(chunk, start, chunk.length);
        return;
      }
      this.keep(chunk, start, nl);
      this.emit();
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    if (this.partBytes > 0 || this.oversize) this.emit();
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.oversize) {
      this.partBytes += to - from;
      return;
    }
    if (this.partBytes + (to - from) > this.maxBytes) {
      this.oversize = true;
      this.parts = [];
      this.partBytes += to - from;
      return;
    }
    this.parts.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    this.partBytes += to - from;
  }

  private emit(): void {
    this.lineNo++;
    if (this.oversize) {
      this.onOversize(this.lineNo, this.partBytes);
    } else {
      const line = this.parts.length === 1 ? (this.parts[0] as Buffer).toString('utf8') : Buffer.concat(this.parts, this.partBytes).toString('utf8');
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, this.lineNo);
    }
    this.parts = [];
    this.partBytes = 0;
    this.oversize = false;
  }
}
