/**
 * `arbfleet data record CONFIG -o OUT [--duration D]`: records the venues' live streams (the
 * campaign's venues and symbols, its live feed's settings when it has one) into the canonical
 * replay CSV, without trading. A composition root over `core/data/live/live-feed.ts`.
 */
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { LiveFeedSchema } from '../core/config/campaign-config.js';
import { parseDurationSeconds } from '../core/config/duration.js';
import { loadCampaignFile } from '../core/config/load-config.js';
import { ValidationError } from '../core/errors.js';
import { CLI_EXIT } from '../core/exit-codes.js';
import { LiveFeed, type LiveVenueState } from '../core/data/live/live-feed.js';
import { MAX_BOOK_LEVELS } from '../core/data/quote-record.js';

/** How often progress is printed while recording. */
const PROGRESS_MS = 10_000;

/** `arbfleet data record`'s options, as `cli/program.ts` declares them. */
export interface DataRecordOptions {
  out?: string;
  duration?: string;
  symbols?: string;
  levels?: string;
  json?: boolean;
}

/**
 * Book levels a side recorded by default for a campaign's execution model, as its engine keeps them
 * (`bookLevelsFor` in `engine-task/src/execution/execution-model.ts`): none for `top` (top prices
 * only, the compact file), the top with its sizes for `top-size`, every level up to
 * `MAX_BOOK_LEVELS` for `depth` (Upbit sends 15; Binance's bookTicker its top).
 */
export function recordLevelsFor(model: 'top' | 'top-size' | 'depth'): number {
  return model === 'top' ? 0 : model === 'top-size' ? 1 : MAX_BOOK_LEVELS;
}

/** Runs `arbfleet data record CONFIG …`; resolves with the exit code (`CLI_EXIT`: 0 recorded, 2 bad input). */
export async function dataRecordCommand(configPath: string, values: DataRecordOptions, clock: Clock = systemClock): Promise<number> {
  if (!values.out) throw usage('--out', 'give the CSV to record into, e.g. -o data/live.csv');
  const campaign = loadCampaignFile(configPath);
  const { config } = campaign;
  const seconds = values.duration === undefined ? config.duration : parseDurationSeconds(values.duration);
  if (seconds === undefined || seconds <= 0) throw usage('--duration', `expected a duration such as 90s or 10m, got "${values.duration}"`);
  const all = campaign.symbols.map((s) => s.base);
  const symbols =
    values.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? all;
  const unknown = symbols.filter((s) => !all.includes(s));
  if (unknown.length > 0) throw usage('--symbols', `not in the campaign: ${unknown.join(', ')}`);
  const levels = values.levels === undefined ? recordLevelsFor(config.execution.model) : Number(values.levels);
  if (!Number.isInteger(levels) || levels < 0 || levels > MAX_BOOK_LEVELS) {
    throw usage('--levels', `expected a whole number of levels a side from 0 to ${MAX_BOOK_LEVELS}, got "${values.levels}"`);
  }
  const out = resolve(values.out);
  const live = config.feed.kind === 'live' ? config.feed : LiveFeedSchema.parse({ kind: 'live' });
  const print = (event: string, fields: Record<string, unknown>) =>
    process.stderr.write(
      values.json
        ? `${JSON.stringify({ event, ...fields })}\n`
        : `${event}: ${Object.entries(fields)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
            .join(' ')}\n`,
    );

  const startedAt = clock.now();
  const endsAt = startedAt + seconds * 1000;
  let wake: (() => void) | undefined;
  const feed = new LiveFeed({
    feed: { ...live, record: out },
    venues: config.venues,
    symbols,
    fxRate: campaign.fxRate,
    clock,
    levels,
    onUpdate: () => wake?.(),
  });
  let stopped: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopped ??= signal;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  print('recording', { out, symbols: symbols.join(','), seconds, levels, venues: `${config.venues.a.name},${config.venues.b.name}` });
  const sink = { updates: 0, onQuote: () => sink.updates++, onFx: () => sink.updates++ };
  let nextProgress = startedAt + PROGRESS_MS;
  try {
    for (;;) {
      const now = clock.now();
      feed.emitUntil(now, 1_000_000, sink);
      if (stopped || now >= endsAt) break;
      if (now >= nextProgress) {
        print('progress', { rows: feed.recordedRows(), ...venueLines(feed) });
        nextProgress = now + PROGRESS_MS;
      }
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.max(0, Math.min(endsAt, nextProgress) - clock.now()));
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
      wake = undefined;
    }
  } finally {
    const states = venueLines(feed);
    feed.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    print('recorded', {
      out,
      rows: feed.recordedRows(),
      seconds: Math.round((clock.now() - startedAt) / 100) / 10,
      ...(stopped ? { stoppedBy: stopped } : {}),
      ...states,
    });
  }
  return CLI_EXIT.OK;
}

function venueLines(feed: LiveFeed): Record<string, string> {
  const v = feed.venueStates();
  const line = (s: LiveVenueState) => {
    const skipped = Object.entries(s.skipped).filter(([, n]) => n > 0);
    return `${s.venue} ${s.connected ? 'connected' : 'down'}${s.stale ? ' STALE' : ''} quotes ${s.quotes} reconnects ${s.reconnects}${skipped.length > 0 ? ` skipped ${skipped.map(([r, n]) => `${r}:${n}`).join(',')}` : ''}`;
  };
  return { a: line(v.a), b: line(v.b), ...(v.fx ? { fx: line(v.fx) } : {}) };
}

function usage(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }], 'arbfleet data record');
}
