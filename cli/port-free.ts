import { createServer } from 'node:net';
import { ValidationError } from '../core/errors.js';

/**
 * Refuses a loopback port something else already listens on, before anything is started or
 * written: `arbfleet run --api-port N` found it only after it had made the run folder, created the
 * campaign and launched its engines (a STARTING campaign left behind, no report), and `arbfleet
 * serve` after it had taken over every live campaign of its data folder; both ended with Node's
 * "listen EADDRINUSE: address already in use 127.0.0.1:N", exit 1. A check, not a reservation:
 * another process may still take the port before the server listens (that stays exit 1).
 * @param port the port the API will listen on (0, any free port, is never refused).
 * @param option the flag that gave it, for the message (`--api-port`).
 * @throws ValidationError (exit 2) naming the option, the address and the error code.
 */
export async function refuseBusyPort(port: number, option: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const code = await new Promise<string | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (code !== undefined) {
    throw new ValidationError([
      {
        path: option,
        message: `${host}:${port} cannot be listened on (${code}${code === 'EADDRINUSE' ? ': something already listens there, another arbfleet perhaps' : ''}): give another port, or 0 for any free one`,
      },
    ]);
  }
}
