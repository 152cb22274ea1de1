import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const UniverseSchema = z.object({
  symbols: z.array(z.object({ base: z.string(), refPriceUsd: z.number().positive() }).strict()).min(1),
  usdRates: z.record(z.string(), z.number().positive()),
});

/** The symbols campaigns may trade, in rank order, with reference prices for the synthetic feed. */
export type SymbolUniverse = z.infer<typeof UniverseSchema>;

/** Where the universe lives in the repository. */
export const UNIVERSE_PATH = fileURLToPath(new URL('../../configs/universe.yaml', import.meta.url));

let cached: SymbolUniverse | undefined;

/** Loads (once) and returns `configs/universe.yaml`. */
export function symbolUniverse(): SymbolUniverse {
  cached ??= UniverseSchema.parse(parseYaml(readFileSync(UNIVERSE_PATH, 'utf8')));
  return cached;
}
