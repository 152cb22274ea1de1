/**
 * Each reason an engine refuses an entry for (the keys of `Progress.refusals`, the engine's
 * `REJECT_REASONS` in `engine-task/src/risk/risk-limits.ts`), in one line a person can act on:
 * what happened and which setting decides it. The report cannot import the engine (layering), so
 * `test/unit/report/refusal-words.test.ts` reads the engine's list and fails on a reason without words.
 */
export const REFUSAL_WORDS: Readonly<Record<string, string>> = {
  'max-open-trades': 'an entry signal came while the shard already held its maximum of open trades over all symbols (risk.maxOpenTrades)',
  'symbol-open-trades': 'an entry signal came while the symbol already had its maximum of open trades (risk.maxOpenTradesPerSymbol)',
  'symbol-notional':
    "the entry would have taken the symbol's open notional over its cap (risk.maxNotionalPerSymbol, default strategy.orderNotional × risk.maxOpenTradesPerSymbol)",
  'ledger-full': "the engine's fill buffer had no room for two more legs until the next commit to the ledger (the store is slow or unavailable)",
  'stale-quote-a': "venue A's quote of the symbol was older than strategy.maxQuoteAge (event time) when the signal came",
  'stale-quote-b': "venue B's quote of the symbol was older than strategy.maxQuoteAge (event time) when the signal came",
  'stale-fx': 'the FX rate was older than strategy.maxFxAge (event time) when the signal came',
  'fx-unconfirmed': 'the FX rate had jumped more than strategy.fxJumpBps from the last accepted one and waited for a second print to confirm it',
  'no-size':
    'a venue showed no displayed size left to take at the decision (execution.model top-size or depth; earlier fills had taken it until the book updated)',
  'legs-missed': 'both legs reached their venues after execution.latency and found nothing left to take there: no position was opened',
};

/** The words for `reason`, or a sentence saying this report has none (a reason newer than the report). */
export function explainRefusal(reason: string): string {
  return REFUSAL_WORDS[reason] ?? 'no explanation known to this report (a reason newer than it)';
}
