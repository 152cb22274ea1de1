import type { CampaignConfig } from './campaign-config.js';
import type { FieldIssue } from '../errors.js';
import { ValidationError } from '../errors.js';
import type { SymbolUniverse } from './universe.js';

/** One tradable symbol with the reference price the synthetic feed starts from. */
export interface SymbolSpec {
  base: string;
  /** A plausible mid price in venue B's quote currency (the reporting currency). */
  refPrice: number;
}

/** A validated config with its symbols resolved against the universe. */
export interface Campaign {
  config: CampaignConfig;
  symbols: SymbolSpec[];
  /** Venue B's quote currency: every P&L figure is in it. */
  reportingCurrency: string;
  /** Units of venue A's quote per unit of venue B's at the start (1 when they match). */
  fxRate: number;
}

/**
 * Resolves `symbols` (a list, or `{ top: N }`) against the universe and checks every symbol is
 * known, so a typo fails at load time rather than as a silent, untraded symbol.
 */
export function resolveCampaign(config: CampaignConfig, universe: SymbolUniverse, source?: string): Campaign {
  const issues: FieldIssue[] = [];
  const byBase = new Map(universe.symbols.map((s) => [s.base, s]));
  let bases: string[];
  if (Array.isArray(config.symbols)) {
    bases = config.symbols;
    bases.forEach((base, i) => {
      if (!byBase.has(base)) issues.push({ path: `symbols[${i}]`, message: `"${base}" is not in the symbol universe (configs/universe.yaml)` });
    });
  } else {
    const { top } = config.symbols;
    if (top > universe.symbols.length) {
      issues.push({ path: 'symbols.top', message: `the universe has ${universe.symbols.length} symbols, asked for ${top}` });
    }
    bases = universe.symbols.slice(0, top).map((s) => s.base);
  }
  const reportingCurrency = config.venues.b.quoteCurrency;
  const usdRate = universe.usdRates[reportingCurrency];
  if (usdRate === undefined) {
    issues.push({
      path: 'venues.b.quoteCurrency',
      message: `no USD rate for ${reportingCurrency} in configs/universe.yaml (known: ${Object.keys(universe.usdRates).join(', ')})`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues, source);
  const symbols = bases.map((base) => ({ base, refPrice: (byBase.get(base)?.refPriceUsd ?? 0) * (usdRate ?? 1) }));
  return { config, symbols, reportingCurrency, fxRate: config.fx?.rate ?? 1 };
}
