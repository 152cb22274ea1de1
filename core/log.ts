import { systemClock } from './clock.js';

/**
 * Structured logging for the engine: one JSON object per line (what CloudWatch and the fleet
 * read), or a short human line when stdout is a terminal. Never called on the per-tick path.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The port core services log through (`FleetContext.log`): `event` says what happened, `fields`
 * carry the domain words (`campaignId`, `shardId`, `generation`, …) under the same names
 * everywhere. `createLogger` below is the local adapter; the Lambdas plug Powertools' Logger in
 * behind the same port (`functions/lambda-log.ts`), so core never imports Powertools.
 */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Human-readable lines instead of JSON (default: when stdout is a TTY). */
  pretty?: boolean;
  /** Fields stamped on every line (campaign, shard, generation). */
  context?: Record<string, unknown>;
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const context = options.context ?? {};
  const now = options.now ?? systemClock.now;
  return {
    log(level, event, fields = {}) {
      const at = new Date(now()).toISOString();
      if (!pretty) {
        write(JSON.stringify({ at, level, event, ...context, ...fields }));
        return;
      }
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${at.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${event} ${rest}`);
    },
  };
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3);
}

/** A logger that drops everything (benchmarks). */
export const silentLogger: Logger = { log() {} };
