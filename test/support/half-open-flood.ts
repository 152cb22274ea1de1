/**
 * A slowloris from this process, for tests only: holds up to `connections` connections to a
 * loopback port, each with a request begun and never finished (a request line, then one header
 * line every `trickleMs`), and opens a new one whenever the server drops one, until `stop()` or
 * `maxMs`. Loopback only, a bounded count and a bounded time.
 */
import { connect, type Socket } from 'node:net';

export interface HalfOpenFlood {
  /** Connections open right now. */
  held(): number;
  /** Connections opened so far, and how many of them the server closed. */
  opened(): number;
  dropped(): number;
  /** Closes every connection and stops opening new ones. */
  stop(): void;
}

const MAX_CONNECTIONS = 4_000;

export function startHalfOpenFlood(port: number, connections: number, options: { maxMs: number; trickleMs?: number; refillMs?: number }): HalfOpenFlood {
  if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS)
    throw new Error(`startHalfOpenFlood: expected 1 to ${MAX_CONNECTIONS} connections, got ${connections}`);
  const open = new Set<Socket>();
  let opened = 0;
  let dropped = 0;
  let stopped = false;
  const openOne = (): void => {
    const socket = connect(port, '127.0.0.1');
    opened++;
    open.add(socket);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write('POST /campaigns HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined); // a 408 or 400 answer: the close follows
    socket.on('close', () => {
      if (open.delete(socket) && !stopped) dropped++;
    });
  };
  const refill = setInterval(() => {
    for (let n = open.size; n < connections; n++) openOne();
  }, options.refillMs ?? 200);
  const trickle = setInterval(() => {
    for (const socket of open) if (socket.writable && !socket.connecting) socket.write('X-a: b\r\n');
  }, options.trickleMs ?? 2_000);
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(refill);
    clearInterval(trickle);
    clearTimeout(deadline);
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const deadline = setTimeout(stop, options.maxMs);
  return { held: () => [...open].filter((s) => !s.connecting && !s.destroyed).length, opened: () => opened, dropped: () => dropped, stop };
}
