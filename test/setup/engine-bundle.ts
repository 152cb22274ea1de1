/**
 * Global setup of the `e2e` and `aws` test projects: the engine bundle (`engine-task/dist/main.mjs`,
 * the file the image runs) made fresh once before their suites start, so that the engines they
 * start directly (`startEngine`, `ENGINE_COMMAND` in test/support/engine-process.ts) run the
 * artifact, as the local fleet's launcher does (which checks again before every launch). On a
 * fresh clone this is the one build; a bundle that cannot be built fails the run here, in the
 * build's words.
 */
import { ensureEngineBundle } from '../../core/local/engine-bundle.js';

export default async function freshEngineBundle(): Promise<void> {
  const { built } = await ensureEngineBundle();
  if (built) process.stderr.write(`engine bundle built in ${(built.ms / 1000).toFixed(1)} s (${built.reason})\n`);
}
