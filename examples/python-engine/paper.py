"""The seed's paper runner, one per symbol: a blocking ``run_once()`` that takes the next market step and applies the rule.

The rule (as arbfleet's built-in engine states it, ``docs/architecture.md``, premium-aware rule):
premium p = (midA / fx) / midB − 1, baseline b (``strategy.premiumBaseline``: none, fixed or ewma
in event time), e = (entryBps + both taker fees) / 10⁴. Sell A / buy B when
(bidA/fx)/askB − 1 − b ≥ e; buy A / sell B when b − ((askA/fx)/bidB − 1) ≥ e. Exits always fire:
stop-loss, take-profit, reversion (the deviation back within ``exitBps`` in the trade's direction),
then max holding in event time. Money is counted as the ledger counts it: each fill's cash rounded
to integer micro-units of venue B's quote (``fillCashMicros`` in ``core/model/fill.ts``).
"""

from __future__ import annotations

import math
import time
from typing import Any

from market import Step

MICROS = 1_000_000


def js_round(value: float) -> int:
    """JavaScript's Math.round (halves up), so P&L matches what arbfleet recomputes from the ledger."""
    return math.floor(value + 0.5)


def cash_micros(venue: str, side: str, qty: float, price: float, fee: float, fx: float) -> int:
    to_reporting = fx if venue == "A" else 1.0
    notional = js_round(((qty * price) / to_reporting) * MICROS)
    fee_micros = js_round((fee / to_reporting) * MICROS)
    return (notional if side == "SELL" else -notional) - fee_micros


class Book:
    """What every symbol's runner shares: the fills not yet committed, seqs, trade ids, open trades and totals."""

    def __init__(self, next_fill_seq: int) -> None:
        self.next_seq = next_fill_seq
        self.next_trade_id = 0
        self.pending: list[dict[str, Any]] = []
        self.open: dict[int, dict[str, Any]] = {}
        self.trades = 0
        self.closed = 0
        self.realized_micros = 0

    def fill(self, trade: dict[str, Any], venue: str, side: str, kind: str, reason: str, price: float, fee_bps: float, step: Step, quotes_at: tuple[float, float]) -> int:
        """Books one leg; ``quotes_at``: the event times of venue A's and B's quotes it was priced on (the report ages entries by them)."""
        fee = trade["qty"] * price * fee_bps / 1e4
        self.pending.append(
            {
                "seq": self.next_seq,
                "tradeId": trade["tradeId"],
                "symbol": trade["symbol"],
                "venue": venue,
                "side": side,
                "kind": kind,
                "reason": reason,
                "qty": trade["qty"],
                "price": price,
                "fee": fee,
                "fxRate": step.fx,
                "ts": step.at,
                "eventTs": step.at,
                "quoteTsA": quotes_at[0],
                "quoteTsB": quotes_at[1],
                "wallTs": time.time() * 1000,
            }
        )
        self.next_seq += 1
        return cash_micros(venue, side, trade["qty"], price, fee, step.fx)

    def state(self) -> dict[str, Any]:
        return {
            "nextTradeId": self.next_trade_id,
            "open": list(self.open.values()),
            "trades": self.trades,
            "closed": self.closed,
            "realizedMicros": self.realized_micros,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.next_trade_id = state["nextTradeId"]
        self.open = {t["tradeId"]: t for t in state["open"]}
        self.trades, self.closed, self.realized_micros = state["trades"], state["closed"], state["realizedMicros"]

    def replay(self, fill: dict[str, Any]) -> None:
        """Applies one committed fill of the ledger tail on top of the restored state."""
        trade = self.open.get(fill["tradeId"])
        cash = cash_micros(fill["venue"], fill["side"], fill["qty"], fill["price"], fill["fee"], fill["fxRate"])
        if fill["kind"] == "OPEN":
            if trade is None:
                buy = "A" if (fill["venue"] == "A") == (fill["side"] == "BUY") else "B"
                trade = {"tradeId": fill["tradeId"], "symbol": fill["symbol"], "buyVenue": buy, "qty": fill["qty"], "openedAt": fill["eventTs"], "entryMicros": 0}
                self.open[fill["tradeId"]] = trade
                self.trades += 1
            trade["entryMicros"] += cash
        elif trade is not None:
            trade["entryMicros"] += cash
            if fill["venue"] == "B":
                self.open.pop(fill["tradeId"])
                self.closed += 1
                self.realized_micros += trade["entryMicros"]
        self.next_trade_id = max(self.next_trade_id, fill["tradeId"] + 1)


class PaperRunner:
    """One symbol's runner: ``run_once()`` blocks for ``work_ms`` (the seed's ~62 ms of snapshot and order work) and decides."""

    def __init__(self, symbol: str, config: dict[str, Any], market: Any, book: Book, work_ms: float) -> None:
        self.symbol = symbol
        self._market = market
        self._book = book
        self._work = work_ms / 1000
        strategy, risk = config.get("strategy", {}), config.get("risk", {})
        self._fee_a = float(config["venues"]["a"]["takerFeeBps"])
        self._fee_b = float(config["venues"]["b"]["takerFeeBps"])
        self._entry = (float(strategy.get("entryBps", 25)) + self._fee_a + self._fee_b) / 1e4
        self._exit_bps = float(strategy.get("exitBps", 5))
        self._take_profit = float(strategy.get("takeProfitBps", 30))
        self._stop_loss = float(strategy.get("stopLossBps", 60))
        self._max_holding_ms = float(strategy.get("maxHolding", 120)) * 1000
        self._max_quote_age_ms = float(strategy.get("maxQuoteAge", 10)) * 1000
        self._notional = float(strategy.get("orderNotional", 1000))
        self._max_open = int(risk.get("maxOpenTrades", 20))
        self._max_open_symbol = int(risk.get("maxOpenTradesPerSymbol", 2))
        baseline = strategy.get("premiumBaseline") or {"kind": "none"}
        self._baseline_kind = baseline["kind"]
        self._half_life_ms = float(baseline.get("halfLife", 0)) * 1000
        self.quotes: dict[str, Any] = {"a": None, "aAt": None, "b": None, "bAt": None, "baseline": float(baseline.get("bps", 0)) / 1e4, "baselineAt": None, "fx": 1.0, "half": 0.0}
        self.updates = 0
        self.updates_a = 0
        self.updates_b = 0
        self.at: float | None = None
        """Event time of the latest step taken, ms (None before the first)."""
        self.fx_at: float | None = None
        self.done = False

    def run_once(self) -> bool:
        """Takes the next step and decides; True when it traded. Blocks the caller for ``work_ms``: the seed's shape."""
        time.sleep(self._work)
        step = self._market.step(self.symbol)
        if step is None:
            self.done = True
            return False
        self.updates += 1
        self.at = step.at
        if step.fx_at is not None:
            self.fx_at = step.fx_at
        q = self.quotes
        if step.mid_a is not None:
            q["a"], q["aAt"] = step.mid_a, step.at
            self.updates_a += 1
        if step.mid_b is not None:
            q["b"], q["bAt"] = step.mid_b, step.at
            self.updates_b += 1
        q["fx"], q["half"] = step.fx, step.half_spread
        if q["a"] is None or q["b"] is None:
            return False
        premium = (q["a"] / step.fx) / q["b"] - 1
        self._observe(premium, step.at)
        traded = self._exits(premium, step)
        fresh = step.at - q["aAt"] <= self._max_quote_age_ms and step.at - q["bAt"] <= self._max_quote_age_ms
        return self._enter(step) or traded if fresh else traded

    def close_all(self) -> None:
        """Closes the symbol's open trades at its last quotes (``CAMPAIGN_END``): the replay or the campaign is over."""
        q = self.quotes
        if q["a"] is None or q["b"] is None:
            return
        step = Step(max(q["aAt"], q["bAt"]), q["a"], q["b"], q["fx"], q["half"])
        self._exits((q["a"] / step.fx) / q["b"] - 1, step, "CAMPAIGN_END")

    def _observe(self, premium: float, at: float) -> None:
        q = self.quotes
        if self._baseline_kind != "ewma":
            return
        if q["baselineAt"] is None:
            q["baseline"] = premium
        elif at > q["baselineAt"]:
            q["baseline"] += (1 - 2 ** (-(at - q["baselineAt"]) / self._half_life_ms)) * (premium - q["baseline"])
        q["baselineAt"] = at

    def _prices(self, step: Step) -> tuple[float, float, float, float]:
        half = step.half_spread
        return self.quotes["a"] * (1 - half), self.quotes["a"] * (1 + half), self.quotes["b"] * (1 - half), self.quotes["b"] * (1 + half)

    def _enter(self, step: Step) -> bool:
        book, fx, b = self._book, step.fx, self.quotes["baseline"]
        mine = sum(1 for t in book.open.values() if t["symbol"] == self.symbol)
        if mine >= self._max_open_symbol or len(book.open) >= self._max_open:
            return False
        bid_a, ask_a, bid_b, ask_b = self._prices(step)
        if (bid_a / fx) / ask_b - 1 - b >= self._entry:
            buy_venue = "B"
        elif b - ((ask_a / fx) / bid_b - 1) >= self._entry:
            buy_venue = "A"
        else:
            return False
        trade = {"tradeId": book.next_trade_id, "symbol": self.symbol, "buyVenue": buy_venue, "qty": round(self._notional / self.quotes["b"], 8), "openedAt": step.at}
        book.next_trade_id += 1
        book.trades += 1
        at = (self.quotes["aAt"], self.quotes["bAt"])
        if buy_venue == "B":
            cash = book.fill(trade, "A", "SELL", "OPEN", "ENTRY", bid_a, self._fee_a, step, at) + book.fill(trade, "B", "BUY", "OPEN", "ENTRY", ask_b, self._fee_b, step, at)
        else:
            cash = book.fill(trade, "A", "BUY", "OPEN", "ENTRY", ask_a, self._fee_a, step, at) + book.fill(trade, "B", "SELL", "OPEN", "ENTRY", bid_b, self._fee_b, step, at)
        trade["entryMicros"] = cash
        book.open[trade["tradeId"]] = trade
        return True

    def _exits(self, premium: float, step: Step, forced: str | None = None) -> bool:
        book = self._book
        bid_a, ask_a, bid_b, ask_b = self._prices(step)
        closed = False
        for trade in [t for t in book.open.values() if t["symbol"] == self.symbol]:
            short = trade["buyVenue"] == "B"  # sold A, bought B: it gains when the premium falls
            qty = trade["qty"]
            price_a, price_b = (ask_a, bid_b) if short else (bid_a, ask_b)
            out = cash_micros("A", "BUY" if short else "SELL", qty, price_a, qty * price_a * self._fee_a / 1e4, step.fx)
            out += cash_micros("B", "SELL" if short else "BUY", qty, price_b, qty * price_b * self._fee_b / 1e4, 1.0)
            pnl_bps = (trade["entryMicros"] + out) / (self._notional * MICROS) * 1e4
            deviation_bps = (premium - self.quotes["baseline"]) * 1e4 * (1 if short else -1)
            reason = forced or (
                "STOP_LOSS"
                if pnl_bps <= -self._stop_loss
                else "TAKE_PROFIT"
                if pnl_bps >= self._take_profit
                else "REVERSION"
                if deviation_bps <= self._exit_bps
                else "MAX_HOLDING"
                if step.at - trade["openedAt"] >= self._max_holding_ms
                else None
            )
            if reason is None:
                continue
            at = (self.quotes["aAt"], self.quotes["bAt"])
            cash = book.fill(trade, "A", "BUY" if short else "SELL", "CLOSE", reason, price_a, self._fee_a, step, at)
            cash += book.fill(trade, "B", "SELL" if short else "BUY", "CLOSE", reason, price_b, self._fee_b, step, at)
            del book.open[trade["tradeId"]]
            book.closed += 1
            book.realized_micros += trade["entryMicros"] + cash
            closed = True
        return closed
