import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { Gunzip, Unzip, UnzipInflate } from 'fflate';
import { ValidationError } from '../errors.js';

/** How a file's bytes are stored, told by its first bytes (never by its name). */
export type Compression = 'none' | 'gzip' | 'zip';

const CHUNK_BYTES = 1 << 20;
/**
 * Compressed bytes read (and inflated) at a time: small, so that a reader wanting only a file's
 * first lines (the preamble, the control plane's source check) inflates about that much and not
 * the whole file (fflate inflates a 1.8 MB candle file in 130 ms here; read in 1 MiB pieces, the
 * check at campaign creation inflated each source twice over, up to 1 s on a loaded machine).
 */
const COMPRESSED_CHUNK_BYTES = 64 << 10;

/**
 * A gzip file this small (compressed bytes) is inflated whole by Node's zlib, into at most
 * `maxBytes`: native, it takes the 5-minute candles' two files (630 KB, 2.2 MB of text) in about
 * 30 ms CPU where fflate, cold in a fresh process, takes about 150 ms, which every engine's boot
 * and the control plane's source check paid. A larger file, one that inflates past `maxBytes`, a
 * zip, or one zlib cannot read (fflate then says why, line by line as before) is streamed by fflate
 * `COMPRESSED_CHUNK_BYTES` at a time: memory stays bounded whatever the file's size.
 */
export const WHOLE_GUNZIP_LIMITS = { maxCompressedBytes: 2 << 20, maxBytes: 8 << 20 };

/**
 * Compressed bytes a reader that wants only a file's first lines (`{ head: true }`: a format's
 * header and probe, the control plane's source check) inflates of a larger gzip file: its prefix,
 * inflated by zlib as far as it goes. The 5-minute candles' files hold about 3,000 lines in it.
 */
export const HEAD_COMPRESSED_BYTES = 64 << 10;

/** Where to start reading: a byte offset in the (decompressed) text and the number of the line there. */
export interface LinePosition {
  /** Byte offset of the line's first byte in the decompressed text. */
  byte: number;
  /** 1-based line number of that line. */
  line: number;
}

/**
 * Reads a text file line by line, synchronously, in 1 MiB chunks: memory stays flat whatever
 * the file's size. gzip (`1f 8b`) and zip (`50 4b 03 04`, the archive's first file) are
 * decompressed on the fly (fflate, synchronous streaming), detected by their magic bytes. A
 * UTF-8 byte-order mark is dropped; CRLF and LF both end a line. `open` errors are
 * `ValidationError`s naming the file.
 */
export class LineReader {
  readonly compression: Compression;
  /**
   * True when this reader read only the head of a gzip file (`{ head: true }`) and stopped before its
   * end: `next()` ran out there, the last (cut) line dropped.
   */
  truncated = false;
  /** 1-based number of the line `next()` returned last (0 before the first). */
  lineNo: number;
  private readonly fd: number;
  private filePos = 0;
  private eof = false;
  private readonly inflated: Uint8Array[] = [];
  private inflater: Gunzip | Unzip | undefined;
  private carry: Buffer = Buffer.alloc(0);
  private text = '';
  private pos = 0;
  private ascii = true;
  /** Decompressed byte offset of `text[0]`. */
  private textByte: number;
  /** Decompressed byte offset of `carry[0]` (the first byte not yet made text). */
  private carryByte: number;
  private lastLineStart = 0;
  private first = true;

  /**
   * @param options.head only the file's first lines are wanted: of a gzip file larger than
   *   `HEAD_COMPRESSED_BYTES`, that much is inflated (`truncated` says when the file went on).
   */
  constructor(
    readonly path: string,
    start: LinePosition = { byte: 0, line: 0 },
    options: { head?: boolean } = {},
  ) {
    try {
      this.fd = openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ValidationError([{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? String(error)}` }], path);
    }
    const magic = Buffer.alloc(4);
    const n = readSync(this.fd, magic, 0, 4, 0);
    this.compression = n >= 2 && magic[0] === 0x1f && magic[1] === 0x8b ? 'gzip' : n === 4 && magic.readUInt32BE(0) === 0x504b0304 ? 'zip' : 'none';
    if (this.compression === 'gzip' && ((options.head === true && this.inflateHead()) || this.inflateWhole())) this.eof = true;
    else if (this.compression !== 'none') this.inflater = this.makeInflater();
    this.lineNo = start.line > 0 ? start.line - 1 : 0;
    this.first = start.byte === 0;
    if (this.compression === 'none') this.filePos = start.byte;
    else this.skipInflated(start.byte);
    this.textByte = start.byte;
    this.carryByte = start.byte;
  }

  /** The next line without its line end, or undefined at the end of the file. */
  next(): string | undefined {
    if (this.pos >= this.text.length && !this.refill()) return undefined;
    const text = this.text;
    const start = this.pos;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    this.pos = end + 1;
    this.lastLineStart = start;
    this.lineNo++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    return text.slice(start, end);
  }

  /** Where the line `next()` returned last begins: reopen there to read it again. */
  lastLinePosition(): LinePosition {
    const offset = this.ascii ? this.lastLineStart : Buffer.byteLength(this.text.slice(0, this.lastLineStart), 'utf8');
    return { byte: this.textByte + offset, line: this.lineNo };
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }

  private refill(): boolean {
    for (;;) {
      const chunk = this.readBytes();
      if (chunk === undefined) {
        if (this.carry.length === 0 || this.truncated) return false;
        const rest = this.carry;
        this.carry = Buffer.alloc(0);
        this.setText(rest, rest.length);
        return true;
      }
      const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
      const lastNewline = bytes.lastIndexOf(10);
      if (lastNewline === -1) {
        this.carry = bytes;
        continue;
      }
      this.carry = Buffer.from(bytes.subarray(lastNewline + 1));
      this.setText(bytes, lastNewline + 1);
      return true;
    }
  }

  private setText(bytes: Buffer, end: number): void {
    this.textByte = this.carryByte;
    this.carryByte += end;
    let text = bytes.toString('utf8', 0, end);
    this.ascii = text.length === end;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        this.textByte += 3;
        this.ascii = text.length === end - 3;
      }
    }
    this.text = text;
    this.pos = 0;
  }

  /** The next raw (decompressed) bytes, or undefined at the end. */
  private readBytes(): Buffer | undefined {
    if (this.compression === 'none') {
      if (this.eof) return undefined;
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = readSync(this.fd, buffer, 0, CHUNK_BYTES, this.filePos);
      if (n === 0) {
        this.eof = true;
        return undefined;
      }
      this.filePos += n;
      return n === CHUNK_BYTES ? buffer : buffer.subarray(0, n);
    }
    while (this.inflated.length === 0) {
      if (this.eof) return undefined;
      this.pumpCompressed();
    }
    const out = this.inflated.shift() as Uint8Array;
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  private pumpCompressed(): void {
    const buffer = Buffer.allocUnsafe(COMPRESSED_CHUNK_BYTES);
    const n = readSync(this.fd, buffer, 0, COMPRESSED_CHUNK_BYTES, this.filePos);
    this.filePos += n;
    const last = n < COMPRESSED_CHUNK_BYTES;
    try {
      this.inflater?.push(buffer.subarray(0, n), last);
    } catch (error) {
      throw new ValidationError([{ path: '', message: `cannot decompress (${this.compression}): ${(error as Error).message}` }], this.path);
    }
    if (last) this.eof = true;
  }

  /**
   * The head of a gzip file larger than `HEAD_COMPRESSED_BYTES`: its first that many bytes inflated
   * by zlib as far as they go (a sync flush: a cut stream is not an error), into `inflated`, the file
   * then `truncated`. False for a smaller file (read whole) or one zlib cannot start to read.
   */
  private inflateHead(): boolean {
    if (fstatSync(this.fd).size <= HEAD_COMPRESSED_BYTES) return false;
    const compressed = Buffer.allocUnsafe(HEAD_COMPRESSED_BYTES);
    const n = readSync(this.fd, compressed, 0, HEAD_COMPRESSED_BYTES, 0);
    let text: Buffer;
    try {
      text = gunzipSync(compressed.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: WHOLE_GUNZIP_LIMITS.maxBytes });
    } catch {
      return false;
    }
    if (text.length === 0) return false;
    this.inflated.push(text);
    this.truncated = true;
    return true;
  }

  /** Inflates a small gzip file at once into `inflated` (`WHOLE_GUNZIP_LIMITS`); false when it is to be streamed instead. */
  private inflateWhole(): boolean {
    const size = fstatSync(this.fd).size;
    if (size > WHOLE_GUNZIP_LIMITS.maxCompressedBytes) return false;
    const compressed = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(this.fd, compressed, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    let text: Buffer;
    try {
      text = gunzipSync(compressed.subarray(0, read), { maxOutputLength: WHOLE_GUNZIP_LIMITS.maxBytes });
    } catch {
      return false; // too large once inflated, or not readable by zlib: fflate streams it (and names the fault where it meets it)
    }
    for (let at = 0; at < text.length; at += CHUNK_BYTES) this.inflated.push(text.subarray(at, Math.min(at + CHUNK_BYTES, text.length)));
    return true;
  }

  private makeInflater(): Gunzip | Unzip {
    if (this.compression === 'gzip') return new Gunzip((chunk) => this.inflated.push(chunk));
    const unzip = new Unzip();
    unzip.register(UnzipInflate);
    let taken = false;
    unzip.onfile = (file) => {
      if (taken || file.name.endsWith('/')) return;
      taken = true;
      file.ondata = (error, chunk) => {
        if (error) throw error;
        if (chunk.length > 0) this.inflated.push(chunk);
      };
      file.start();
    };
    return unzip;
  }

  /** Decompresses and drops the first `bytes` bytes (resuming inside a compressed file). */
  private skipInflated(bytes: number): void {
    let left = bytes;
    while (left > 0) {
      while (this.inflated.length === 0) {
        if (this.eof) return;
        this.pumpCompressed();
      }
      const head = this.inflated[0] as Uint8Array;
      if (head.length <= left) {
        left -= head.length;
        this.inflated.shift();
      } else {
        this.inflated[0] = head.subarray(left);
        left = 0;
      }
    }
  }
}
