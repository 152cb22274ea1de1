"""Shared pieces of the client's tests: the protocol's JSON Schemas and a fake agent on real pipes."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "docs" / "task-protocol"
sys.path.insert(0, str(ROOT / "clients" / "python" / "src"))


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def check(message: dict[str, Any]) -> dict[str, Any]:
    """Validates a message against the JSON Schema generated for its type (P18a's docs/task-protocol/)."""
    jsonschema.validate(message, schema(message["type"]), cls=jsonschema.Draft202012Validator)
    return message


def assignment(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "assignment",
        "protocol": 1,
        "campaignId": "c-1",
        "shardId": "shard-000",
        "shardIndex": 0,
        "generation": 2,
        "symbols": ["BTC", "ETH"],
        "config": {"name": "t", "symbols": ["BTC", "ETH"]},
        "clock": "real",
        "startedAt": 1_700_000_000_000,
        "endsAt": 1_700_000_060_000,
        "restore": {"checkpoint": {"step": 7}, "ledgerTail": [], "nextFillSeq": 4},
    }
    message.update(overrides)
    return check(message)


def fill(seq: int, **overrides: Any) -> dict[str, Any]:
    leg = {
        "seq": seq,
        "tradeId": seq // 2,
        "symbol": "BTC",
        "venue": "A" if seq % 2 == 0 else "B",
        "side": "SELL" if seq % 2 == 0 else "BUY",
        "kind": "OPEN",
        "reason": "ENTRY",
        "qty": 0.01,
        "price": 100.5,
        "fee": 0.05,
        "fxRate": 1380.0,
        "ts": 1_700_000_001_000,
        "eventTs": 1_700_000_001_000,
        "wallTs": 1_700_000_001_010,
    }
    leg.update(overrides)
    return leg


class FakeAgent:
    """The agent's end of two real pipes: reads what the engine writes, writes what the agent would."""

    def __init__(self) -> None:
        engine_in, self._to_engine = os.pipe()
        self._from_engine, engine_out = os.pipe()
        self.engine_stdin: BinaryIO = os.fdopen(engine_in, "rb")
        self.engine_stdout: BinaryIO = os.fdopen(engine_out, "wb")
        self._reader = os.fdopen(self._from_engine, "rb")
        self._writer = os.fdopen(self._to_engine, "wb")

    def read(self) -> dict[str, Any]:
        line = self._reader.readline()
        assert line.endswith(b"\n"), f"expected a whole line from the engine, found {line!r}"
        return check(json.loads(line))

    def send(self, message: dict[str, Any]) -> None:
        check(message)
        self._writer.write(json.dumps(message).encode() + b"\n")
        self._writer.flush()

    def close_stdin(self) -> None:
        self._writer.close()

    def close(self) -> None:
        # The agent's write end first, then wait for the client's reader threads to see the end of
        # stdin: closing engine_stdin under a reader still in os.read would free its descriptor
        # number for the next test's pipe, and the old reader would read the next test's lines.
        try:
            self._writer.close()
        except OSError:
            pass
        deadline = time.monotonic() + 30
        while any(t.name == "arbfleet-task-reader" for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.005)
        for stream in (self.engine_stdin, self.engine_stdout, self._reader):
            try:
                stream.close()
            except OSError:
                pass


@pytest.fixture
def agent() -> Any:
    fake = FakeAgent()
    yield fake
    fake.close()
