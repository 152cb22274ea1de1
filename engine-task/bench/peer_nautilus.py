"""The peer of `npm run bench -- --backtest --peer` (issue 19): arbfleet's shipped rule on the same
real candles, run by nautilus_trader's BacktestEngine, timed (import, load and run; its optional
post-run statistics off: `BacktestEngineConfig(run_analysis=False)`, logging at ERROR).

Run by `engine-task/bench/peer.ts`, which resolves the campaign (configs/real-btc-candles-5m.yaml)
and passes what this needs as one JSON argument (`--spec JSON`). Prints one JSON line on stdout:
nautilus' version, the trades, orders and fills, the refusals and exit reasons, and the seconds of
each phase. A missing nautilus_trader exits 3 with how to install it (`scripts/peer-venv.sh`).

What is the same as arbfleet's engine (engine-task/src/engine.ts, strategy/spread.ts):
- the data: each ccxt OHLCV candle is one quote at its CLOSE time (open + the period, the smallest
  step between the first 64 candles), bid/ask = close x (1 -/+ halfSpreadBps / 10^4); a line
  earlier than one already read is skipped (out-of-order), a repeat of the line before is skipped
  (duplicate); the daily USD/KRW close of day D applies from D+1 00:00 UTC, the last one before the
  first candle in force at the start (core/data/formats/ccxt-ohlcv.ts, fx-daily.ts, replay-feed.ts);
- simultaneous updates are decided together: every candle (and FX rate) stamped t is applied before
  the rule decides at t (exits first, then at most one entry), as arbfleet's `Engine.settle` does;
  here by a time alert at t, which nautilus' BacktestEngine fires once every datum stamped t is
  processed and before the exchanges see the next datum, so the orders fill on the candles of t;
- the rule: buy A / sell B when bidB*fx - askA >= askA*(entryBps + feeA + feeB)/10^4, else buy B /
  sell A the same way; no entry while either venue's quote is older than maxQuoteAge, nor while an
  FX jump beyond fxJumpBps awaits its confirmation; at most maxOpenTrades, maxOpenTradesPerSymbol and
  maxNotionalPerSymbol; exits: stop-loss, take-profit, reversion of the mid spread, max holding,
  checked on every decision and on a timer at openedAt + maxHolding (arbfleet's turn lands on the
  heartbeat grid at or after it: the same instant for candles on whole seconds); every trade still
  open when the data ends is closed then; qty = orderNotional / (the buying leg's ask in the
  reporting currency), both legs alike.
What differs: nautilus fills the market orders on its own book built from the bars, i.e. at the
candle's close, where arbfleet fills at close -/+ the half-spread; so P&L differs, trades do not.
The FX series is a table the strategy reads (nautilus has no USD/KRW venue here).

nautilus' set-up: two simulated venues with CASH accounts (balances large enough never to refuse:
10^13 KRW or 10^10 USDT, and 10^6 BTC), HEDGING order management (each leg its own position, an
exit closes it by id; NETTING reopens one position per instrument and pickles a snapshot of it on
every reopen, about 30 % more CPU on 30 days of these candles), bar execution, everything else at
its defaults (fill model, risk engine, Python's garbage collector).
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import csv  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402

try:
    import nautilus_trader
    from nautilus_trader.backtest.config import BacktestEngineConfig
    from nautilus_trader.backtest.engine import BacktestEngine
    from nautilus_trader.config import LoggingConfig, StrategyConfig
    from nautilus_trader.model.currencies import BTC, KRW, USDT
    from nautilus_trader.model.data import Bar, BarType
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
    from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
    from nautilus_trader.model.instruments import CurrencyPair
    from nautilus_trader.model.objects import Money, Price, Quantity
    from nautilus_trader.trading.strategy import Strategy
except ImportError as error:
    print(
        f"peer: nautilus_trader is not importable by {sys.executable} ({error}); install it with "
        "`bash scripts/peer-venv.sh` and pass the Python it prints (--peer-python PATH or ARBFLEET_PEER_PYTHON)",
        file=sys.stderr,
    )
    sys.exit(3)

IMPORTED = time.perf_counter()

MICROS = 1_000_000
CURRENCIES = {"KRW": KRW, "USDT": USDT}
REASONS = ["entry", "reversion", "take-profit", "stop-loss", "max-holding", "campaign-end"]
STALE_A, STALE_B, FX_UNCONFIRMED, MAX_OPEN, SYMBOL_OPEN, SYMBOL_NOTIONAL = (
    "stale-quote-a",
    "stale-quote-b",
    "fx-unconfirmed",
    "max-open-trades",
    "symbol-open-trades",
    "symbol-notional",
)


def js_round(x):
    """JavaScript's Math.round (half up), which arbfleet's cash rounding uses."""
    return math.floor(x + 0.5)


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8-sig", newline="") if path.endswith(".gz") else open(path, encoding="utf-8-sig", newline="")


def utc_ms(text, path, line):
    """A candle's open time: naive `YYYY-MM-DD HH:MM:SS` text in UTC, or epoch ms."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)
    except ValueError:
        raise SystemExit(f"peer: {path}:{line}: expected a UTC time such as 2025-05-28 18:00:00 or epoch ms, found {text!r}")


def read_candles(path, half_spread_bps):
    """Candles as arbfleet's ccxt-ohlcv reader makes quotes: [(close_ms, bid, ask, open, high, low, close, volume)]."""
    with open_text(path) as f:
        rows = list(csv.reader(f))
    names = [c.strip().lower() for c in rows[0]]
    if "timestamp" not in names or "close" not in names:
        raise SystemExit(f'peer: {path}:1: expected the header "timestamp,open,high,low,close,volume", found {",".join(rows[0])!r}')
    col = {n: names.index(n) for n in ("timestamp", "open", "high", "low", "close", "volume")}
    data = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]
    opens = [utc_ms(r[col["timestamp"]], path, line) for line, r in data]
    period = min((b - a for a, b in zip(opens[:64], opens[1:64]) if b > a), default=None)
    if period is None:
        raise SystemExit(f"peer: {path}: cannot infer the candle period: the first candles do not give two increasing open times")
    half = half_spread_bps / 10_000
    out, last_ts, last = [], -math.inf, None
    for (line, r), open_ms in zip(data, opens):
        ts = open_ms + period
        mid = float(r[col["close"]])
        bid, ask = mid * (1 - half), mid * (1 + half)
        if not (bid > 0 and bid <= ask and ask < math.inf):
            continue
        if last is not None and ts == last[0] and bid == last[1] and ask == last[2]:
            continue  # duplicate
        if ts < last_ts:
            continue  # out-of-order
        last_ts = max(last_ts, ts)
        last = (ts, bid, ask)
        out.append((ts, bid, ask, r[col["open"]], r[col["high"]], r[col["low"]], r[col["close"]], r[col["volume"]]))
    return out


DATE = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})$")


def read_fx_daily(path):
    """[(ms, rate)] in time order: day D's close stamped D+1 00:00 UTC; a second rate for a day is dropped."""
    with open_text(path) as f:
        rows = list(csv.reader(f))
    names = [c.strip().lower() for c in rows[0]]
    date_col = next((i for i, n in enumerate(names) if n in ("날짜", "date")), -1)
    close_col = next((i for i, n in enumerate(names) if n in ("종가", "price", "close")), -1)
    if date_col < 0 or close_col < 0:
        raise SystemExit(f"peer: {path}:1: expected a daily rates header with a date (날짜, Date) and a close (종가, Price, Close) column")
    rates = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            continue
        m = DATE.match(r[date_col].strip())
        if not m:
            continue
        day = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=timezone.utc)
        ts = int(day.timestamp() * 1000) + 86_400_000
        rate = float(re.sub(r"[,\s]", "", r[close_col]))
        if rate > 0 and math.isfinite(rate):
            rates.append((ts, rate))
    rates.sort(key=lambda x: x[0])
    return [x for i, x in enumerate(rates) if i == 0 or rates[i - 1][0] != x[0]]


def currency_pair(venue, quote, taker_fee_bps, price_precision):
    instrument_id = InstrumentId(Symbol(f"BTC{quote}"), Venue(venue.upper()))
    return CurrencyPair(
        instrument_id=instrument_id,
        raw_symbol=Symbol(f"BTC{quote}"),
        base_currency=BTC,
        quote_currency=CURRENCIES[quote],
        price_precision=price_precision,
        size_precision=8,
        price_increment=Price(10**-price_precision, price_precision),
        size_increment=Quantity(1e-8, 8),
        ts_event=0,
        ts_init=0,
        maker_fee=Decimal(taker_fee_bps) / 10_000,
        taker_fee=Decimal(taker_fee_bps) / 10_000,
    )


def bars_of(instrument, candles, price_precision):
    bar_type = BarType.from_str(f"{instrument.id}-5-MINUTE-LAST-EXTERNAL")
    bars = []
    for ts, _bid, _ask, o, h, low, c, v in candles:
        ns = ts * 1_000_000
        p = [Price(float(x), price_precision) for x in (o, h, low, c)]
        bars.append(Bar(bar_type, p[0], p[1], p[2], p[3], Quantity(float(v), 8), ns, ns))
    return bar_type, bars


class ArbConfig(StrategyConfig, frozen=True):
    spec: dict
    bar_type_a: str
    bar_type_b: str
    fx: list
    period_ms: int
    first_ms: int
    last_ms: int


class ShippedRule(Strategy):
    """arbfleet's shipped rule on one symbol across two venues (see the module docstring)."""

    def __init__(self, config: ArbConfig):
        super().__init__(config)
        s = config.spec
        st, risk = s["strategy"], s["risk"]
        self.bar_type_a = BarType.from_str(config.bar_type_a)
        self.bar_type_b = BarType.from_str(config.bar_type_b)
        self.instrument_a, self.instrument_b = self.bar_type_a.instrument_id, self.bar_type_b.instrument_id
        self.half = [s["sources"]["a"]["halfSpreadBps"] / 10_000, s["sources"]["b"]["halfSpreadBps"] / 10_000]
        self.fee_a, self.fee_b = s["venues"]["a"]["takerFeeBps"], s["venues"]["b"]["takerFeeBps"]
        self.factor = (st["entryBps"] + (self.fee_a + self.fee_b)) / 1e4
        self.keep_a, self.keep_b = 1 - self.fee_a / 1e4, 1 - self.fee_b / 1e4
        self.pay_a, self.pay_b = 1 + self.fee_a / 1e4, 1 + self.fee_b / 1e4
        self.exit_bps, self.tp_bps, self.sl_bps = st["exitBps"], st["takeProfitBps"], st["stopLossBps"]
        self.max_holding_ms, self.notional = st["maxHoldingMs"], st["orderNotional"]
        self.max_quote_age_ms, self.fx_jump = st["maxQuoteAgeMs"], st["fxJumpBps"] / 1e4
        self.max_open, self.max_per_symbol, self.max_notional = risk["maxOpenTrades"], risk["maxOpenTradesPerSymbol"], risk["maxNotionalPerSymbol"]
        # The book: venue A, venue B (bid, ask, event time ms), the FX rate and its jump gate.
        self.bid = [0.0, 0.0]
        self.ask = [0.0, 0.0]
        self.at = [math.nan, math.nan]
        self.fx_rate, self.fx_observed, self.fx_held = s["fxRate"], False, math.nan
        self.fx = config.fx
        self.fx_next = 0
        self.group_at = None
        self.open = []  # dicts: id, buy_a, qty, entry_cash_micros, opened_at
        self.next_trade_id = 1
        self.trades = 0
        self.refusals = {}
        self.exits = {}
        self.decisions = 0
        # One line per open and close, "<ms> <OPEN|CLOSE> <venue A's side>", as the bench's engine alone digests its fills.
        self.digest = hashlib.sha256()

    def on_start(self):
        self.subscribe_bars(self.bar_type_a)
        self.subscribe_bars(self.bar_type_b)
        # One turn per candle period, on the candles' grid: nautilus fires a timer event stamped t
        # once every datum stamped t is processed, and before the exchanges see a later datum.
        period_ns = self.config.period_ms * 1_000_000
        first_ns = self.config.first_ms * 1_000_000
        self.clock.set_timer_ns("turn", period_ns, first_ns - period_ns, self.config.last_ms * 1_000_000, self.on_turn)

    def on_bar(self, bar: Bar):
        ts = bar.ts_event // 1_000_000
        venue = 0 if bar.bar_type == self.bar_type_a else 1
        mid = bar.close.as_double()
        self.bid[venue], self.ask[venue], self.at[venue] = mid * (1 - self.half[venue]), mid * (1 + self.half[venue]), ts
        if self.ask[0] > 0 and self.ask[1] > 0:
            self.group_at = ts

    def offer_fx(self, until):
        """The FX rates stamped up to `until` through the jump gate (arbfleet's FxGuard)."""
        while self.fx_next < len(self.fx) and self.fx[self.fx_next][0] <= until:
            rate = self.fx[self.fx_next][1]
            self.fx_next += 1
            if not self.fx_observed or abs(rate / self.fx_rate - 1) <= self.fx_jump or (self.fx_held == self.fx_held and abs(rate / self.fx_held - 1) <= self.fx_jump):
                self.fx_rate, self.fx_observed, self.fx_held = rate, True, math.nan
            else:
                self.fx_held = rate

    def on_turn(self, event):
        """The turn at t: the candles stamped t are decided together (nothing to do when none came)."""
        if self.group_at is not None:
            ts = self.group_at
            self.group_at = None
            self.decide(ts)

    def decide(self, ts):
        self.decisions += 1
        self.offer_fx(ts)
        fx = self.fx_rate
        bid_a, ask_a, bid_b, ask_b = self.bid[0], self.ask[0], self.bid[1] * fx, self.ask[1] * fx
        if self.open:
            self.check_exits(ts, bid_a, ask_a, bid_b, ask_b)
        if bid_b - ask_a >= ask_a * self.factor:
            self.try_enter(ts, True)
        elif bid_a - ask_b >= ask_b * self.factor:
            self.try_enter(ts, False)

    def refuse(self, reason):
        self.refusals[reason] = self.refusals.get(reason, 0) + 1

    def try_enter(self, ts, buy_a):
        if ts - self.at[0] > self.max_quote_age_ms:
            return self.refuse(STALE_A)
        if ts - self.at[1] > self.max_quote_age_ms:
            return self.refuse(STALE_B)
        if self.fx_held == self.fx_held:
            return self.refuse(FX_UNCONFIRMED)
        if len(self.open) >= self.max_open:
            return self.refuse(MAX_OPEN)
        if len(self.open) >= self.max_per_symbol:
            return self.refuse(SYMBOL_OPEN)
        if (len(self.open) + 1) * self.notional > self.max_notional * (1 + 1e-12):
            return self.refuse(SYMBOL_NOTIONAL)
        fx = self.fx_rate
        qty = self.notional / (self.ask[0] / fx if buy_a else self.ask[1])
        price_a, price_b = (self.ask[0], self.bid[1]) if buy_a else (self.bid[0], self.ask[1])
        cash = self.cash(fx, not buy_a, qty, price_a, qty * price_a * self.fee_a * 1e-4) + self.cash(1, buy_a, qty, price_b, qty * price_b * self.fee_b * 1e-4)
        orders = self.submit(buy_a, qty)
        self.digest.update(f"{ts} OPEN {'BUY' if buy_a else 'SELL'}\n".encode())
        self.open.append({"id": self.next_trade_id, "buy_a": buy_a, "qty": qty, "cash": cash, "opened_at": ts, "orders": orders})
        self.clock.set_time_alert_ns(f"hold-{self.next_trade_id}", (ts + self.max_holding_ms) * 1_000_000, self.on_holding)
        self.next_trade_id += 1
        self.trades += 1

    @staticmethod
    def cash(to_reporting, is_sell, qty, price, fee):
        notional = js_round(qty * price / to_reporting * MICROS)
        return (notional if is_sell else -notional) - js_round(fee / to_reporting * MICROS)

    def submit(self, buy_a, qty, entry=None):
        """
        Two market orders, buying on one venue and selling on the other; returns their client order ids.
        An exit passes its entry's (`entry`) and closes the positions they opened (HEDGING: one per leg).
        """
        q = Quantity(qty, 8)
        orders = (
            self.order_factory.market(self.instrument_a, OrderSide.BUY if buy_a else OrderSide.SELL, q),
            self.order_factory.market(self.instrument_b, OrderSide.SELL if buy_a else OrderSide.BUY, q),
        )
        for k, order in enumerate(orders):
            position = None if entry is None else self.cache.position_for_order(entry[k])
            self.submit_order(order, position_id=None if position is None else position.id)
        return (orders[0].client_order_id, orders[1].client_order_id)

    def on_holding(self, event):
        ts = event.ts_event // 1_000_000
        if self.open:
            fx = self.fx_rate
            self.check_exits(ts, self.bid[0], self.ask[0], self.bid[1] * fx, self.ask[1] * fx)

    def check_exits(self, ts, bid_a, ask_a, bid_b, ask_b):
        fx = self.fx_rate
        for trade in list(self.open):
            qty, buy_a = trade["qty"], trade["buy_a"]
            exit_value = qty * bid_a * self.keep_a - qty * ask_b * self.pay_b if buy_a else qty * bid_b * self.keep_b - qty * ask_a * self.pay_a
            pnl_bps = ((trade["cash"] / MICROS + exit_value / fx) / self.notional) * 1e4
            if buy_a:
                cheap = (bid_a + ask_a) / 2
                spread = (((bid_b + ask_b) / 2 - cheap) / cheap) * 1e4
            else:
                cheap = (bid_b + ask_b) / 2
                spread = (((bid_a + ask_a) / 2 - cheap) / cheap) * 1e4
            if pnl_bps <= -self.sl_bps:
                reason = "stop-loss"
            elif pnl_bps >= self.tp_bps:
                reason = "take-profit"
            elif spread <= self.exit_bps:
                reason = "reversion"
            elif ts - trade["opened_at"] >= self.max_holding_ms:
                reason = "max-holding"
            else:
                continue
            self.close(trade, reason, ts)

    def close(self, trade, reason, ts):
        self.open.remove(trade)
        self.exits[reason] = self.exits.get(reason, 0) + 1
        self.submit(not trade["buy_a"], trade["qty"], trade["orders"])
        self.digest.update(f"{ts} CLOSE {'SELL' if trade['buy_a'] else 'BUY'}\n".encode())
        name = f"hold-{trade['id']}"
        if name in self.clock.timer_names:
            self.clock.cancel_timer(name)

    def on_stop(self):
        # arbfleet's end of a replay: the updates waiting are decided, then every open trade closes.
        if self.group_at is not None:
            ts = self.group_at
            self.group_at = None
            self.decide(ts)
        # arbfleet closes them at the last update's time; nautilus' clock stands there after the run.
        ts = self.clock.timestamp_ns() // 1_000_000
        for trade in list(self.open):
            self.close(trade, "campaign-end", ts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True, help="the campaign's values as JSON (written by engine-task/bench/peer.ts)")
    spec = json.loads(parser.parse_args().spec)
    src = spec["sources"]
    candles_a = read_candles(src["a"]["path"], src["a"]["halfSpreadBps"])
    candles_b = read_candles(src["b"]["path"], src["b"]["halfSpreadBps"])
    fx = read_fx_daily(src["fx"]["path"])
    first = min(candles_a[0][0], candles_b[0][0])
    ends_at = first + spec["durationMs"]
    if max(candles_a[-1][0], candles_b[-1][0]) > ends_at:
        # arbfleet would turn its timers up to the window's end and close there; nautilus' run ends with its data.
        raise SystemExit(f"peer: the campaign's duration ({spec['durationMs'] // 1000} s) ends before the candles do: the peer replays whole files only")
    last = max(candles_a[-1][0], candles_b[-1][0])
    period = min(b[0] - a[0] for candles in (candles_a, candles_b) for a, b in zip(candles, candles[1:]) if b[0] > a[0])
    off_grid = next((c[0] for candles in (candles_a, candles_b) for c in candles if (c[0] - first) % period != 0), None)
    if off_grid is not None:
        raise SystemExit(f"peer: a candle closes at {off_grid} ms, off the {period} ms grid from {first}: the turn timer would decide it late")
    # The FX rates before the first candle are passed over but for the last, the rate in force.
    before = [x for x in fx if x[0] < first]
    fx = before[-1:] + [x for x in fx if first <= x[0] <= ends_at]

    engine = BacktestEngine(
        BacktestEngineConfig(trader_id=TraderId("PEER-001"), run_analysis=False, logging=LoggingConfig(log_level="ERROR")),
    )
    va, vb = spec["venues"]["a"], spec["venues"]["b"]
    instrument_a = currency_pair(va["name"], va["quote"], va["takerFeeBps"], 0)
    instrument_b = currency_pair(vb["name"], vb["quote"], vb["takerFeeBps"], 2)
    for instrument, quote in ((instrument_a, va["quote"]), (instrument_b, vb["quote"])):
        engine.add_venue(
            venue=instrument.id.venue,
            oms_type=OmsType.HEDGING,
            account_type=AccountType.CASH,
            starting_balances=[Money(10**13 if quote == "KRW" else 10**10, CURRENCIES[quote]), Money(1_000_000, BTC)],
        )
        engine.add_instrument(instrument)
    bar_type_a, bars_a = bars_of(instrument_a, candles_a, 0)
    bar_type_b, bars_b = bars_of(instrument_b, candles_b, 2)
    engine.add_data(bars_a)
    engine.add_data(bars_b)
    strategy = ShippedRule(
        ArbConfig(spec=spec, bar_type_a=str(bar_type_a), bar_type_b=str(bar_type_b), fx=fx, period_ms=period, first_ms=first, last_ms=last)
    )
    engine.add_strategy(strategy)
    loaded = time.perf_counter()
    engine.run()
    ran = time.perf_counter()
    cache = engine.cache
    orders = cache.orders()
    filled = sum(1 for o in orders if o.is_closed and o.filled_qty == o.quantity)
    print(
        json.dumps(
            {
                "nautilusTrader": nautilus_trader.__version__,
                "python": sys.version.split()[0],
                "bars": len(bars_a) + len(bars_b),
                "decisions": strategy.decisions,
                "trades": strategy.trades,
                "orders": len(orders),
                "ordersFilled": filled,
                "refusals": strategy.refusals,
                "exits": strategy.exits,
                "tradeDigest": strategy.digest.hexdigest(),
                "seconds": {"import": IMPORTED - STARTED, "load": loaded - IMPORTED, "run": ran - loaded, "total": ran - STARTED},
            }
        )
    )


if __name__ == "__main__":
    main()
