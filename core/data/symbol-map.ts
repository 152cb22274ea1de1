/**
 * From a venue's own symbol to the base asset a campaign names (`KRW-BTC`, `BTCUSDT`, `BTC/USDT`
 * → `BTC`).
 *
 * The rule: an explicit map entry wins (`KRW-BTC=BTC`; matched exactly, then upper-cased). Else a
 * symbol is mapped automatically when it names the venue's quote currency Q unambiguously:
 * `Q-BASE` (Upbit), `BASE/Q` and `BASE/Q:Q` (ccxt), `BASE-Q`, `BASE_Q`, or `BASEQ` (Binance) with a
 * non-empty base; a bare `BASE` (upper-case letters and digits, the canonical form) is itself.
 * A symbol with a separator whose sides name no Q (`ETH-BTC` on a USDT venue) maps to nothing:
 * the caller counts and names it, never drops it silently.
 */
export class SymbolMapper {
  /** Symbols that could not be mapped, with how many lines carried each. */
  readonly unmapped = new Map<string, number>();
  private readonly cache = new Map<string, string | null>();

  constructor(
    private readonly explicit: Readonly<Record<string, string>> = {},
    /** The venue's quote currency, e.g. `KRW` or `USDT`; undefined maps only explicit and bare symbols. */
    readonly quote?: string,
  ) {}

  /** The base asset, or undefined (counted in `unmapped`). */
  map(symbol: string): string | undefined {
    let base = this.cache.get(symbol);
    if (base === undefined) {
      base = this.resolve(symbol) ?? null;
      if (this.cache.size < 100_000) this.cache.set(symbol, base);
    }
    if (base === null) {
      this.unmapped.set(symbol, (this.unmapped.get(symbol) ?? 0) + 1);
      return undefined;
    }
    return base;
  }

  /** The base when the symbol names the quote currency (or is in the map); undefined for a bare word. */
  strip(symbol: string): string | undefined {
    const explicit = this.explicit[symbol] ?? this.explicit[symbol.toUpperCase()];
    if (explicit !== undefined) return explicit;
    const s = symbol.trim().toUpperCase();
    const q = this.quote;
    if (q === undefined) return undefined;
    const parts = s.split(/[-/_:]/);
    if (parts.length === 2 && parts[0] === q && isBase(parts[1])) return parts[1];
    if ((parts.length === 2 || (parts.length === 3 && parts[2] === q)) && parts[1] === q && isBase(parts[0])) return parts[0];
    if (parts.length === 1 && s.length > q.length && s.endsWith(q) && isBase(s.slice(0, -q.length))) return s.slice(0, -q.length);
    return undefined;
  }

  private resolve(symbol: string): string | undefined {
    const stripped = this.strip(symbol);
    if (stripped !== undefined) return stripped;
    const s = symbol.trim();
    return isBase(s) ? s : undefined;
  }
}

function isBase(s: string | undefined): s is string {
  return s !== undefined && /^[A-Z0-9]{1,12}$/.test(s);
}

/**
 * The symbol of a file whose lines carry none (ccxt OHLCV, Binance bookTicker): the single target
 * of a one-entry map, else the first word or pair of words of the file name, written in capitals,
 * that names the quote currency (`BTCUSDT-bookTicker-2025-08-24.csv`, `upbit-KRW-BTC-15m.csv`;
 * `upbit` is not a market). Undefined when neither.
 */
export function symbolOfFile(fileName: string, mapper: SymbolMapper, explicit: Readonly<Record<string, string>> = {}): string | undefined {
  const targets = [...new Set(Object.values(explicit))];
  if (targets.length === 1) return targets[0];
  const words = fileName
    .replace(/\.[a-z0-9.]+$/i, '')
    .split(/[-_. ]/)
    .map((w) => (/^[A-Z0-9]+$/.test(w) ? w : '#'));
  for (let i = 0; i < words.length; i++) {
    const one = mapper.strip(words[i] as string);
    if (one !== undefined) return one;
    if (i + 1 < words.length) {
      const two = mapper.strip(`${words[i]}-${words[i + 1]}`);
      if (two !== undefined) return two;
    }
  }
  return undefined;
}
