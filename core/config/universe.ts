import { z } from 'zod';
import { UNIVERSE_DATA } from './universe-data.js';

/** The shape of `configs/universe.yaml`. */
export const UniverseSchema = z.object({
  symbols: z.array(z.object({ base: z.string(), refPriceUsd: z.number().positive() }).strict()).min(1),
  usdRates: z.record(z.string(), z.number().positive()),
});

/** The symbols campaigns may trade, in rank order, with reference prices for the synthetic feed. */
export type SymbolUniverse = z.infer<typeof UniverseSchema>;

let cached: SymbolUniverse | undefined;

/**
 * The symbol universe, checked once. It is compiled in (`universe-data.ts`, generated from
 * `configs/universe.yaml` by `npm run schema`), never read from disk at run time: a Lambda
 * bundle or the engine image holds no `configs/` folder, so a path into the repository would
 * fail only once deployed.
 */
export function symbolUniverse(): SymbolUniverse {
  cached ??= UniverseSchema.parse(UNIVERSE_DATA);
  return cached;
}
