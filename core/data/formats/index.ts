import type { ImportFormat } from '../../config/campaign-config.js';
import { BinanceBookTickerDecoder } from './binance-bookticker.js';
import { CanonicalDecoder } from './canonical.js';
import { CcxtOhlcvDecoder } from './ccxt-ohlcv.js';
import { CcxtOrderbookDecoder } from './ccxt-orderbook.js';
import type { DecodeContext, FormatDecoder } from './decoder.js';
import { FxDailyDecoder } from './fx-daily.js';
import { TardisQuotesDecoder } from './tardis-quotes.js';
import { UpbitOrderbookDecoder } from './upbit-orderbook.js';

/** The decoder of each format in `IMPORT_FORMATS`. */
export function decoderFor(ctx: DecodeContext): FormatDecoder {
  const make: Record<ImportFormat, (c: DecodeContext) => FormatDecoder> = {
    canonical: (c) => new CanonicalDecoder(c),
    'ccxt-ohlcv': (c) => new CcxtOhlcvDecoder(c),
    'ccxt-orderbook': (c) => new CcxtOrderbookDecoder(c),
    'tardis-quotes': (c) => new TardisQuotesDecoder(c),
    'binance-bookticker': (c) => new BinanceBookTickerDecoder(c),
    'upbit-orderbook': (c) => new UpbitOrderbookDecoder(c),
    'fx-daily': (c) => new FxDailyDecoder(c),
  };
  return make[ctx.format](ctx);
}
