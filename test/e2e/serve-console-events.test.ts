/**
 * The live console's server-sent events over HTTP (issue 21), read by a raw client from a real
 * `arbfleet serve`: a stream opened on the list of runs sends its sections at once, then, without
 * any further request, the list again once a campaign is created (pushed, not polled); a
 * campaign's stream sends its shards; an unknown campaign is a JSON 404; the streams are capped
 * (429 beyond the cap, with the rest still served); and SIGTERM ends a serve holding open streams
 * promptly, the streams ended by the server.
 */
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STREAMS } from '../../core/api/event-streams.js';
import { runFolder, startCli, type CliProcess } from '../support/cli-process.js';
import { waitFor } from '../support/engine-process.js';
import { rawRequest } from '../support/raw-http.js';

const CAMPAIGN = {
  name: 'streamed',
  symbols: ['BTC'],
  venues: { a: { name: 'upbit', quoteCurrency: 'KRW', takerFeeBps: 5 }, b: { name: 'binance', quoteCurrency: 'USDT', takerFeeBps: 10 } },
  fx: { pair: 'USDT/KRW', rate: 1380 },
  feed: { kind: 'synthetic', seed: 2121, ticksPerSecond: 10 },
  duration: '3m',
};

/** One event of a stream: its `event:` name and `data:` parsed. */
interface StreamEvent {
  event: string;
  data: any;
}

/** A raw reader of one `text/event-stream` response: the events so far, and whether the server ended it. */
interface StreamReader {
  res: IncomingMessage;
  events: StreamEvent[];
  ended: () => boolean;
  /** Everything received, as text (a refusal's JSON body). */
  text: () => string;
  close: () => void;
}

function openStream(port: number, path: string): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream' } }, (res) => {
      const events: StreamEvent[] = [];
      let buffer = '';
      let all = '';
      let ended = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        all += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) events.push({ event: name, data: JSON.parse(data) });
          cut = buffer.indexOf('\n\n');
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
      res.on('error', () => (ended = true));
      resolve({ res, events, ended: () => ended, text: () => all, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const started: CliProcess[] = [];
const readers: StreamReader[] = [];
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
  for (const cli of started.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
});

describe('arbfleet serve pushes the console as server-sent events', () => {
  it('sends the sections, pushes a change without a request, caps the streams and ends them on SIGTERM', async () => {
    const dir = runFolder();
    const serve = startCli(['serve', '--api-port', '0', '--data', join(dir, 'data'), '--json']);
    started.push(serve);
    const url = await waitFor('arbfleet serve to listen', () => /control plane on (http:\/\/127\.0\.0\.1:\d+)\//.exec(serve.stderr())?.[1], 60_000);
    const port = Number(new URL(url).port);
    const host = `127.0.0.1:${port}`;

    const list = await openStream(port, '/events');
    readers.push(list);
    expect(list.res.statusCode).toBe(200);
    expect(list.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const first = await waitFor('the list page sections', () => (list.events.length >= 2 ? list.events.slice(0, 2) : undefined), 30_000);
    expect(first.map((e) => [e.event, e.data.id])).toEqual([
      ['section', 'console-runs'],
      ['section', 'console-schedules'],
    ]);
    expect(first[0]!.data.html).toContain('No campaigns yet');

    const created = await rawRequest(port, 'POST', '/campaigns', { host, 'content-type': 'application/json' }, JSON.stringify(CAMPAIGN));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.campaign.campaignId as string;
    // Pushed on the stream opened before the campaign existed: the list now has its row and link.
    const pushed = await waitFor(
      'the runs section pushed with the new campaign',
      () => list.events.find((e) => e.data.id === 'console-runs' && String(e.data.html).includes(`data-campaign="${campaignId}"`)),
      30_000,
    );
    expect(pushed.data.html).toContain(`href="/?campaignId=${campaignId}"`);

    const one = await openStream(port, `/events?campaignId=${campaignId}`);
    readers.push(one);
    expect(one.res.statusCode).toBe(200);
    await waitFor(
      'the campaign page pushed with its shard RUNNING',
      () => one.events.find((e) => e.data.id === 'console-shards' && String(e.data.html).includes('data-status="RUNNING"')),
      60_000,
    );
    expect(new Set(one.events.map((e) => e.data.id))).toEqual(new Set(['console-campaign', 'console-shards', 'console-restarts', 'console-trades']));

    const unknown = await rawRequest(port, 'GET', '/events?campaignId=no-such-campaign', { host });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('NotFoundError');

    // The cap: two streams are open; fill it, then one more is refused and the API still answers.
    for (let i = 2; i < DEFAULT_MAX_STREAMS; i++) {
      const extra = await openStream(port, '/events');
      readers.push(extra);
      expect(extra.res.statusCode).toBe(200);
    }
    const refused = await openStream(port, '/events');
    readers.push(refused);
    expect(refused.res.statusCode).toBe(429);
    await waitFor('the refusal to end', () => (refused.ended() ? true : undefined), 30_000);
    expect(JSON.parse(refused.text())).toEqual({
      error: 'TooManyStreamsError',
      message: `at most ${DEFAULT_MAX_STREAMS} console event streams are served at once and all are open: close a console tab and reload`,
    });
    expect((await rawRequest(port, 'GET', `/campaigns/${campaignId}`, { host })).status).toBe(200);

    const stopped = await rawRequest(port, 'POST', `/campaigns/${campaignId}/stop`, { host, 'x-arbfleet-client': 'test' });
    expect(stopped.status).toBe(200);
    await waitFor(
      'CANCELLED pushed on the campaign stream',
      () => one.events.find((e) => e.data.id === 'console-campaign' && String(e.data.html).includes('id="campaign-status">CANCELLED')),
      60_000,
    );

    serve.child.kill('SIGTERM');
    const exit = await waitFor('serve to exit on SIGTERM with streams open', () => (serve.child.exitCode !== null ? serve.child.exitCode : undefined), 30_000);
    expect(exit, serve.stderr().slice(-2000)).toBe(0);
    expect(readers.every((r) => r.ended())).toBe(true);
  });
});
