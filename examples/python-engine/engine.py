"""The seed's engine shape under arbfleet: an asyncio loop calling a blocking ``run_once()`` per symbol.

As ``../shared/seed-report.md`` describes it (D74-3): one loop over the shard's symbols, ``await
asyncio.sleep(0)`` before each blocking ``run_once()`` (~62 ms), then an adaptive sleep (0.05 s
after a trade, 0.1 s idle). What is new is only the task protocol (``clients/python``): progress
after every pass, fills committed with a checkpoint every ``monitor.flushInterval``, a restart
resumed from the checkpoint, a stop obeyed. Two options bring back the seed's failures:

- ``--stall-after S[@G]``: S seconds into generation G (every generation without @G), ``run_once``
  never returns: the loop is starved, the process lives, progress stands still (the D74-2.5 stall).
- ``--die-after S[@G]``: S seconds in, the process ends with ``os._exit(0)``: no message, no
  ``done``, an exit code that says all is well (the T+20 min death).

Run it under arbfleet: ``npm run arbfleet -- run configs/python-engine.yaml`` (from the repository
root). Exit codes: 0 done, 2 bad input (config or data: not retried), 3 fenced, 1 anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

try:
    from arbfleet_task import AsyncTaskClient, Latency, Venue
except ImportError:  # not pip-installed: use the client beside it in the repository
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python" / "src"))
    from arbfleet_task import AsyncTaskClient, Latency, Venue

from market import BadInput, ReplayMarket, open_market
from paper import Book, PaperRunner

ENGINE_NAME = "python-seed-engine"
ENGINE_VERSION = "0.1.0"


def fault(text: str | None) -> tuple[float, int | None] | None:
    """``S`` or ``S@G`` → (seconds, generation or None for every generation)."""
    if text is None:
        return None
    seconds, _, generation = text.partition("@")
    return float(seconds), int(generation) if generation else None


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-once-ms", type=float, default=62.0, help="how long each blocking run_once() takes (default 62, the seed's)")
    parser.add_argument("--stall-after", help="S[@G]: run_once never returns S seconds into generation G")
    parser.add_argument("--die-after", help="S[@G]: os._exit(0) with no message S seconds into generation G")
    return parser.parse_args(argv)


class Engine:
    """One shard: the runners, their shared book, the market, and the state a checkpoint carries."""

    def __init__(self, client: AsyncTaskClient, work_ms: float) -> None:
        a = client.assignment
        self.client = client
        self.market = open_market(a.config, a.symbols, lambda: time.time() * 1000)
        self.book = Book(a.restore.next_fill_seq)
        self.runners = [PaperRunner(s, a.config, self.market, self.book, work_ms) for s in a.symbols]
        self.flush_sec = float(a.config.get("monitor", {}).get("flushInterval", 0.5))
        self.counter = 0
        self.latencies: list[float] = []
        if a.restore.checkpoint is not None:
            self.restore(a.restore.checkpoint, a.restore.ledger_tail)

    def checkpoint(self) -> dict[str, Any]:
        return {
            "version": 1,
            "book": self.book.state(),
            "market": self.market.state(),
            "runners": {r.symbol: r.quotes for r in self.runners},
        }

    def restore(self, checkpoint: dict[str, Any], tail: list[dict[str, Any]]) -> None:
        self.book.restore(checkpoint["book"])
        self.market.restore(checkpoint["market"])
        for runner in self.runners:
            runner.quotes.update(checkpoint["runners"][runner.symbol])
        for fill in tail:
            self.book.replay(fill)
            self.market.skip_past(fill["symbol"], fill.get("eventTs", fill["ts"]))
        print(f"{ENGINE_NAME}: restored from its checkpoint: {self.book.trades} trades, {len(self.book.open)} open, {len(tail)} fills of ledger tail", file=sys.stderr, flush=True)

    def progress(self) -> None:
        ordered = sorted(self.latencies[-1000:]) or [0.0]
        latency = Latency(ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], ordered[-1])
        times = [r.at for r in self.runners if r.at is not None]
        event_time = max(times) if times else None
        self.client.progress(
            self.counter,
            self.book.trades,
            len(self.book.open),
            self.book.realized_micros,
            ticks=sum(r.updates for r in self.runners),
            event_time=event_time,
            latency=latency,
            venues=self.venues(),
        )

    def venues(self) -> dict[str, Venue]:
        """Each venue's updates and the event time of its latest (the recorded candle's close), for the report's Quote coverage row.

        The FX source is a venue too when the replay records one: its time is since when the rate in
        effect applies; the config's fixed rate (synthetic, or before the first recorded rate) never ages and is not sent.
        """

        def latest(times: list[float | None]) -> float | None:
            known = [t for t in times if t is not None]
            return max(known) if known else None

        out = {
            "a": Venue(sum(r.updates_a for r in self.runners), latest([r.quotes["aAt"] for r in self.runners])),
            "b": Venue(sum(r.updates_b for r in self.runners), latest([r.quotes["bAt"] for r in self.runners])),
        }
        fx_at = latest([r.fx_at for r in self.runners])
        if isinstance(self.market, ReplayMarket) and fx_at is not None:
            out["fx"] = Venue(len(self.market.fx_taken), fx_at)
        return out

    async def commit(self) -> None:
        fills, self.book.pending = self.book.pending, []
        result = await self.client.commit(fills, self.checkpoint())
        if not result.accepted:
            print(f"{ENGINE_NAME}: commit {result.seq} {result.status}: {result.reason}", file=sys.stderr, flush=True)
            os._exit(3 if result.status == "fenced" else 1)


async def trade(engine: Engine, stall: tuple[float, int | None] | None, die: tuple[float, int | None] | None) -> str:
    """The seed's loop (D74-3), reporting progress every pass. Returns why it ended: feed-done, deadline or stopped."""
    generation = engine.client.assignment.generation
    ends_at = engine.client.assignment.ends_at
    started = last_commit = time.monotonic()

    def due(rule: tuple[float, int | None] | None) -> bool:
        return rule is not None and rule[1] in (None, generation) and time.monotonic() - started >= rule[0]

    while True:
        success = False
        for runner in engine.runners:
            await asyncio.sleep(0)  # D74-3: yield before the blocking call
            if due(die):
                os._exit(0)  # the T+20 min death: no message, no done, nothing flushed
            while due(stall):
                time.sleep(1)  # a run_once that never returns: the loop is starved, the process lives
            began = time.perf_counter()
            success = runner.run_once() or success
            engine.latencies.append((time.perf_counter() - began) * 1e6)
            engine.counter += 1
        engine.latencies = engine.latencies[-1000:]
        engine.progress()
        if engine.book.pending or time.monotonic() - last_commit >= engine.flush_sec:
            await engine.commit()
            last_commit = time.monotonic()
        if engine.client.stop_requested is not None:
            return "stopped"
        if all(r.done for r in engine.runners):
            return "feed-done"
        if ends_at is not None and time.time() * 1000 >= ends_at:
            return "deadline"
        await asyncio.sleep(0.05 if success else 0.1)  # D74-3: adaptive sleep


async def main(argv: list[str]) -> int:
    args = options(argv)
    client = await AsyncTaskClient.connect(ENGINE_NAME, ENGINE_VERSION)
    try:
        engine = Engine(client, args.run_once_ms)
    except (BadInput, KeyError) as error:
        print(f"{ENGINE_NAME}: bad input: {error}", file=sys.stderr, flush=True)
        return 2
    reason = await trade(engine, fault(args.stall_after), fault(args.die_after))
    if reason != "stopped":  # the end of the replay or the campaign; a stopped shard's next generation keeps its trades
        for runner in engine.runners:
            runner.close_all()
    await engine.commit()
    engine.progress()
    await client.done(reason)  # type: ignore[arg-type]
    print(f"{ENGINE_NAME}: {reason}: {engine.counter} run_once calls, {engine.book.trades} trades, {engine.book.closed} closed", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
