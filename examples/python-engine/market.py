"""Market data for the example engine: a replay of recorded files, or a seeded synthetic market.

Replay reads the campaign's ``feed.sources`` as arbfleet's own replay does (``core/data/formats/``):
``ccxt-ohlcv`` candles become one quote at each candle's CLOSE time (open + the period), mid = close,
bid/ask = mid ∓ ``halfSpreadBps``; ``fx-daily`` (an Investing.com export) applies each day's close
from the next day 00:00 UTC, never ahead. Each ``step(symbol)`` hands out the next recorded time of
that symbol with whichever venues quoted then. Anything else is bad input (``BadInput``, exit 2).
"""

from __future__ import annotations

import bisect
import csv
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# Plausible levels for the synthetic market (configs/universe.yaml's refPriceUsd); others start at 100.
REF_PRICE = {"BTC": 95000.0, "ETH": 3200.0, "XRP": 2.2, "SOL": 140.0, "DOGE": 0.16, "ADA": 0.45, "TRX": 0.28, "LINK": 13.0, "AVAX": 14.0, "DOT": 2.4}


class BadInput(Exception):
    """A config or data file the engine cannot use: the same input fails the same way (exit 2, not retried)."""


@dataclass
class Step:
    """One recorded (or simulated) moment of a symbol: event time ms, mids per venue (None: no quote then), FX rate (A per B) and since when it applies (None: the config's rate, which never ages)."""

    at: float
    mid_a: float | None
    mid_b: float | None
    fx: float
    half_spread: float
    fx_at: float | None = None


def _naive_utc(text: str, where: str) -> float:
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=timezone.utc).timestamp() * 1000
    except ValueError as error:
        raise BadInput(f"{where}: timestamp: expected an ISO date and time, found {text!r}") from error


def _ohlcv(path: str, half_spread_bps: float | None) -> tuple[str, dict[float, float], float]:
    """(symbol from the file name, close-time ms → close, half-spread as a fraction)."""
    if half_spread_bps is None:
        raise BadInput(f"{path}: feed.sources[].halfSpreadBps: expected a number for ccxt-ohlcv (a candle is not a quote), found none")
    name = Path(path).name.split("-")
    if len(name) < 3:
        raise BadInput(f"{path}: expected a file named after its market, such as upbit-KRW-BTC-15m.csv")
    bases = [part for part in name[1:3] if part not in ("KRW", "USDT", "USDC", "USD")]
    if len(bases) != 1:
        raise BadInput(f"{path}: expected a file named <venue>-<quote>-<base>-<period> or <venue>-<base>-<quote>-<period>")
    symbol = bases[0]
    rows: list[tuple[float, float]] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number == 1 and row and row[0] == "timestamp":
                continue
            try:
                rows.append((_naive_utc(row[0], f"{path}:{number}"), float(row[4])))
            except (IndexError, ValueError) as error:
                raise BadInput(f"{path}:{number}: expected timestamp,open,high,low,close,volume, found {row!r}") from error
    if len(rows) < 2:
        raise BadInput(f"{path}: expected at least two candles, found {len(rows)}")
    period = min(b[0] - a[0] for a, b in zip(rows[:64], rows[1:65]) if b[0] > a[0])
    return symbol, {opened + period: close for opened, close in rows}, half_spread_bps / 1e4


def _fx_daily(path: str) -> tuple[list[float], list[float]]:
    """(times from which each rate applies, ms ascending; rates)."""
    points: list[tuple[float, float]] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number == 1:
                continue
            try:
                day = datetime.strptime(row[0].replace(" ", ""), "%Y-%m-%d").replace(tzinfo=timezone.utc)
                points.append(((day + timedelta(days=1)).timestamp() * 1000, float(row[1].replace(",", ""))))
            except (IndexError, ValueError) as error:
                raise BadInput(f"{path}:{number}: expected a date and a close such as \"2025- 08- 01\",\"1,389.03\", found {row!r}") from error
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


class ReplayMarket:
    """Steps through recorded candles per symbol; its position is a cursor per symbol (checkpointed)."""

    def __init__(self, config: dict[str, Any], symbols: list[str]) -> None:
        feed = config["feed"]
        start = datetime.fromisoformat(feed["from"].replace("Z", "+00:00")).timestamp() * 1000 if feed.get("from") else -math.inf
        end = datetime.fromisoformat(feed["to"].replace("Z", "+00:00")).timestamp() * 1000 if feed.get("to") else math.inf
        self._fx_config = float(config["fx"]["rate"]) if config.get("fx") else 1.0
        self._fx_times: list[float] = []
        self._fx_rates: list[float] = []
        closes: dict[tuple[str, str], dict[float, float]] = {}
        spread: dict[str, float] = {}
        for index, source in enumerate(feed.get("sources") or []):
            where = f"feed.sources[{index}]"
            if source["format"] == "fx-daily":
                self._fx_times, self._fx_rates = _fx_daily(source["path"])
            elif source["format"] == "ccxt-ohlcv":
                symbol, by_time, half = _ohlcv(source["path"], source.get("halfSpreadBps"))
                closes[(symbol, source["venue"])] = by_time
                spread[symbol] = half
            else:
                raise BadInput(f"{where}.format: this example replays ccxt-ohlcv and fx-daily, found {source['format']!r}")
        self.timeline: dict[str, list[Step]] = {}
        for symbol in symbols:
            a, b = closes.get((symbol, "a")), closes.get((symbol, "b"))
            if a is None or b is None:
                raise BadInput(f"feed.sources: expected ccxt-ohlcv candles of {symbol} on venues a and b, found {'none' if a is None and b is None else 'one venue only'}")
            times = sorted(t for t in set(a) | set(b) if start <= t < end)
            self.timeline[symbol] = [Step(t, a.get(t), b.get(t), self._fx(t), spread[symbol]) for t in times]
        self.cursor = {symbol: 0 for symbol in symbols}
        self.fx_taken: set[int] = set()
        """The recorded FX rates handed out with a step in this generation (their indexes): the FX source's updates."""

    def _fx(self, at: float) -> float:
        index = bisect.bisect_right(self._fx_times, at) - 1
        return self._fx_rates[index] if index >= 0 else self._fx_config

    def _fx_since(self, at: float) -> float | None:
        """Since when the rate in effect at ``at`` applies (its day's next 00:00 UTC), None before the first: the config's rate."""
        index = bisect.bisect_right(self._fx_times, at) - 1
        if index < 0:
            return None
        self.fx_taken.add(index)
        return self._fx_times[index]

    def step(self, symbol: str) -> Step | None:
        """The symbol's next recorded step, or None when its replay has run out."""
        line, index = self.timeline[symbol], self.cursor[symbol]
        if index >= len(line):
            return None
        self.cursor[symbol] = index + 1
        step = line[index]
        step.fx_at = self._fx_since(step.at)
        return step

    def skip_past(self, symbol: str, at: float) -> None:
        """Moves the symbol's cursor past event time ``at`` (a restored ledger tail was decided there)."""
        line = self.timeline[symbol]
        while self.cursor[symbol] < len(line) and line[self.cursor[symbol]].at <= at:
            self.cursor[symbol] += 1

    def state(self) -> dict[str, Any]:
        return {"cursor": dict(self.cursor)}

    def restore(self, state: dict[str, Any]) -> None:
        self.cursor.update(state["cursor"])


class SyntheticMarket:
    """A seeded random walk per symbol with a mean-reverting dislocation between the venues (the built-in feed's shape)."""

    def __init__(self, config: dict[str, Any], symbols: list[str], now_ms: Any) -> None:
        feed = config["feed"]
        self._now_ms = now_ms
        self._dt = 1.0 / float(feed.get("ticksPerSecond", 10))
        self._vol = float(feed.get("volatilityBps", 3)) / 1e4 * math.sqrt(self._dt)
        half_life = float(feed.get("dislocationHalfLife", 20))
        self._keep = math.exp(-self._dt * math.log(2) / half_life)
        self._shock = float(feed.get("dislocationBps", 25)) / 1e4 * math.sqrt(1 - self._keep**2)
        self._half = float(feed.get("bookSpreadBps", 2)) / 2 / 1e4
        self._fx = float(config["fx"]["rate"]) if config.get("fx") else 1.0
        seed = int(feed.get("seed", 1))
        self._rng = {s: random.Random(seed * 1000 + i) for i, s in enumerate(symbols)}
        self._walk = {s: [REF_PRICE.get(s, 100.0), 0.0] for s in symbols}

    def step(self, symbol: str) -> Step:
        rng, walk = self._rng[symbol], self._walk[symbol]
        walk[0] *= math.exp(self._vol * rng.gauss(0, 1))
        walk[1] = walk[1] * self._keep + self._shock * rng.gauss(0, 1)
        return Step(self._now_ms(), walk[0] * self._fx * (1 + walk[1]), walk[0], self._fx, self._half)

    def skip_past(self, symbol: str, at: float) -> None:
        """Nothing to skip: synthetic time is the wall clock."""

    def state(self) -> dict[str, Any]:
        return {
            "walk": {s: list(w) for s, w in self._walk.items()},
            "rng": {s: [r.getstate()[0], list(r.getstate()[1]), r.getstate()[2]] for s, r in self._rng.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        for symbol, walk in state["walk"].items():
            self._walk[symbol] = list(walk)
        for symbol, (version, internal, gauss) in state["rng"].items():
            self._rng[symbol].setstate((version, tuple(internal), gauss))


def open_market(config: dict[str, Any], symbols: list[str], now_ms: Any) -> ReplayMarket | SyntheticMarket:
    kind = config.get("feed", {}).get("kind")
    if kind == "replay":
        if not config["feed"].get("sources"):
            raise BadInput("feed.sources: this example replays per-venue recorded files (sources), found none")
        return ReplayMarket(config, symbols)
    if kind == "synthetic":
        return SyntheticMarket(config, symbols, now_ms)
    raise BadInput(f"feed.kind: this example trades on replay or synthetic feeds, found {kind!r}")
