/**
 * `GET /events`: the live console's updates as server-sent events (`text/event-stream`), served by
 * the local API only (`local-http-server.ts`; API Gateway's REST API cannot hold a stream open, so
 * the handler answers the route 404 there).
 *
 * A stream is opened for a page: `?campaignId=` for one campaign's page, none for the list of runs.
 * It first sends every section of that page, then, from one shared poller, each section whose HTML
 * changed. The poller runs only while a stream is open, at most once per {@link EVENT_POLL_MS}
 * (a poll that is still reading skips the next turn), and reads each page once however many
 * streams show it. A stream that has had nothing to say for {@link EVENT_KEEP_ALIVE_MS} gets a
 * comment line, so a dead client is noticed by the failed write and the connection is released.
 *
 * Events (each `data` one line of JSON):
 * - `section` `{ id, html }`: put `html` in the element `id`;
 * - `trouble` `{ message }`: the page could not be read this time (the store busy, the campaign
 *   gone); sent once per distinct message, the stream stays open and the next good read resumes.
 *
 * Limits: at most `maxStreams` streams at once (a further one is refused 429,
 * `TooManyStreamsError`), below the server's connection cap so the CLI always finds a connection;
 * a client that does not read (more than {@link MAX_BUFFERED_BYTES} waiting) is disconnected.
 * `close()` ends every stream and stops the poller, so the server's shutdown never waits on one.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import type { ApiLog } from './api-handler.js';
import { TooManyStreamsError } from './http-errors.js';
import { campaignIdFromPath } from './request-ids.js';

/** The poller's period (ms): the console's updates are at most 1 Hz. */
export const EVENT_POLL_MS = 1000;

/** A stream silent this long (ms) gets a `: keep-alive` comment. */
export const EVENT_KEEP_ALIVE_MS = 15_000;

/** Default cap on open streams: a few console tabs, far below the API's connection cap (256). */
export const DEFAULT_MAX_STREAMS = 16;

/** A client with more than this many bytes not yet taken is dropped (it would otherwise grow the server's memory). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** How long a client waits before reconnecting after the stream drops (ms; the `retry:` field). */
export const EVENT_RETRY_MS = 2000;

/** One part of a page: the element id and its inner HTML (`core/report/console-sections.ts` makes them). */
export interface StreamSection {
  id: string;
  html: string;
}

export interface EventStreamOptions {
  /** The sections of a page: one campaign's, or the list's (`undefined`). Throws `NotFoundError` for an unknown campaign. */
  sections: (campaignId: string | undefined) => Promise<readonly StreamSection[]>;
  clock: Clock;
  /** Default {@link DEFAULT_MAX_STREAMS}. */
  maxStreams?: number;
  /** Receives `api.event_stream_trouble` when a page cannot be read. Default: one JSON line on stderr. */
  log?: ApiLog;
}

interface Stream {
  campaignId: string | undefined;
  res: ServerResponse;
  sent: Map<string, string>;
  trouble: string | undefined;
  lastWriteAt: number;
}

/** The open event streams of one server and their shared poller. */
export class EventStreams {
  private readonly streams = new Set<Stream>();
  private readonly maxStreams: number;
  private reserved = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private closed = false;

  constructor(private readonly options: EventStreamOptions) {
    this.maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    if (!Number.isSafeInteger(this.maxStreams) || this.maxStreams < 1) throw new RangeError(`maxStreams must be a positive integer, got ${this.maxStreams}`);
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Opens a stream on `res` for the page `query` names and sends its sections.
   * @throws TooManyStreamsError when `maxStreams` are open; NotFoundError for a campaign id that cannot be or is not there. Nothing is written then.
   */
  async open(res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (this.closed) {
      res.destroy();
      return;
    }
    if (this.streams.size + this.reserved >= this.maxStreams) throw new TooManyStreamsError(this.maxStreams);
    const asked = query.get('campaignId');
    const campaignId = asked === null ? undefined : campaignIdFromPath(asked);
    this.reserved++;
    let sections: readonly StreamSection[];
    try {
      sections = await this.options.sections(campaignId);
    } finally {
      this.reserved--;
    }
    if (this.closed || res.destroyed) {
      res.destroy();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    const stream: Stream = { campaignId, res, sent: new Map(), trouble: undefined, lastWriteAt: this.options.clock.now() };
    this.streams.add(stream);
    res.on('close', () => this.drop(stream));
    this.write(stream, `retry: ${EVENT_RETRY_MS}\n\n`);
    this.sendChanged(stream, sections);
    this.timer ??= setInterval(() => void this.poll(), EVENT_POLL_MS);
  }

  /** Ends every stream and stops the poller; later `open`s are refused. */
  close(): void {
    this.closed = true;
    this.stopPolling();
    for (const stream of this.streams) stream.res.end();
    this.streams.clear();
  }

  private drop(stream: Stream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopPolling();
  }

  private stopPolling(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One turn of the shared poller: each page shown by an open stream is read once. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const pages = new Map<string | undefined, Stream[]>();
      for (const stream of this.streams) pages.set(stream.campaignId, [...(pages.get(stream.campaignId) ?? []), stream]);
      for (const [campaignId, streams] of pages) {
        let sections: readonly StreamSection[];
        try {
          sections = await this.options.sections(campaignId);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          for (const stream of streams) this.sendTrouble(stream, message, campaignId);
          continue;
        }
        for (const stream of streams) {
          stream.trouble = undefined;
          this.sendChanged(stream, sections);
        }
      }
      const now = this.options.clock.now();
      for (const stream of this.streams) if (now - stream.lastWriteAt >= EVENT_KEEP_ALIVE_MS) this.write(stream, ': keep-alive\n\n');
    } finally {
      this.polling = false;
    }
  }

  private sendChanged(stream: Stream, sections: readonly StreamSection[]): void {
    for (const section of sections) {
      if (stream.sent.get(section.id) === section.html) continue;
      stream.sent.set(section.id, section.html);
      this.write(stream, `event: section\ndata: ${JSON.stringify({ id: section.id, html: section.html })}\n\n`);
    }
  }

  private sendTrouble(stream: Stream, message: string, campaignId: string | undefined): void {
    if (stream.trouble === message) return;
    stream.trouble = message;
    this.write(stream, `event: trouble\ndata: ${JSON.stringify({ message })}\n\n`);
    try {
      (this.options.log ?? logToStderr)('api.event_stream_trouble', { campaignId, message });
    } catch {
      // The stream says it; a logger that throws must not stop the poller.
    }
  }

  private write(stream: Stream, text: string): void {
    if (stream.res.destroyed) return;
    if (stream.res.writableLength > MAX_BUFFERED_BYTES) {
      stream.res.destroy();
      return;
    }
    stream.res.write(text);
    stream.lastWriteAt = this.options.clock.now();
  }
}

function logToStderr(event: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', event, ...fields })}\n`);
}
