/**
 * Recorded-data formats `arbfleet data import` reads and a replay feed's `sources` may name
 * (`ReplaySourceSchema` in campaign-config.ts; each format's decoder: core/data/formats/index.ts).
 * A module of its own, importing nothing, so `arbfleet --help` lists them without building the
 * config's zod schemas (issue 19: the CLI's start).
 */
export const IMPORT_FORMATS = ['canonical', 'ccxt-ohlcv', 'ccxt-orderbook', 'tardis-quotes', 'binance-bookticker', 'upbit-orderbook', 'fx-daily'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
