import type { KeptBook } from '../../../core/model/checkpoint.js';
import type { BookTable } from '../book/book-table.js';

/**
 * Orders in flight across a restart (issue 19). An order decided at t whose legs reach their
 * venues `latency` later is in flight until both legs have filled; its trade's fills reach the
 * ledger only then. The rule chosen: **the checkpoint carries every order in flight**
 * (`Checkpoint.inFlight`), each leg either filled (quantity, price, time) or still due (its due
 * time, with its venue's book as the engine held it: top, time, recorded levels and the size
 * fills had taken), and the restored engine puts them back in flight as they were. So an order
 * is neither lost (the decision that made it is before the checkpoint's feed position and is not
 * replayed) nor filled twice (its fills were not in the ledger at the checkpoint; the ledger tail
 * replayed on restore cancels an order it shows completed: an `OPEN` of the same symbol decided
 * at the same event time, a `CLOSE` of the same trade).
 *
 * Why not commit only when nothing is in flight (the other way to keep the ledger and the
 * checkpoint in step): with a latency and a busy market something is almost always in flight, so
 * commits would wait past the commit bound and the fill buffer would fill.
 *
 * Where the restored leg fills: a replay resumes at the checkpoint's position, so the leg fills
 * just before the first update recorded after its due time, on the book as it stood, which is
 * the kept book unless an update of that instrument came since: the same fill as a run that was
 * never interrupted. Live, engine time is the arrival time: a leg whose due time passed while no
 * generation ran fills at the restored engine's first turn on the kept book (the last the
 * checkpoint saw; updates that came between that checkpoint and the crash are gone with it),
 * stamped with its due time.
 */

/** The book of `instrument` as an order in flight needs it (off the tick path: allocates). */
export function keepBook(book: BookTable, instrument: number): KeptBook | undefined {
  const bid = book.bid[instrument] as number;
  const ask = book.ask[instrument] as number;
  if (!(bid > 0 && ask > 0)) return undefined;
  const kept: KeptBook = { bid, ask, at: book.updatedAt[instrument] as number };
  if (book.levels === 0) return kept;
  const base = instrument * book.levels;
  const nb = book.bidCount[instrument] as number;
  const na = book.askCount[instrument] as number;
  if (nb > 0) kept.bids = Array.from({ length: nb }, (_, k) => [book.bidPx[base + k] as number, book.bidSz[base + k] as number]);
  if (na > 0) kept.asks = Array.from({ length: na }, (_, k) => [book.askPx[base + k] as number, book.askSz[base + k] as number]);
  if ((book.takenBid[instrument] as number) > 0) kept.takenBid = book.takenBid[instrument] as number;
  if ((book.takenAsk[instrument] as number) > 0) kept.takenAsk = book.takenAsk[instrument] as number;
  return kept;
}

/** Puts a kept book back for `instrument`, unless this generation has quoted it already (its own book is newer). */
export function putBook(book: BookTable, instrument: number, kept: KeptBook): void {
  if ((book.ask[instrument] as number) > 0) return;
  book.bid[instrument] = kept.bid;
  book.ask[instrument] = kept.ask;
  book.updatedAt[instrument] = kept.at;
  const L = book.levels;
  if (L === 0) return;
  const base = instrument * L;
  const bids = kept.bids ?? [];
  const asks = kept.asks ?? [];
  const nb = Math.min(bids.length, L);
  const na = Math.min(asks.length, L);
  for (let k = 0; k < nb; k++) {
    book.bidPx[base + k] = (bids[k] as [number, number])[0];
    book.bidSz[base + k] = (bids[k] as [number, number])[1];
  }
  for (let k = 0; k < na; k++) {
    book.askPx[base + k] = (asks[k] as [number, number])[0];
    book.askSz[base + k] = (asks[k] as [number, number])[1];
  }
  book.bidCount[instrument] = nb;
  book.askCount[instrument] = na;
  book.takenBid[instrument] = kept.takenBid ?? 0;
  book.takenAsk[instrument] = kept.takenAsk ?? 0;
}
