"""The example engine's own behaviour, run as a real child process against a scripted agent: bad input, the seed's faults, FX without look-ahead."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
ENGINE = ROOT / "examples" / "python-engine" / "engine.py"
REAL = ROOT / "test" / "fixtures" / "real"
sys.path.insert(0, str(ENGINE.parent))

from market import BadInput, ReplayMarket  # noqa: E402


def replay_config(**feed: Any) -> dict[str, Any]:
    return {
        "name": "t",
        "symbols": ["BTC"],
        "venues": {"a": {"name": "upbit", "quoteCurrency": "KRW", "takerFeeBps": 5}, "b": {"name": "binance", "quoteCurrency": "USDT", "takerFeeBps": 10}},
        "fx": {"pair": "USDT/KRW", "rate": 1380},
        "strategy": {"entryBps": 25, "exitBps": 5, "maxHolding": 86400, "maxQuoteAge": 1200, "premiumBaseline": {"kind": "ewma", "halfLife": 21600}},
        "feed": {
            "kind": "replay",
            "from": "2025-08-21T21:30:00Z",
            "sources": [
                {"venue": "a", "format": "ccxt-ohlcv", "path": str(REAL / "upbit-KRW-BTC-15m.csv"), "halfSpreadBps": 1},
                {"venue": "b", "format": "ccxt-ohlcv", "path": str(REAL / "binance-BTC-USDT-15m.csv"), "halfSpreadBps": 1},
                {"venue": "fx", "format": "fx-daily", "path": str(REAL / "USD-KRW-daily.csv")},
            ],
            **feed,
        },
    }


class Run:
    """The engine as a child; a thread plays the agent (assignment, every commit accepted) and keeps what the engine wrote."""

    def __init__(self, config: dict[str, Any], *args: str) -> None:
        self.child = subprocess.Popen([sys.executable, str(ENGINE), "--run-once-ms", "1", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self._config = config
        self._timer = threading.Timer(60, self.child.kill)  # a hung engine fails the test instead of hanging it
        self._timer.start()
        threading.Thread(target=self._agent, daemon=True).start()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.child.stdin is not None
        self.child.stdin.write(json.dumps(message).encode() + b"\n")
        self.child.stdin.flush()

    def _agent(self) -> None:
        assert self.child.stdout is not None
        try:
            for line in self.child.stdout:
                message = json.loads(line)
                self.lines.append((time.monotonic(), message))
                if message["type"] == "hello":
                    restore = {"checkpoint": None, "ledgerTail": [], "nextFillSeq": 0}
                    self._send({"type": "assignment", "protocol": 1, "campaignId": "c", "shardId": "shard-000", "shardIndex": 0, "generation": 0, "symbols": ["BTC"], "config": self._config, "clock": "real", "restore": restore})
                elif message["type"] == "commit":
                    self._send({"type": "commit-result", "seq": message["seq"], "status": "accepted"})
        except (OSError, ValueError):
            pass

    def wait(self) -> int:
        code = self.child.wait(90)
        self._timer.cancel()
        return code

    def end(self) -> str:
        self.child.kill()
        self.wait()
        assert self.child.stderr is not None
        return self.child.stderr.read().decode()

    def types(self) -> list[str]:
        return [m["type"] for _, m in self.lines]


def test_a_feed_it_cannot_play_is_bad_input_exit_2_naming_the_field() -> None:
    run = Run({**replay_config(), "feed": {"kind": "live"}})
    assert run.wait() == 2
    assert "bad input: feed.kind: this example trades on replay or synthetic feeds, found 'live'" in run.end()
    run = Run(replay_config(sources=[{"venue": "a", "format": "ccxt-ohlcv", "path": str(REAL / "upbit-KRW-BTC-15m.csv")}]))
    assert run.wait() == 2
    assert "halfSpreadBps: expected a number for ccxt-ohlcv" in run.end()


def test_it_plays_the_shipped_candles_to_their_end_and_says_done_feed_done() -> None:
    run = Run(replay_config(to="2025-08-23T00:00:00Z"))  # 106 candles: the first trades come near candle 70
    assert run.wait() == 0, run.end()
    assert run.types()[-1] == "done" and run.lines[-1][1]["reason"] == "feed-done"
    fills = [f for _, m in run.lines if m["type"] == "commit" for f in m["fills"]]
    assert [f["seq"] for f in fills] == list(range(len(fills))) and fills, "fills made, seqs one by one from 0"
    assert {f["reason"] for f in fills} - {"ENTRY"}, "exits fire"
    assert sum(1 for f in fills if f["kind"] == "OPEN") == sum(1 for f in fills if f["kind"] == "CLOSE"), "every trade closed by the end"
    assert fills[-1]["reason"] == "CAMPAIGN_END", "the trades open when the replay ran out closed at its end"
    assert all(f["quoteTsA"] <= f["eventTs"] and f["quoteTsB"] <= f["eventTs"] for f in fills), "every fill names the quotes it was priced on"


def test_die_after_ends_the_process_with_exit_0_and_no_done() -> None:
    run = Run(replay_config(), "--die-after", "0.5")
    assert run.wait() == 0
    assert "progress" in run.types() and "done" not in run.types()
    assert run.end().strip() == "", "no message at all"


def test_stall_after_leaves_the_process_alive_and_its_progress_standing_still() -> None:
    run = Run(replay_config(), "--stall-after", "0.5@0")
    # Judged on what the engine wrote, not on a fixed sleep: on a loaded machine its start (and so
    # the stall) may come late. Waits up to 30 s for a second and more without a progress line.
    deadline = time.monotonic() + 30
    progress: list[tuple[float, int]] = []
    while time.monotonic() < deadline:
        time.sleep(0.2)
        progress = [(at, m["counter"]) for at, m in run.lines if m["type"] == "progress"]
        if progress and time.monotonic() - progress[-1][0] > 1.5:
            break
    assert run.child.poll() is None, "the starved engine still lives"
    run.end()
    assert progress, "it made progress before the stall"
    last_at, last_counter = progress[-1]
    assert time.monotonic() - last_at > 1, "no progress line for the last second and more"
    assert last_counter == max(c for _, c in progress)


def test_stall_after_with_another_generation_does_not_stall_this_one() -> None:
    run = Run(replay_config(to="2025-08-22T00:00:00Z"), "--stall-after", "0.1@1")
    assert run.wait() == 0, run.end()
    assert run.types()[-1] == "done"


def test_fx_daily_applies_each_close_from_the_next_day_never_ahead() -> None:
    market = ReplayMarket(replay_config(), ["BTC"])
    day = 86_400_000
    aug1 = 1_754_006_400_000  # 2025-08-01T00:00Z
    assert market._fx(aug1 + day / 2) == 1392.47, "on 08-01 the 07-31 close (the 08-01 close is not known until the day ends)"
    assert market._fx(aug1 + day) == 1389.03, "from 08-02 the 08-01 close"


def test_a_market_without_candles_of_a_symbol_is_bad_input() -> None:
    try:
        ReplayMarket(replay_config(), ["ETH"])
    except BadInput as error:
        assert "expected ccxt-ohlcv candles of ETH on venues a and b, found none" in str(error)
    else:
        raise AssertionError("ETH has no candles: expected BadInput")


def venue_ages(run: Run) -> list[dict[str, float]]:
    """Each progress line's venue ages, eventTime − lastUpdateAt in ms: what the report's Quote coverage row judges at each heartbeat."""
    ages = []
    for _, m in run.lines:
        if m["type"] == "progress" and "venues" in m:
            ages.append({name: m["eventTime"] - v["lastUpdateAt"] for name, v in m["venues"].items() if "lastUpdateAt" in v})
    return ages


def test_progress_carries_each_venues_last_update_so_quote_coverage_is_judged_fresh_on_the_shipped_candles() -> None:
    run = Run(replay_config(to="2025-08-22T06:00:00Z"))
    assert run.wait() == 0, run.end()
    progress = [m for _, m in run.lines if m["type"] == "progress"]
    last = progress[-1]
    assert set(last["venues"]) == {"a", "b", "fx"} and last["venues"]["a"]["updates"] > 30
    # The shipped USD/KRW ends with the 08-01 close, applied from 08-02 00:00 UTC: three weeks old by then (no maxFxAge: not judged).
    assert last["venues"]["fx"]["lastUpdateAt"] == 1_754_092_800_000
    ages = venue_ages(run)
    assert ages and all(0 <= age <= 1_200_000 for a in ages for name, age in a.items() if name != "fx"), "A and B within maxQuoteAge (20 min) at every progress"
    for name in ("a", "b", "fx"):
        times = [m["venues"][name]["lastUpdateAt"] for m in progress if name in m.get("venues", {}) and "lastUpdateAt" in m["venues"][name]]
        assert times == sorted(times), f"venue {name}'s time never goes back"


def test_a_venue_that_stops_quoting_ages_past_max_quote_age(tmp_path: Path) -> None:
    # Binance's candles of 2025-08-22 00:00–04:00 taken out: venue B's last update ages to hours while A quotes on.
    source = (REAL / "binance-BTC-USDT-15m.csv").read_text().splitlines()
    gap = [line for line in source if not ("2025-08-22 00:00" <= line[:16] < "2025-08-22 04:00")]
    assert len(source) - len(gap) == 16
    crafted = tmp_path / "binance-BTC-USDT-15m.csv"
    crafted.write_text("\n".join(gap) + "\n")
    config = replay_config(to="2025-08-22T06:00:00Z")
    config["feed"]["sources"][1]["path"] = str(crafted)
    run = Run(config)
    assert run.wait() == 0, run.end()
    stale = [a["b"] for a in venue_ages(run) if a.get("b", 0) > 1_200_000]
    assert stale and max(stale) >= 3 * 3_600_000, "B's age past 20 min through the gap, up to its 4 hours"
    assert all(a["a"] <= 1_200_000 for a in venue_ages(run)), "A stays fresh"
