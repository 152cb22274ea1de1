/**
 * The file-descriptor budget of a local control plane: `arbfleet serve` and `arbfleet run
 * --api-port` run the API server, the store and the process launcher in one process, under one
 * `RLIMIT_NOFILE`. Every API connection holds a descriptor; so does every pipe and log file of a
 * spawned engine. Left uncapped, 1,100 half-open requests to a process limited to 1,024
 * descriptors made a SIGKILLed engine's relaunch fail with EMFILE and kept its shard down 62 s
 * (`../shared/cases/from-public-reports/slowloris-starves-restarts/`). So the API gets a share of
 * the limit and the rest is kept for the fleet.
 *
 * Why a reserve in one process rather than the API in a process of its own: the API handler, the
 * live page and the fleet's services share one store connection and one set of in-memory state
 * (the launcher's children, the watchdog's heartbeat memory); a second process would need an IPC
 * protocol for all of it, and a connection cap with a reserve bounds the API's descriptors just as
 * well. Raising the soft limit to the hard one is not available from Node's API, and Node itself
 * already does it at start-up (`PlatformInit` in `src/node.cc`), so the soft limit read here is
 * already as high as the process may go.
 */
import { readFileSync } from 'node:fs';

/** The API's own ceiling on open connections, whatever the descriptor limit (Node's default is none). */
export const DEFAULT_MAX_API_CONNECTIONS = 256;

/**
 * Descriptors kept for everything that is not the API: Node's own (event loop, signal pipes,
 * stdio, the libuv thread pool), the SQLite store (the database, its `-wal` and `-shm`), report
 * files being written, and every spawned engine (its stderr pipe and log file while it runs, and
 * the pipes `spawn` opens for a moment while it starts one). 256 covers 100 live engines at two
 * descriptors each plus a restart storm's spawns and Node's ~30.
 */
export const FLEET_DESCRIPTOR_RESERVE = 256;

/** The fewest connections the API is ever given, so that a tight limit still leaves it usable. */
const MIN_API_CONNECTIONS = 16;

/**
 * This process's soft limit on open files (`Max open files` in `/proc/self/limits`, what
 * `ulimit -n` sets), or `undefined` where it cannot be read (not Linux) or is unlimited.
 */
export function openFileLimit(limitsText: string | undefined = readProcLimits()): number | undefined {
  const line = limitsText?.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || !/^\d+$/.test(soft)) return undefined;
  return Number(soft);
}

/**
 * How many connections the local API may hold at once: {@link DEFAULT_MAX_API_CONNECTIONS}, lowered
 * so that {@link FLEET_DESCRIPTOR_RESERVE} descriptors stay free under `limit` (the soft
 * `RLIMIT_NOFILE`), and never below 16. With `ulimit -n 1024`: 256; with 512: 256; with 384: 128.
 * An unknown limit leaves the default.
 */
export function apiConnectionCap(limit: number | undefined = openFileLimit()): number {
  if (limit === undefined) return DEFAULT_MAX_API_CONNECTIONS;
  return Math.max(MIN_API_CONNECTIONS, Math.min(DEFAULT_MAX_API_CONNECTIONS, limit - FLEET_DESCRIPTOR_RESERVE));
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
