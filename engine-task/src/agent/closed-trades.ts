/**
 * Trades closed so far, counted by the agent from the fills it commits, by the ledger's rule (the
 * report's trading section and `realizedMicrosOf` in `core/report/ledger-check.ts`): a trade (a
 * `tradeId`) is closed once a close leg (`kind: 'CLOSE'`) of it is in the ledger. An engine behind
 * the agent does not report closes, and need not: the fills say it, so the heartbeat's
 * `tradesClosed` is what the ledger holds, whatever the engine's own bookkeeping.
 *
 * Every trade has two close legs, one per venue (`FillSchema`), which may be committed apart (a
 * venue's latency, a commit cut between them, a restart between them): a trade whose first close
 * leg is in is kept in `closing` until its second comes, so it is counted once. `closing` is
 * bounded by `MAX_CLOSING` (an engine writing one close leg per trade would grow it forever): past
 * it, the oldest are forgotten, and a late second leg of one of them counts its trade again.
 */
export const MAX_CLOSING = 4096;

export class ClosedTradeCounter {
  private readonly closing: Set<number>;

  /** Starts from a restore point: `closed` trades so far and those with one close leg in (`closing`). */
  constructor(
    public closed = 0,
    closing: Iterable<number> = [],
  ) {
    this.closing = new Set(closing);
  }

  /** Notes one fill, in ledger order. */
  note(kind: string, tradeId: number): void {
    if (kind !== 'CLOSE') return;
    if (this.closing.delete(tradeId)) return;
    this.closed++;
    this.closing.add(tradeId);
    if (this.closing.size > MAX_CLOSING) this.closing.delete(this.closing.values().next().value as number);
  }

  /** The trades with one close leg in, oldest first: what a checkpoint keeps to resume the count. */
  closingTrades(): number[] {
    return [...this.closing];
  }
}
