import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How much of the engine's stdout one read takes at most: a 2,500-fill commit (~400 KB) in one or two reads. */
export const STDOUT_READ_BYTES = 1024 * 1024;

/**
 * The engine's stdout as the agent reads it: a Unix socket whose engine end is the child's fd 1
 * and whose agent end is read into one buffer of `STDOUT_READ_BYTES`, reused for every read.
 *
 * Why not `stdio: 'pipe'`: Node reads a child's pipe 64 KiB at a time into a new buffer each time
 * and through a stream, which at 10,000 fills/s (1.7 MB/s of lines) costs the agent about as much
 * CPU as checking the fills (`npm run bench -- --agent`; a 16 MB replay read here: 44 ms of CPU
 * through the stream, 19 ms this way, with a quarter of the reads). The socket is made in a
 * directory of the agent's own (mode 0700) and unlinked before the engine starts, so no other
 * user can connect to it and the engine cannot find it; the engine sees a socket on fd 1, as it
 * does with `'pipe'` (libuv makes that a socket pair too).
 */
export class EngineStdout {
  private constructor(
    /** The end given to the child as its stdout; closed here once the child has its copy. */
    readonly engineEnd: Socket,
    private readonly agentEnd: Socket,
  ) {}

  /**
   * Opens the socket; `onBytes` gets each read (valid only during the call: the buffer is reused),
   * `onEnd` once when every writer (the engine and whatever it left running) has closed it.
   */
  static async open(onBytes: (bytes: Buffer) => void, onEnd: () => void): Promise<EngineStdout> {
    const dir = mkdtempSync(join(tmpdir(), 'arbfleet-agent-'));
    const path = join(dir, 'stdout.sock');
    const server: Server = createServer({ pauseOnConnect: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
      const buffer = Buffer.allocUnsafe(STDOUT_READ_BYTES);
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const read = (n: number): boolean => {
        onBytes(buffer.subarray(0, n));
        return true;
      };
      const agentEnd = connect({ path, onread: { buffer, callback: read } });
      await new Promise<void>((resolve, reject) => {
        agentEnd.once('error', reject);
        agentEnd.once('connect', () => resolve());
      });
      const engineEnd = await accepted;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        onEnd();
      };
      agentEnd.on('end', end);
      agentEnd.on('close', end);
      agentEnd.on('error', () => undefined); // a reset is an end: 'close' follows
      return new EngineStdout(engineEnd, agentEnd);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The child has its copy of the engine end (or never will): the agent closes its own. */
  spawned(): void {
    this.engineEnd.destroy();
  }

  /** Stops reading (the run is over). */
  close(): void {
    this.engineEnd.destroy();
    this.agentEnd.destroy();
  }
}
